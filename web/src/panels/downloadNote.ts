// What a data set downloads on its first run, from the catalog (download_mb): pure, tested in
// downloadNote.test.ts.
import type { Choice, DatasetSpec, Shape } from "../api/types";
import { readsUploads } from "./suggest";

export interface DownloadInfo {
  text: string;
  /** Data sets that need no download, those whose samples have the input's shape first. */
  offline: { type: string; title: string }[];
}

/** "171 MB", "2.6 GB". */
export function formatMb(mb: number): string {
  return mb >= 1000 ? `${(mb / 1000).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

const sameDims = (a: number[] | undefined, b: Shape | undefined) => !!a && !!b && a.length === b.length - 1 && a.every((d, k) => d === b[k + 1]);

export function downloadNote(datasets: Record<string, DatasetSpec>, dataset: Choice, input: Shape | undefined): DownloadInfo | null {
  const spec = datasets[dataset.type];
  if (!spec || spec.offline !== false || !spec.download_mb) return null;
  const root = typeof dataset.params?.root === "string" ? dataset.params.root : "data";
  const download = dataset.params?.download !== false;
  const text = download
    ? `${spec.title} downloads about ${formatMb(spec.download_mb)} into ${root}/ on its first run: the server needs the internet for that, and the first run waits for it.`
    : `${spec.title} needs its files (about ${formatMb(spec.download_mb)}) in ${root}/: download is off, so a run without them fails.`;
  const offline = Object.values(datasets)
    .filter((d) => d.offline !== false && !readsUploads(d) && (spec.is_image ? d.is_image : true))
    .sort((a, b) => Number(sameDims(b.sample_shape, input)) - Number(sameDims(a.sample_shape, input)))
    .map((d) => ({ type: d.type, title: d.title }));
  return { text, offline };
}
