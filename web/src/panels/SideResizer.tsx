// A drag handle on the side panel's left edge: its width is the CSS variable --side-w on the
// editor's main row (kept across reloads). Double-click puts the default back.
import { useEffect, useRef } from "react";

const KEY = "torchcanvas.sideWidth";
const MIN = 280, DEFAULT = 340;
const clamp = (w: number) => Math.round(Math.max(MIN, Math.min(w, window.innerWidth * 0.7)));

export function SideResizer() {
  const ref = useRef<HTMLDivElement>(null);
  const row = () => ref.current?.parentElement;
  const apply = (w: number | null) => {
    const el = row();
    if (!el) return;
    if (w === null) el.style.removeProperty("--side-w");
    else el.style.setProperty("--side-w", `${w}px`);
  };
  useEffect(() => {
    const saved = Number(localStorage.getItem(KEY));
    if (saved) apply(clamp(saved));
  }, []);
  const onPointerDown = (e: React.PointerEvent) => {
    e.preventDefault();
    const side = ref.current?.nextElementSibling as HTMLElement | null;
    const start = e.clientX, startW = side?.getBoundingClientRect().width ?? DEFAULT;
    const move = (m: PointerEvent) => apply(clamp(startW + start - m.clientX));
    const up = (m: PointerEvent) => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      localStorage.setItem(KEY, String(clamp(startW + start - m.clientX)));
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  };
  return (
    <div
      ref={ref}
      className="tc-side-resizer"
      role="separator"
      aria-orientation="vertical"
      title="Drag to resize the panel (double-click: default width)"
      onPointerDown={onPointerDown}
      onDoubleClick={() => (apply(null), localStorage.removeItem(KEY))}
      data-testid="side-resizer"
    />
  );
}
