// Help text from torch docstrings, as plain text: RST roles and markup reduced to their words,
// addresses turned into links.
import { Fragment } from "react";

/** RST markup to plain text: `title <url>`__ -> "title (url)", ``x`` -> x, :class:`~torch.nn.X` -> X. */
export function plainDoc(text: string): string {
  return text
    .replace(/`([^`<]+?)\s*<(https?:[^>]+)>`_{1,2}/g, "$1 ($2)")
    .replace(/`<(https?:[^>]+)>`_{1,2}/g, "$1")
    .replace(/:[a-z]+:`~?(?:[\w.]+\.)?([^`]+)`/g, "$1")
    .replace(/``([^`]+)``/g, "$1")
    .replace(/`([^`]+)`/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** The text without a trailing "Default: ..." (the field shows its default itself). */
export const withoutDefault = (text: string) => text.replace(/\s*\(?\bdefault:\s[^]*$/i, "").trim();

const URL = /(https?:\/\/[^\s)]+[^\s).,;])/g;

export function DocText({ text }: { text: string }) {
  const parts = plainDoc(text).split(URL);
  return (
    <>
      {parts.map((p, i) =>
        i % 2 ? <a key={i} href={p} target="_blank" rel="noreferrer">{p.replace(/^https?:\/\//, "")}</a> : <Fragment key={i}>{p}</Fragment>,
      )}
    </>
  );
}
