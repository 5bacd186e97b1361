// A tiny Markdown renderer for the lessons: paragraphs, "- " lists, **bold**, *italic*, `code`.
// It builds React elements (never HTML strings), so the text cannot inject markup.
import type { ReactNode } from "react";

const INLINE = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|`[^`]+`)/g;

export function inline(text: string): ReactNode[] {
  return text.split(INLINE).filter(Boolean).map((part, i) => {
    if (part.startsWith("**") && part.endsWith("**") && part.length > 4) return <b key={i}>{part.slice(2, -2)}</b>;
    if (part.startsWith("`") && part.endsWith("`")) return <code key={i}>{part.slice(1, -1)}</code>;
    if (part.startsWith("*") && part.endsWith("*") && part.length > 2) return <i key={i}>{part.slice(1, -1)}</i>;
    return part;
  });
}

/** Blocks: a run of lines; a block whose lines start with "- " is a list (indented lines continue an item). */
export function blocks(md: string): ({ kind: "p"; text: string } | { kind: "ul"; items: string[] })[] {
  return md
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split("\n");
      if (!lines[0].startsWith("- ")) return { kind: "p" as const, text: lines.map((l) => l.trim()).join(" ") };
      const items: string[] = [];
      for (const l of lines) {
        if (l.startsWith("- ")) items.push(l.slice(2).trim());
        else if (items.length) items[items.length - 1] += ` ${l.trim()}`;
      }
      return { kind: "ul" as const, items };
    });
}

export function Markdown({ text }: { text: string }) {
  return (
    <div className="tc-md">
      {blocks(text).map((b, i) =>
        b.kind === "p" ? <p key={i}>{inline(b.text)}</p> : <ul key={i}>{b.items.map((it, k) => <li key={k}>{inline(it)}</li>)}</ul>,
      )}
    </div>
  );
}
