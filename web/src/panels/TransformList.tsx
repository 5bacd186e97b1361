// The augmentation pipeline (train_transforms): add, reorder, remove, edit params.
import { useState } from "react";
import type { Choice } from "../api/types";
import { initialParams, setTraining } from "../store/actions";
import { useCatalog } from "../store/catalog";
import { useDoc } from "../store/doc";
import { ChoiceForm } from "./ChoiceForm";

export function TransformList() {
  const list = useDoc((s) => s.doc.training.train_transforms);
  const specs = useCatalog((s) => s.catalog?.transforms) ?? {};
  const [adding, setAdding] = useState("");
  const set = (train_transforms: Choice[]) => setTraining({ train_transforms });
  const move = (i: number, d: number) => {
    const j = i + d;
    if (j < 0 || j >= list.length) return;
    const next = [...list];
    [next[i], next[j]] = [next[j], next[i]];
    set(next);
  };
  return (
    <div data-testid="transforms">
      {list.map((t, i) => (
        <div className="tc-card" key={i} data-testid={`transform-${i}`}>
          <div className="tc-card-head">
            <b>{i + 1}. {specs[t.type]?.title ?? t.type}</b>
            <span>
              <button className="icon" disabled={i === 0} onClick={() => move(i, -1)} title="Move up" data-testid={`transform-${i}-up`}>↑</button>
              <button className="icon" disabled={i === list.length - 1} onClick={() => move(i, 1)} title="Move down" data-testid={`transform-${i}-down`}>↓</button>
              <button className="icon" onClick={() => set(list.filter((_, k) => k !== i))} title="Remove" data-testid={`transform-${i}-remove`}>×</button>
            </span>
          </div>
          <ChoiceForm kind="transforms" value={t} showType={false} testId={`transform-${i}`} onChange={(c) => c && set(list.map((x, k) => (k === i ? c : x)))} />
        </div>
      ))}
      <div className="tc-row">
        <select value={adding} onChange={(e) => setAdding(e.target.value)} data-testid="transform-add-type">
          <option value="">Add a transform…</option>
          {Object.entries(specs).map(([t, s]) => <option key={t} value={t}>{s.title || t}</option>)}
        </select>
        <button disabled={!adding} onClick={() => (set([...list, { type: adding, params: initialParams(specs[adding]) }]), setAdding(""))} data-testid="transform-add">Add</button>
      </div>
    </div>
  );
}
