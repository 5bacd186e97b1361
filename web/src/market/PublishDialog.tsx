// Publish the saved version of one of my models to the market: title, Markdown description with
// a live preview, tags, task, dataset, version notes, an optional result run, public or unlisted.
import { useEffect, useState } from "react";
import { api } from "../api/client";
import { marketApi, TASKS, type PublishBody } from "../api/market";
import { runsApi, type Num, type RunSummary } from "../api/runs";
import type { SavedModelSummary } from "../api/types";
import { needsSignIn } from "../store/auth";
import { toast } from "../store/ui";
import { MarkdownEditor } from "./MarkdownHtml";

const num = (v: Num | undefined) => (typeof v === "number" ? v : null);

/** "#12 · test_acc 0.953 · 3 epochs": what a run would publish as the model's result. */
export function runLabel(r: RunSummary): string {
  const acc = num(r.final?.test_acc), loss = num(r.final?.test_loss);
  const metric = acc !== null ? `test_acc ${acc.toFixed(3)}` : loss !== null ? `test_loss ${loss.toPrecision(3)}` : "no test metric";
  const epochs = r.final?.epochs ?? r.final?.epoch;
  return `#${r.id}${r.model_version ? ` · v${r.model_version}` : ""} · ${metric}${epochs ? ` · ${epochs} epoch${epochs === 1 ? "" : "s"}` : ""}${r.label ? ` · ${r.label}` : ""}`;
}

export const parseTags = (text: string): string[] =>
  [...new Set(text.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];

export function PublishDialog({ model, onClose, onPublished }: { model: SavedModelSummary; onClose: () => void; onPublished: () => void }) {
  const id = String(model.id);
  const published = (model.visibility ?? "private") !== "private";
  const [form, setForm] = useState({
    title: model.name, description: model.description ?? "", tags: "", task: "classification", dataset: "", notes: "",
    run: "", visibility: "public" as PublishBody["visibility"],
  });
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    // The dataset comes from the saved graph's training config; the results from its finished runs.
    api.models.get(id).then((m) => setForm((f) => ({ ...f, dataset: f.dataset || m.graph.training?.dataset?.type || "" })), () => undefined);
    runsApi.list(id).then((r) => setRuns(r.items.filter((x) => x.status === "succeeded")), () => setRuns([]));
    // Publishing again: start from what the last version said.
    if (published)
      marketApi.get(id).then(
        (m) => setForm((f) => ({ ...f, title: m.title, description: m.description, tags: m.tags.join(", "), task: m.task, dataset: m.dataset ?? f.dataset })),
        () => undefined,
      );
  }, [id, published]);
  const set = <K extends keyof typeof form>(k: K, v: (typeof form)[K]) => setForm((f) => ({ ...f, [k]: v }));

  const publish = async () => {
    setBusy(true);
    setError(null);
    try {
      const v = await marketApi.publish(id, {
        title: form.title.trim(), description: form.description, tags: parseTags(form.tags), task: form.task,
        dataset: form.dataset.trim() || null, notes: form.notes, result_run_id: form.run ? Number(form.run) : null, visibility: form.visibility,
      });
      toast(`Published “${v.title}” v${v.number}${v.verified === "pending" ? "; checking that it runs…" : ""}`, false, {
        action: { label: "View", run: () => (window.location.hash = `#/market/${encodeURIComponent(id)}`) },
      });
      onPublished();
    } catch (e) {
      if (needsSignIn(e)) onClose();
      else setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="tc-modal-back" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="tc-modal tc-publish" data-testid="publish-dialog">
        <h3>Publish “{model.name}” v{model.version}</h3>
        <p className="muted small">Publishes the saved version. Published versions never change; publishing again adds a version.</p>
        <label className="tc-field"><span className="tc-field-name">title</span>
          <input value={form.title} onChange={(e) => set("title", e.target.value)} data-testid="publish-title" /></label>
        <div className="tc-field"><span className="tc-field-name">description (Markdown)</span>
          <MarkdownEditor value={form.description} onChange={(v) => set("description", v)} testId="publish-description" /></div>
        <div className="tc-grid3">
          <label className="tc-field"><span className="tc-field-name">tags (comma-separated)</span>
            <input value={form.tags} onChange={(e) => set("tags", e.target.value)} placeholder="cnn, small" data-testid="publish-tags" /></label>
          <label className="tc-field"><span className="tc-field-name">task</span>
            <select value={form.task} onChange={(e) => set("task", e.target.value)} data-testid="publish-task">
              {TASKS.map((t) => <option key={t} value={t}>{t}</option>)}
            </select></label>
          <label className="tc-field"><span className="tc-field-name">dataset</span>
            <input value={form.dataset} onChange={(e) => set("dataset", e.target.value)} data-testid="publish-dataset" /></label>
        </div>
        <label className="tc-field"><span className="tc-field-name">version notes</span>
          <input value={form.notes} onChange={(e) => set("notes", e.target.value)} placeholder="what changed" data-testid="publish-notes" /></label>
        <label className="tc-field"><span className="tc-field-name">result</span>
          <select value={form.run} onChange={(e) => set("run", e.target.value)} data-testid="publish-run">
            <option value="">{runs === null ? "loading runs…" : runs.length ? "no result" : "no finished run of this model"}</option>
            {runs?.map((r) => <option key={r.id} value={r.id}>{runLabel(r)}</option>)}
          </select></label>
        <div className="tc-row">
          <label className="tc-inline-field"><input type="radio" checked={form.visibility === "public"} onChange={() => set("visibility", "public")} data-testid="publish-public" /> public (in the market)</label>
          <label className="tc-inline-field"><input type="radio" checked={form.visibility === "unlisted"} onChange={() => set("visibility", "unlisted")} data-testid="publish-unlisted" /> unlisted (anyone with the link)</label>
        </div>
        {error && <div className="tc-error-box" data-testid="publish-error">{error}</div>}
        <div className="tc-row tc-modal-foot">
          <button className="primary" disabled={busy || !form.title.trim()} onClick={() => void publish()} data-testid="publish-submit">{busy ? "Publishing…" : "Publish"}</button>
          <span className="spacer" />
          <button className="link" onClick={onClose}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
