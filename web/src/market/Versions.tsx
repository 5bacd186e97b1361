// The published versions of a market model: notes, verified badge (and, for the owner, why it
// failed), and the published result with a link to the run that produced it.
import type { PublishedResult, PublishedVersion } from "../api/market";
import { VerifiedBadge } from "./MarketCardView";

/** "test accuracy 0.95 on Faces, 20 epochs, seed 0" */
export function resultText(r: PublishedResult): string {
  const value = Math.abs(r.value) >= 1000 || Number.isInteger(r.value) ? String(r.value) : r.value.toPrecision(3);
  return `${r.metric.replace(/_/g, " ")} ${value} on ${r.dataset}, ${r.epochs} epoch${r.epochs === 1 ? "" : "s"}, seed ${r.seed}`;
}

export function ResultLink({ result }: { result: PublishedResult }) {
  return (
    <a href={`#/compare?ids=${result.run_id}`} title={`Run #${result.run_id}: the run that produced this result`} data-testid="published-result">
      {resultText(result)}
    </a>
  );
}

export function Versions({ versions }: { versions: PublishedVersion[] }) {
  const newestFirst = [...versions].sort((a, b) => b.number - a.number);
  return (
    <ul className="tc-versions tc-pub-versions" data-testid="market-versions">
      {newestFirst.map((v) => (
        <li key={v.number} data-testid={`market-version-${v.number}`}>
          <div className="tc-row">
            <span className="tc-version-n">v{v.number}</span>
            <b>{v.title}</b>
            <VerifiedBadge verified={v.verified} />
            <span className="muted small">{new Date(v.created_at).toLocaleDateString()}</span>
          </div>
          {v.notes && <div className="tc-version-notes">{v.notes}</div>}
          {v.result && <div className="small">Result: <ResultLink result={v.result} /></div>}
          {v.verify_error && <pre className="tc-error-box tc-verify-error" data-testid="verify-error">{v.verify_error}</pre>}
        </li>
      ))}
    </ul>
  );
}
