// My models: list, open, rename, duplicate, delete, version history, import.
import { useCallback, useEffect, useState } from "react";
import { api, items } from "../api/client";
import type { ModelVersion, SavedModelSummary } from "../api/types";
import { loadDocument } from "../store/actions";
import { emptyGraph } from "../store/doc";
import { importJson } from "../store/persist";
import { navigate } from "../router";

/**
 * What made a version, in words. The API notes every PATCH as "save", so a version whose name
 * differs from the one before it (and whose note is "save") is shown as the rename it was.
 */
export function versionLabel(v: ModelVersion, prev: ModelVersion | undefined): string {
  const note = v.note ?? "";
  const restored = /^restore:(\d+)$/.exec(note);
  if (restored) return `restored v${restored[1]}`;
  if (note === "save" && prev && prev.name !== v.name) return `renamed to “${v.name}”`;
  if (note === "create") return "created";
  if (note === "duplicate") return "duplicated";
  return note === "save" ? "saved" : note;
}

function Versions({ id, current, onRestored }: { id: string; current?: number; onRestored: () => void }) {
  const [list, setList] = useState<ModelVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.models.versions(id).then((v) => setList(items(v)), (e: Error) => setError(e.message));
  }, [id]);
  if (error) return <div className="tc-error-box">{error}</div>;
  if (!list) return <div className="muted">Loading…</div>;
  if (!list.length) return <div className="muted">No earlier versions.</div>;
  const byNumber = new Map(list.map((v) => [v.number, v]));
  const latest = current ?? Math.max(...list.map((v) => v.number));
  return (
    <ul className="tc-versions" data-testid={`versions-${id}`}>
      {list.map((v) => {
        const n = v.number;
        return (
          <li key={n} className={n === latest ? "current" : ""}>
            <span className="tc-version-n">v{n}</span> {versionLabel(v, byNumber.get(n - 1))}{" "}
            <span className="muted small">{v.created_at && new Date(v.created_at).toLocaleString()}</span>
            {n === latest ? (
              <span className="tc-badge" data-testid={`current-${id}-${n}`}>current</span>
            ) : (
              // Restoring adds a new version with this one's content: nothing is lost, so no confirm.
              <button className="link" title={`Make a new version v${latest + 1} with the content of v${n} (nothing is lost)`} data-testid={`restore-${id}-${n}`} onClick={() => api.models.restore(id, n).then(onRestored)}>restore</button>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function ModelsPage() {
  const [models, setModels] = useState<SavedModelSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<string | null>(null);
  const reload = useCallback(() => {
    api.models.list().then((m) => (setModels(items(m)), setError(null)), (e: Error) => setError(e.message));
  }, []);
  useEffect(reload, [reload]);
  const act = (p: Promise<unknown>) => p.then(reload, (e: Error) => setError(e.message));

  return (
    <div className="tc-page" data-testid="models-page">
      <header className="tc-page-head">
        <a className="tc-logo" href="#/">torch<b>canvas</b></a>
        <h2>My models</h2>
        <span className="spacer" />
        <button className="primary" data-testid="new-model" onClick={() => (loadDocument(emptyGraph()), navigate("#/"))}>New model</button>
        <label className="button">
          Import JSON
          <input type="file" accept=".json,application/json" hidden data-testid="models-import" onChange={(e) => e.target.files?.[0] && void importJson(e.target.files[0])} />
        </label>
        <a href="#/quickstart">Quick start</a>
      </header>
      {error && <div className="tc-error-box">{error}</div>}
      {!models && !error && <div className="muted pad">Loading…</div>}
      {models?.length === 0 && <div className="muted pad">No saved models yet. Start from a template in <a href="#/quickstart">Quick start</a>.</div>}
      <div className="tc-cards">
        {models?.map((m) => {
          const id = String(m.id);
          return (
            <div className="tc-card" key={id} data-testid={`model-${id}`}>
              {m.thumbnail && <div className="tc-thumb"><img src={m.thumbnail} alt="" /></div>}
              <b>{m.name}</b>
              <div className="muted">{m.description}</div>
              {m.updated_at && <div className="muted small">v{m.version} · updated {new Date(m.updated_at).toLocaleString()}</div>}
              <div className="tc-row tc-card-actions">
                <a className="button primary" href={`#/model/${encodeURIComponent(id)}`} data-testid={`open-${id}`}>Open</a>
                <button data-testid={`rename-${id}`} onClick={() => {
                  const name = prompt("New name", m.name);
                  if (name) void act(api.models.patch(id, { name }));
                }}>Rename</button>
                <button data-testid={`duplicate-${id}`} onClick={() => void act(api.models.duplicate(id))}>Duplicate</button>
                <button data-testid={`history-${id}`} onClick={() => setHistory(history === id ? null : id)}>History</button>
                <button className="danger" data-testid={`delete-${id}`} onClick={() => confirm(`Delete “${m.name}”?`) && void act(api.models.remove(id))}>Delete</button>
              </div>
              {history === id && <Versions key={m.version} id={id} current={m.version} onRestored={reload} />}
            </div>
          );
        })}
      </div>
    </div>
  );
}
