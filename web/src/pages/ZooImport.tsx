// "Start from a torchvision model": pick one of torchvision's classification models, see its
// params and FLOPs (the server imports it on the meta device: no weights are made), open it.
import { useEffect, useState } from "react";
import { ApiError, api } from "../api/client";
import type { Graph, Imported, ZooModel } from "../api/types";
import { formatCount } from "../graph/format";

type Picked = { name: string; state: "importing" } | { name: string; state: "done"; result: Imported } | { name: string; state: "refused"; message: string };

export function ZooImport({ onOpen }: { onOpen: (graph: Graph) => void }) {
  const [zoo, setZoo] = useState<ZooModel[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<Picked | null>(null);
  useEffect(() => {
    api.zoo().then(setZoo, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    if (!picked || picked.state !== "importing") return;
    const abort = new AbortController(); // a newer pick wins
    const source = zoo?.find((m) => m.name === picked.name)?.source ?? `torchvision:${picked.name}`;
    api.importModel(source, abort.signal).then(
      (result) => setPicked({ name: picked.name, state: "done", result }),
      (e: Error) => {
        if (abort.signal.aborted) return;
        setPicked({ name: picked.name, state: "refused", message: e instanceof ApiError ? e.message : String(e) });
      },
    );
    return () => abort.abort();
  }, [picked, zoo]);

  return (
    <section className="tc-hero tc-hero-zoo" data-testid="zoo-import">
      <div>
        <h3>Start from a torchvision model</h3>
        <p>
          Import a classification model as an editable graph: its blocks become modules, and its layer names are
          torchvision's, so its checkpoints load into the generated code.
        </p>
      </div>
      <div className="tc-zoo-pick">
        {error && <div className="tc-error-box">{error}</div>}
        <select
          data-testid="zoo-select"
          value={picked?.name ?? ""}
          disabled={!zoo}
          onChange={(e) => e.target.value && setPicked({ name: e.target.value, state: "importing" })}
        >
          <option value="">{zoo ? `choose one of ${zoo.length} models…` : "loading…"}</option>
          {zoo?.map((m) => (
            <option key={m.name} value={m.name}>
              {m.name} ({m.input_shape.join("×")})
            </option>
          ))}
        </select>
        <span className="muted small" data-testid="zoo-facts">
          {picked?.state === "importing" && "importing…"}
          {picked?.state === "done" &&
            `${formatCount(picked.result.params)} params · ${formatCount(picked.result.flops)} FLOPs per image · ${picked.result.graph.nodes?.length ?? 0} nodes`}
        </span>
        {picked?.state === "done" && (picked.result.issues?.length ?? 0) > 0 && (
          <ul className="tc-warn-box small" data-testid="zoo-warnings">
            {picked.result.issues?.map((i, k) => <li key={k}>{i.message}{i.fix ? ` (fix: ${i.fix})` : ""}</li>)}
          </ul>
        )}
        {picked?.state === "refused" && (
          <div className="tc-error-box" data-testid="zoo-refused">
            {picked.name} cannot be imported: {picked.message}
          </div>
        )}
        <button
          className="primary"
          data-testid="zoo-open"
          disabled={picked?.state !== "done"}
          onClick={() => picked?.state === "done" && onOpen(picked.result.graph)}
        >
          Open in the editor
        </button>
      </div>
    </section>
  );
}
