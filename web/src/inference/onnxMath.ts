// The browser half of "Run in your browser": the server's preprocessed tensor decoded, the ONNX
// model's raw outputs turned into the server's scores (evaluate.py: softmax or sigmoid per crop,
// then the mean over crops), and the two answers compared. Pure functions, tested in node.

export interface TensorData {
  shape: number[];
  dtype: "float32";
  data: string; // base64, little-endian float32
}

export interface Scored {
  index: number;
  label: string;
  probability: number;
}

/** The base64 little-endian float32 the server sends, as a Float32Array. */
export function decodeTensor(t: TensorData): Float32Array {
  const bin = atob(t.data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== n * 4) throw new Error(`the tensor has ${bytes.length} bytes; its shape (${t.shape.join(", ")}) needs ${n * 4}`);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** (rows, classes) raw outputs -> (classes) scores: per row as the server scores them, then averaged. */
export function scores(values: ArrayLike<number>, rows: number, scoring: string): number[] {
  const classes = values.length / rows;
  const mean = new Array<number>(classes).fill(0);
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: classes }, (_, c) => Number(values[r * classes + c]));
    let out = row;
    if (scoring === "softmax") {
      const top = Math.max(...row);
      const exps = row.map((v) => Math.exp(v - top));
      const sum = exps.reduce((a, b) => a + b, 0);
      out = exps.map((e) => e / sum);
    } else if (scoring === "sigmoid") {
      out = row.map((v) => 1 / (1 + Math.exp(-v)));
    }
    out.forEach((v, c) => (mean[c] += v / rows));
  }
  return mean;
}

/** The k best, as the server's top-k (ties: the lower index first). */
export function topK(s: number[], labels: string[], k: number): Scored[] {
  return s
    .map((probability, index) => ({ index, label: labels[index] ?? `class ${index}`, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k);
}

export interface Compared {
  rows: { index: number; label: string; server: number; browser: number; diff: number }[];
  maxDiff: number;
  sameTop1: boolean;
}

/** The server's top-k beside the browser's score for the same classes. */
export function compare(server: Scored[], browser: number[]): Compared {
  const rows = server.map((t) => {
    const b = browser[t.index] ?? Number.NaN;
    return { index: t.index, label: t.label, server: t.probability, browser: b, diff: Math.abs(b - t.probability) };
  });
  const best = browser.reduce((bi, v, i) => (v > browser[bi] ? i : bi), 0);
  return { rows, maxDiff: Math.max(0, ...rows.map((r) => r.diff)), sameTop1: server[0]?.index === best };
}

// ---- batch as CSV -------------------------------------------------------------------------------

export interface BatchRow {
  name: string;
  top: Scored[];
  error: string | null;
}

const cell = (v: string | number) => {
  const s = String(v);
  return /[",\n\r]/.test(s) || /^[=+\-@\t]/.test(s) ? `"${(/^[=+\-@\t]/.test(s) ? "'" : "") + s.replace(/"/g, '""')}"` : s;
};

/** The batch table as CSV, in the order shown: file, top class, confidence, the other classes, error.
 * A cell starting with = + - @ is quoted behind an apostrophe, so a spreadsheet never runs it. */
export function batchCsv(rows: BatchRow[], k: number): string {
  const head = ["file", "class", "confidence"];
  for (let i = 2; i <= k; i++) head.push(`class_${i}`, `confidence_${i}`);
  head.push("error");
  const lines = [head.join(",")];
  for (const r of rows) {
    const cells: (string | number)[] = [r.name];
    for (let i = 0; i < k; i++) {
      const t = r.top[i];
      cells.push(t ? t.label : "", t ? t.probability.toFixed(6) : "");
    }
    cells.push(r.error ?? "");
    lines.push(cells.map(cell).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

/** Rows by their top-1 confidence; errors last either way. */
export function sortByConfidence(rows: BatchRow[], descending: boolean): BatchRow[] {
  const conf = (r: BatchRow) => r.top[0]?.probability;
  return [...rows].sort((a, b) => {
    const ca = conf(a), cb = conf(b);
    if (ca === undefined || cb === undefined) return ca === undefined ? (cb === undefined ? 0 : 1) : -1;
    return descending ? cb - ca : ca - cb;
  });
}
