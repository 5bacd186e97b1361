// The market: search (debounced), filters, sort, pages of cards. `/` focuses the search box.
import { useEffect, useRef, useState } from "react";
import {
  EMPTY_QUERY, marketApi, PAGE_SIZE, queryFromHash, queryToHash, SORTS, TASKS, type MarketPage as Page, type MarketQuery,
} from "../api/market";
import { typing } from "../canvas/useShortcuts";
import { PageHeader } from "../components/PageHeader";
import { CardGrid } from "../market/MarketCardView";

const DEBOUNCE_MS = 300;

function useSlashFocus(ref: React.RefObject<HTMLInputElement | null>) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      e.preventDefault();
      ref.current?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [ref]);
}

/** The query the server sees trails the one on screen by DEBOUNCE_MS while the user types. */
function useDebounced<T>(value: T, ms: number): T {
  const [out, setOut] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setOut(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return out;
}

function Pager({ page, count, onPage }: { page: number; count: number; onPage: (p: number) => void }) {
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  if (pages <= 1) return null;
  return (
    <div className="tc-row tc-pager" data-testid="market-pager">
      <button disabled={page <= 1} onClick={() => onPage(page - 1)} data-testid="page-prev">← Previous</button>
      <span className="muted">page {page} of {pages}</span>
      <button disabled={page >= pages} onClick={() => onPage(page + 1)} data-testid="page-next">Next →</button>
    </div>
  );
}

export function MarketPage() {
  const [query, setQuery] = useState<MarketQuery>(() => queryFromHash(new URLSearchParams(window.location.hash.split("?")[1] ?? "")));
  const [result, setResult] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const search = useRef<HTMLInputElement>(null);
  useSlashFocus(search);
  const sent = useDebounced(query, DEBOUNCE_MS);

  useEffect(() => {
    // The URL follows the search (no history entry per keystroke; nothing re-renders on it).
    const qs = queryToHash(sent);
    history.replaceState(null, "", `#/market${qs ? `?${qs}` : ""}`);
    const ctl = new AbortController();
    marketApi.search(sent, ctl.signal).then(
      (r) => (setResult(r), setError(null)),
      (e: Error) => e.name !== "AbortError" && setError(e.message),
    );
    return () => ctl.abort();
  }, [sent]);

  // Any change of filter starts again at page 1.
  const set = (patch: Partial<MarketQuery>) => setQuery((q) => ({ ...q, page: 1, ...patch }));
  const filtered = JSON.stringify({ ...query, page: 1 }) !== JSON.stringify(EMPTY_QUERY);

  return (
    <div className="tc-page tc-page-wide" data-testid="market-page">
      <PageHeader title="Market" />
      <div className="tc-market-filters">
        <input
          ref={search}
          type="search"
          className="tc-market-search"
          placeholder="Search models, tags, layers…  ( / )"
          value={query.q}
          onChange={(e) => set({ q: e.target.value })}
          data-testid="market-search"
        />
        <select value={query.task} onChange={(e) => set({ task: e.target.value })} data-testid="market-task" title="Task">
          <option value="">any task</option>
          {TASKS.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <input placeholder="dataset" value={query.dataset} onChange={(e) => set({ dataset: e.target.value })} data-testid="market-dataset" className="tc-short" />
        <span className="tc-inline-field" title="Parameter count, e.g. 10k or 1.5M">
          <input placeholder="min params" value={query.minParams} onChange={(e) => set({ minParams: e.target.value })} data-testid="market-min-params" className="tc-short" />
          –
          <input placeholder="max params" value={query.maxParams} onChange={(e) => set({ maxParams: e.target.value })} data-testid="market-max-params" className="tc-short" />
        </span>
        <label className="tc-inline-field">
          <input type="checkbox" checked={query.verified} onChange={(e) => set({ verified: e.target.checked })} data-testid="market-verified" />
          verified only
        </label>
        <select value={query.sort} onChange={(e) => set({ sort: e.target.value as MarketQuery["sort"] })} data-testid="market-sort" title="Sort">
          <option value="">{query.q.trim() ? "best match" : "most stars"}</option>
          {SORTS.map((s) => <option key={s} value={s}>{s === "stars" ? "most stars" : s === "forks" ? "most forks" : s}</option>)}
        </select>
      </div>
      {error && <div className="tc-error-box">{error}</div>}
      {!result && !error && <div className="muted pad">Loading…</div>}
      {result && (
        <>
          <div className="muted small tc-market-count" data-testid="market-count">{result.count} model{result.count === 1 ? "" : "s"}</div>
          <CardGrid
            cards={result.items}
            empty={
              <div className="pad muted" data-testid="market-empty">
                No published model matches {filtered ? "these filters" : "yet"}.{" "}
                {filtered && <button className="link" onClick={() => setQuery(EMPTY_QUERY)} data-testid="market-clear">Clear the filters</button>}
              </div>
            }
          />
          <Pager page={result.page} count={result.count} onPage={(page) => setQuery((q) => ({ ...q, page }))} />
        </>
      )}
    </div>
  );
}
