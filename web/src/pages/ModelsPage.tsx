// My models: list, open, rename, duplicate, delete, version history, import; visibility,
// lineage, stars and forks, and Publish to the market.
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { api, ApiError, items } from "../api/client";
import type { ModelVersion, SavedModelSummary, Visibility } from "../api/types";
import { PageHeader } from "../components/PageHeader";
import { ForkedFrom, svgDataUrl } from "../market/MarketCardView";
import { openAuthDialog, useAuth } from "../store/auth";
import { emptyGraph } from "../store/doc";
import { replaceDocument } from "../store/replace";
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
              // Restoring adds a new version with this one's content (nothing is lost), but it changes
              // what Open and the market show: asked first, saying so.
              <button
                className="link"
                title={`Make a new version v${latest + 1} with the content of v${n} (nothing is lost)`}
                data-testid={`restore-${id}-${n}`}
                onClick={() =>
                  confirm(`Restore v${n}? The model becomes v${latest + 1} with the content of v${n}; v${latest} stays in the history.`) &&
                  void api.models.restore(id, n).then(onRestored, (e: Error) => setError(e.message))
                }
              >
                restore
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export type ModelSort = "updated" | "name" | "created" | "stars";
export const SORTS: Record<ModelSort, string> = { updated: "Last updated", name: "Name", created: "Newest", stars: "Most stars" };

