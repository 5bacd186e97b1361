// One published model as a card: thumbnail, title, author, size, stars and forks, verified badge.
import type { MarketCard, Verified } from "../api/market";
import type { ForkSource } from "../api/types";
import { formatCount } from "../graph/format";

/** The server's SVG thumbnail as an image URL: an <img> runs no script, whatever the SVG holds. */
export const svgDataUrl = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

export function Author({ name }: { name: string | null }) {
  if (name === null) return <span className="muted" data-testid="author-deleted">deleted user</span>;
  return <a href={`#/u/${encodeURIComponent(name)}`} data-testid={`author-${name}`}>{name}</a>;
}

/** "forked from alice/LeNet_bn v3", linking to the source (when it is still in the market). */
export function ForkedFrom({ source }: { source: ForkSource }) {
  return (
    <span className="muted small" data-testid="forked-from">
      forked from{" "}
      <a href={`#/market/${encodeURIComponent(source.model_id)}`}>{source.owner ?? "deleted user"}/{source.name}</a> v{source.version}
    </span>
  );
}

const VERIFIED_TEXT: Record<Verified, string> = {
  passed: "✓ runs",
  failed: "✗ does not run",
  pending: "checking…",
};
const VERIFIED_TITLE: Record<Verified, string> = {
  passed: "Verified: the generated code ran a forward and backward step on the server",
  failed: "The generated code failed its forward and backward step on the server",
  pending: "The server is running the generated code once",
};

export function VerifiedBadge({ verified }: { verified: Verified }) {
  return <span className={`tc-verified ${verified}`} title={VERIFIED_TITLE[verified]} data-testid={`verified-${verified}`}>{VERIFIED_TEXT[verified]}</span>;
}

export function MarketCardView({ card }: { card: MarketCard }) {
  const href = `#/market/${encodeURIComponent(card.id)}`;
  return (
    <div className="tc-card tc-market-card" data-testid={`market-card-${card.id}`}>
      <a className="tc-thumb" href={href} tabIndex={-1} aria-hidden>
        {card.thumbnail ? <img src={svgDataUrl(card.thumbnail)} alt="" /> : <span className="muted small">no diagram</span>}
      </a>
      <div className="tc-card-head">
        <a className="tc-market-title" href={href} data-testid="market-card-title">{card.title}</a>
        {card.verified !== "pending" && <VerifiedBadge verified={card.verified} />}
      </div>
      <div className="muted small">
        by <Author name={card.owner} /> · v{card.version} · {card.task}{card.dataset ? ` · ${card.dataset}` : ""}
      </div>
      {card.summary && <div className="tc-market-summary">{card.summary}</div>}
      <div className="tc-market-stats">
        <span title={`${card.params.toLocaleString()} parameters`}>{formatCount(card.params)} params</span>
        <span title={`${card.flops.toLocaleString()} FLOPs per sample`}>{formatCount(card.flops)} FLOPs</span>
        <span className="spacer" />
        <span title="stars" data-testid="card-stars">{card.starred ? "★" : "☆"} {card.star_count}</span>
        <span title="forks" data-testid="card-forks">{card.fork_count} fork{card.fork_count === 1 ? "" : "s"}</span>
      </div>
      {card.tags.length > 0 && <div className="tc-tags">{card.tags.map((t) => <span key={t} className="tc-tag">{t}</span>)}</div>}
    </div>
  );
}

export function CardGrid({ cards, empty }: { cards: MarketCard[]; empty: React.ReactNode }) {
  if (!cards.length) return <>{empty}</>;
  return <div className="tc-cards">{cards.map((c) => <MarketCardView key={c.id} card={c} />)}</div>;
}
