"""Markdown written by users (model descriptions, comments) to HTML that is safe to show.

Two layers, so that neither has to be perfect: markdown-it renders with raw HTML off (any tag a
user types comes out as text), then nh3 (ammonia) keeps only an allow-list of tags, attributes
and URL schemes. No images: an image from any host would tell that host who reads the page.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

TAGS = frozenset(
    {
        "p", "br", "hr", "a", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "code": {"class"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_SPACE = re.compile(r"\s+")


def render(markdown: str) -> str:
    """Sanitised HTML for ``markdown``. Links get rel="nofollow noopener"."""
    return nh3.clean(
        _MD.render(markdown),
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener",
    )


def plain_summary(rendered: str, limit: int = 200) -> str:
    """The text of rendered HTML (from :func:`render`) without its markup, on one line, at most
    ``limit`` characters. From the HTML rather than the Markdown: a listing makes 24 of these,
    and stripping tags costs a fraction of rendering."""
    text = html.unescape(nh3.clean(rendered, tags=set()))
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