/** The cards to show: those whose name or description holds every word of `query`, in `sort` order. */
export function shownModels(models: SavedModelSummary[], query: string, sort: ModelSort): SavedModelSummary[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hit = (m: SavedModelSummary) => {
    const text = `${m.name} ${m.description ?? ""}`.toLowerCase();
    return words.every((w) => text.includes(w));
  };
  const time = (t?: string) => (t ? Date.parse(t) : 0);
  const by: Record<ModelSort, (a: SavedModelSummary, b: SavedModelSummary) => number> = {
    updated: (a, b) => time(b.updated_at) - time(a.updated_at),
    created: (a, b) => time(b.created_at) - time(a.created_at),
    name: (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base", numeric: true }),
    stars: (a, b) => (b.star_count ?? 0) - (a.star_count ?? 0) || time(b.updated_at) - time(a.updated_at),
  };
  return models.filter(hit).sort(by[sort]);
}

/** A saved picture as an image URL: the server's SVG diagram (as the market draws it), or an older PNG data URL. */
export const thumbnailUrl = (t: string) => (t.trimStart().startsWith("<svg") ? svgDataUrl(t) : t);

// The publish dialog brings markdown-it and DOMPurify: loaded when it opens.
const PublishDialog = lazy(() => import("../market/PublishDialog").then((m) => ({ default: m.PublishDialog })));

const VISIBILITY_TITLE: Record<Visibility, string> = {
  private: "Only you can see it",
  unlisted: "Anyone with the link can see it; not listed in the market",
  public: "Listed in the market",
};

function VisibilitySelect({ m, onChange }: { m: SavedModelSummary; onChange: (v: Visibility) => void }) {
  const v = m.visibility ?? "private";
  return (
    <select value={v} onChange={(e) => onChange(e.target.value as Visibility)} title={VISIBILITY_TITLE[v]} data-testid={`visibility-${m.id}`} className={`tc-vis ${v}`}>
      {(["private", "unlisted", "public"] as const).map((x) => <option key={x} value={x}>{x}</option>)}
    </select>
  );
}

export function ModelsPage() {
  const [models, setModels] = useState<SavedModelSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState<string | null>(null);
  const [publishing, setPublishing] = useState<SavedModelSummary | null>(null);
  const [anonymous, setAnonymous] = useState(false);
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<ModelSort>("updated");
  const user = useAuth((s) => s.user);
  const shown = useMemo(() => (models ? shownModels(models, query, sort) : null), [models, query, sort]);
  const reload = useCallback(() => {
    api.models.list().then(
      (m) => (setModels(items(m)), setError(null), setAnonymous(false)),
      (e: Error) => (e instanceof ApiError && e.status === 401 ? setAnonymous(true) : setError(e.message)),
    );
  }, []);
  // Signing in (or out) changes whose models these are.
  useEffect(reload, [reload, user]);
  const act = (p: Promise<unknown>) => p.then(reload, (e: Error) => setError(e.message));

  return (
    <div className="tc-page" data-testid="models-page">
      <PageHeader title="My models">
        <button className="primary" data-testid="new-model" onClick={() => void replaceDocument(emptyGraph(), "a new model").then((ok) => ok && navigate("#/"))}>New model</button>
        <label className="button">
          Import JSON
          <input type="file" accept=".json,application/json" hidden data-testid="models-import" onChange={(e) => e.target.files?.[0] && void importJson(e.target.files[0])} />
        </label>
        <a href="#/quickstart">Quick start</a>
      </PageHeader>
      {error && <div className="tc-error-box">{error}</div>}
      {anonymous && (
        <div className="pad" data-testid="models-sign-in">
          <button className="link" onClick={() => openAuthDialog("signin", "sign in to see your models")}>Sign in</button> to see and save your models.
        </div>
      )}
      {!models && !error && !anonymous && <div className="muted pad">Loading…</div>}
      {!anonymous && models?.length === 0 && <div className="muted pad">No saved models yet. Start from a template in <a href="#/quickstart">Quick start</a>.</div>}
      {!anonymous && !!models?.length && (
        <div className="tc-row tc-models-tools">
          <input
            type="search"
            placeholder="Search your models by name or description"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="models-search"
            aria-label="Search your models"
          />
          <label className="muted small">
            Sort by{" "}
            <select value={sort} onChange={(e) => setSort(e.target.value as ModelSort)} data-testid="models-sort">
              {Object.entries(SORTS).map(([k, label]) => <option key={k} value={k}>{label}</option>)}
            </select>
          </label>
          <span className="muted small" data-testid="models-count">
            {shown?.length === models.length ? `${models.length} models` : `${shown?.length} of ${models.length} models`}
          </span>
        </div>
      )}
      {!!models?.length && shown?.length === 0 && <div className="muted pad" data-testid="models-none">No model matches “{query}”.</div>}
      <div className="tc-cards">
        {shown?.map((m) => {
          const id = String(m.id);
          return (
            <div className="tc-card" key={id} data-testid={`model-${id}`}>
              <a className="tc-thumb" href={`#/model/${encodeURIComponent(id)}`} tabIndex={-1} aria-hidden data-testid={`thumb-${id}`}>
                {m.thumbnail ? <img src={thumbnailUrl(m.thumbnail)} alt="" /> : <span className="muted small">no diagram yet: open and save it</span>}
              </a>
              <b>{m.name}</b>
              <div className="muted">{m.description}</div>
              {m.updated_at && <div className="muted small">v{m.version} · updated {new Date(m.updated_at).toLocaleString()}</div>}
              {m.forked_from && <ForkedFrom source={m.forked_from} />}
              <div className="tc-row small">
                <VisibilitySelect m={m} onChange={(visibility) => void act(api.models.patch(id, { visibility }))} />
                <span title="stars" data-testid={`stars-${id}`}>★ {m.star_count ?? 0}</span>
                <span title="forks" data-testid={`forks-${id}`}>{m.fork_count ?? 0} forks</span>
                {m.visibility && m.visibility !== "private" && <a href={`#/market/${encodeURIComponent(id)}`} data-testid={`market-link-${id}`}>market page</a>}
              </div>
              <div className="tc-row tc-card-actions">
                <a className="button primary" href={`#/model/${encodeURIComponent(id)}`} data-testid={`open-${id}`}>Open</a>
                <button data-testid={`rename-${id}`} onClick={() => {
                  const name = prompt("New name", m.name);
                  if (name) void act(api.models.patch(id, { name }));
                }}>Rename</button>
                <button data-testid={`duplicate-${id}`} onClick={() => void act(api.models.duplicate(id))}>Duplicate</button>
                <button data-testid={`publish-${id}`} onClick={() => setPublishing(m)} title="Publish the saved version to the market">Publish</button>
                <button data-testid={`history-${id}`} onClick={() => setHistory(history === id ? null : id)}>History</button>
                <button className="danger" data-testid={`delete-${id}`} onClick={() => confirm(`Delete “${m.name}”?`) && void act(api.models.remove(id))}>Delete</button>
              </div>
              {history === id && <Versions key={m.version} id={id} current={m.version} onRestored={reload} />}
            </div>
          );
        })}
      </div>
      {publishing && (
        <Suspense fallback={null}>
          <PublishDialog model={publishing} onClose={() => setPublishing(null)} onPublished={() => (setPublishing(null), reload())} />
        </Suspense>
      )}
    </div>
  );
}
