import { useDoc } from "../store/doc";
import { openModule, renameModule } from "../store/modules";

export function Breadcrumb() {
  const path = useDoc((s) => s.path);
  const name = useDoc((s) => s.doc.name);
  if (path === null) return null;
  return (
    <nav className="tc-breadcrumb" data-testid="breadcrumb">
      <button className="link" onClick={() => openModule(null)} data-testid="breadcrumb-root">{name}</button>
      <span>›</span>
      <input
        key={path}
        defaultValue={path}
        data-testid="module-name"
        title="Rename this module (every instance follows)"
        onBlur={(e) => (e.target.value = renameModule(path, e.target.value))}
        onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
      />
      <span className="muted">editing a module definition: changes apply to every instance</span>
    </nav>
  );
}
