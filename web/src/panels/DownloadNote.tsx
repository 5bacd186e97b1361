// A data set that downloads on its first run says so before the run: how much, where to, that the
// server needs the internet for it, and the data sets that need no download (one click each).
import type { Choice } from "../api/types";
import { initialParams, setTraining } from "../store/actions";
import { useCatalog } from "../store/catalog";
import { useDoc } from "../store/doc";
import { downloadNote } from "./downloadNote";

export function DownloadNote({ testId = "download-note", offer = true }: { testId?: string; offer?: boolean }) {
  const dataset = useDoc((s) => s.doc.training.dataset);
  const input = useDoc((s) => s.doc.nodes.find((n) => n.kind === "input"));
  const datasets = useCatalog((s) => s.catalog?.datasets);
  const note = datasets ? downloadNote(datasets, dataset, input?.kind === "input" ? input.shape : undefined) : null;
  if (!note) return null;
  const use = (type: string) => setTraining({ dataset: { type, params: initialParams(datasets?.[type]) } as Choice });
  return (
    <div className="tc-download-note" data-testid={testId}>
      <div>⤓ {note.text}</div>
      {offer && note.offline.length > 0 && (
        <div className="tc-row small">
          <span>No download:</span>
          {note.offline.map((d) => (
            <button key={d.type} className="small" onClick={() => use(d.type)} data-testid={`${testId}-use-${d.type}`}>{d.title}</button>
          ))}
        </div>
      )}
    </div>
  );
}
