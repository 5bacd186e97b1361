import { useUi } from "../store/ui";

export function Toast() {
  const t = useUi((s) => s.toast);
  if (!t) return null;
  return <div className={`tc-toast${t.error ? " bad" : ""}`} role="status" data-testid="toast">{t.text}</div>;
}
