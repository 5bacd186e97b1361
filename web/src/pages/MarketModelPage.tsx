// One published model: diagram (read-only), summary and code, description, versions and results,
// Fork / Star / Open in editor, its lineage and forks, and the comments.
import { lazy, Suspense, useEffect, useState } from "react";
import { marketApi, type MarketModel } from "../api/market";
import { PageHeader } from "../components/PageHeader";
import { Comments } from "../market/Comments";
import { GraphView } from "../market/GraphView";
import { Author, ForkedFrom, VerifiedBadge } from "../market/MarketCardView";
import { MarkdownHtml } from "../market/MarkdownHtml";
import { useGraphFacts } from "../market/useGraphFacts";
import { ResultLink, Versions } from "../market/Versions";
import { formatCount } from "../graph/format";
import { SummaryTable } from "../panels/SummaryPanel";
import { navigate } from "../router";
import { replaceDocument } from "../store/replace";
import { needsSignIn } from "../store/auth";
import { normalize, useDoc } from "../store/doc";
import { toast } from "../store/ui";

const CodeView = lazy(() => import("../panels/CodeView"));

function StarButton({ model, onChange }: { model: MarketModel; onChange: (m: Partial<MarketModel>) => void }) {
  const toggle = () =>
    marketApi.star(model.id, !model.starred).then(
      (r) => onChange({ starred: r.starred, star_count: r.star_count }),
      (e: Error) => needsSignIn(e) || toast(`Star failed: ${e.message}`, true),
    );
  return (
    <button className={model.starred ? "on" : ""} onClick={() => void toggle()} data-testid="star" title={model.starred ? "Unstar" : "Star"}>
      {model.starred ? "★ Starred" : "☆ Star"} <b data-testid="star-count">{model.star_count}</b>
    </button>
  );
}

function Code({ files }: { files: Record<string, string> }) {
  const names = Object.keys(files);
  const [tab, setTab] = useState<string | null>(null);
  const shown = tab !== null && tab in files ? tab : names[0];
  if (!shown) return <div className="muted">Generating…</div>;
  return (
    <div className="tc-market-code">
      <div className="tc-subtabs">
        {names.map((n) => <button key={n} className={shown === n ? "on" : ""} onClick={() => setTab(n)} data-testid={`market-code-${n}`}>{n}</button>)}
      </div>
      <Suspense fallback={<div className="muted">Loading…</div>}><CodeView code={files[shown]} /></Suspense>
    </div>
  );
}

export function MarketModelPage({ id }: { id: string }) {
  const [model, setModel] = useState<MarketModel | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setModel(null);
    marketApi.get(id).then(
      (m) => (setModel({ ...m, graph: normalize(m.graph) }), setError(null)),
      (e: Error & { status?: number }) => setError(e.status === 404 ? "No such model in the market (or it is private)." : e.message),
    );
  }, [id]);
  const facts = useGraphFacts(model?.graph ?? null);

  if (error) return <div className="tc-page"><PageHeader title="Market" /><div className="tc-error-box" data-testid="market-model-error">{error}</div></div>;
  if (!model) return <div className="tc-page"><PageHeader title="Market" /><div className="muted pad">Loading…</div></div>;

  const update = (patch: Partial<MarketModel>) => setModel((m) => m && { ...m, ...patch });
  const latest = model.versions.reduce((a, v) => (v.number > a.number ? v : a), model.versions[0]);
  const fork = () =>
    marketApi.fork(model.id).then(
      (m) => (toast(`Forked into your models as “${m.name}”`), navigate(`#/model/${encodeURIComponent(String(m.id))}`)),
      (e: Error) => needsSignIn(e) || toast(`Fork failed: ${e.message}`, true),
    );
  const openInEditor = async () => {
    // An unsaved draft: saving it makes a new model of the user's own, not a change to this one.
    if (!(await replaceDocument({ ...model.graph, name: model.title }, `“${model.title}” from the market`))) return;
    useDoc.setState({ dirty: true });
    navigate("#/");
  };

  return (
    <div className="tc-page tc-page-wide" data-testid="market-model-page">
      <PageHeader title={<a href="#/market">Market</a>} />
      <div className="tc-market-head">
        <div>
          <h1 data-testid="market-model-title">{model.title}</h1>
          <div className="tc-row small">
            by <Author name={model.owner} />
            <span className="muted">v{model.version} · {new Date(model.published_at).toLocaleDateString()} · {model.task}{model.dataset ? ` · ${model.dataset}` : ""}</span>
            <VerifiedBadge verified={model.verified} />
            {model.forked_from && <ForkedFrom source={model.forked_from} />}
          </div>
          {model.tags.length > 0 && <div className="tc-tags">{model.tags.map((t) => <span key={t} className="tc-tag">{t}</span>)}</div>}
        </div>
        <span className="spacer" />
        <div className="tc-row">
          <StarButton model={model} onChange={update} />
          <button onClick={() => void fork()} data-testid="fork" title="Copy it into your models">Fork <b data-testid="fork-count">{model.fork_count}</b></button>
          {model.can_edit ? (
            // The owner edits the model itself; publishing again adds a version.
            <a className="button primary" href={`#/model/${encodeURIComponent(model.id)}`} data-testid="edit-model">Edit your model</a>
          ) : (
            <button className="primary" onClick={() => void openInEditor()} data-testid="open-in-editor" title="Open a copy as an unsaved draft">Open in editor</button>
          )}
        </div>
      </div>

      <div className="tc-market-body">
        <div className="tc-market-main">
          <GraphView graph={model.graph} result={facts.result} />
          <div className="tc-market-facts muted small">
            {formatCount(model.params)} params · {formatCount(model.flops)} FLOPs
            {latest?.result && <> · Result: <ResultLink result={latest.result} /></>}
          </div>
          {model.description_html ? <MarkdownHtml html={model.description_html} testId="market-description" /> : <div className="muted">No description.</div>}
        </div>
        <aside className="tc-market-side">
          <h3>Versions</h3>
          <Versions versions={model.versions} />
          <h3>Forks ({model.fork_count})</h3>
          {model.forks.length ? (
            <ul className="tc-forks" data-testid="forks">
              {model.forks.map((f) => <li key={f.id}><a href={`#/market/${encodeURIComponent(f.id)}`}>{f.owner ?? "deleted user"}/{f.name}</a></li>)}
            </ul>
          ) : <div className="muted small">No public forks yet.</div>}
        </aside>
      </div>

      {facts.error && <div className="tc-error-box">{facts.error}</div>}
      <div className="tc-market-details">
        <section>
          <h3>Summary</h3>
          {facts.result ? (
            <SummaryTable body={model.graph} nodes={facts.result.nodes} totals={{ params: facts.result.total_params, flops: facts.result.total_flops }} />
          ) : <div className="muted">Checking…</div>}
        </section>
        <section>
          <h3>Code</h3>
          <Code files={facts.files} />
        </section>
      </div>

      <Comments modelId={model.id} />
    </div>
  );
}
