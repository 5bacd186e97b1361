// Left palette: search, categories, My modules. Drag onto the canvas, or double-click / Enter to add.
import { useReactFlow } from "@xyflow/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { DND_MIME, type PaletteItem } from "../canvas/dnd";
import { MINIMAP } from "../canvas/Canvas";
import { placeFromPalette } from "../canvas/place";
import { NODE_H, NODE_W } from "../graph/layout";
import { useCatalog } from "../store/catalog";
import { currentBody, useDoc } from "../store/doc";
import { deleteModule, openModule } from "../store/modules";
import { setTab } from "../store/ui";
import { usePaletteItems, type Entry } from "./usePaletteItems";

export function Palette() {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [navigating, setNavigating] = useState(false);
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});
  const entries = usePaletteItems(query);
  const error = useCatalog((s) => s.error);
  const { screenToFlowPosition, flowToScreenPosition, setCenter, getZoom } = useReactFlow();
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => setActive(0), [query]);
  const highlight = navigating || query.trim() !== "";
  useEffect(() => {
    listRef.current?.querySelector(".active")?.scrollIntoView({ block: "nearest" });
  }, [active]);

  const add = (item: PaletteItem) => {
    const el = document.querySelector(".tc-canvas");
    const r = el?.getBoundingClientRect();
    const centre = r ? screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: 0, y: 0 };
    const { id, moved } = placeFromPalette(item, { x: centre.x - 90, y: centre.y - 30 });
    // Bring the new node into view if it landed outside it (below a node near the bottom edge),
    // with the output it pushed down when both fit (the next step is to connect them).
    const nodes = currentBody(useDoc.getState()).nodes;
    const n = nodes.find((x) => x.id === id);
    if (n && r) {
      const z = getZoom();
      const withOut = [n, ...nodes.filter((x) => moved.includes(x.id))];
      const y1 = Math.max(...withOut.map((x) => x.position.y)) + NODE_H;
      const shown = (y1 - n.position.y) * z < r.height - 60 ? withOut : [n];
      const top = n.position.y, bottomY = Math.max(...shown.map((x) => x.position.y)) + NODE_H;
      const left = Math.min(...shown.map((x) => x.position.x)), rightX = Math.max(...shown.map((x) => x.position.x)) + NODE_W;
      // The whole box must be on screen and clear of the minimap in the bottom-right corner.
      const p = flowToScreenPosition({ x: left, y: top });
      const right = p.x + (rightX - left) * z, bottom = p.y + (bottomY - top) * z;
      const underMap = right > r.right - MINIMAP.width - 30 && bottom > r.bottom - MINIMAP.height - 30;
      if (p.x < r.left || p.y < r.top || right > r.right - 10 || bottom > r.bottom - 10 || underMap)
        void setCenter((left + rightX) / 2, (top + bottomY) / 2, { zoom: z, duration: 200 });
    }
    setTab("params");
  };

  const groups = useMemo(() => {
    const m = new Map<string, { entry: Entry; index: number }[]>();
    entries.forEach((entry, index) => m.set(entry.group, [...(m.get(entry.group) ?? []), { entry, index }]));
    return [...m];
  }, [entries]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === "ArrowDown") setActive((a) => (navigating ? Math.min(a + 1, entries.length - 1) : a));
    else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
    else if (e.key === "Enter" && entries[active] && highlight) add(entries[active].item);
    else if (e.key === "Escape") setQuery("");
    else return;
    setNavigating(true);
    e.preventDefault();
  };

  return (
    <aside className="tc-palette" data-testid="palette" data-tour="palette">
      <input
        className="tc-search"
        placeholder="Search layers…  (↑↓ Enter)"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => setNavigating(false)}
        data-testid="palette-search"
      />
      {error && <div className="tc-error-box">Catalog unavailable: {error}</div>}
      <div className="tc-palette-list" ref={listRef}>
        {groups.map(([group, list]) => {
          const open = query.trim() !== "" || !collapsed[group];
          return (
            <section key={group} data-testid={`palette-group-${group}`}>
              <h4 onClick={() => setCollapsed((c) => ({ ...c, [group]: !c[group] }))}>
                <span>{open ? "▾" : "▸"}</span> {group} <span className="muted">{list.length}</span>
              </h4>
              {open &&
                list.map(({ entry, index }) => (
                  <div
                    key={entry.key}
                    className={`tc-palette-item${index === active && highlight ? " active" : ""}`}
                    draggable
                    onDragStart={(e) => {
                      e.dataTransfer.setData(DND_MIME, JSON.stringify(entry.item));
                      e.dataTransfer.effectAllowed = "copy";
                    }}
                    onDoubleClick={() => add(entry.item)}
                    onMouseEnter={() => highlight && setActive(index)}
                    title={entry.hint}
                    data-testid={entry.testId}
                  >
                    <span>{entry.label}</span>
                    {entry.item.kind === "module" && (
                      <span className="tc-item-actions">
                        <button className="icon" title="Edit definition" onClick={() => openModule((entry.item as { module: string }).module)}>✎</button>
                        <button className="icon" title="Delete definition" onClick={() => deleteModule((entry.item as { module: string }).module)}>×</button>
                      </span>
                    )}
                  </div>
                ))}
            </section>
          );
        })}
        {groups.length === 0 && <div className="muted pad">Nothing matches “{query}”.</div>}
      </div>
    </aside>
  );
}
