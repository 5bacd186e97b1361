// Markdown in the market (descriptions, comments). The server sends HTML it has sanitised (nh3);
// the browser sanitises it again with DOMPurify before inserting it, so a server-side slip is not
// an XSS. The preview while typing renders with markdown-it (raw HTML off), then the same sanitiser.
import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: true, breaks: false });

// HTML only: no SVG or MathML (their elements carry scripts and odd namespaces), no inline style,
// no forms. DOMPurify already drops event handlers and javascript: URLs.
const CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select"],
  FORBID_ATTR: ["style"],
};

let hooked = false;
function hookLinks(): void {
  if (hooked) return;
  hooked = true;
  // Links leave the app in a new tab and pass no referrer or window handle to the other site.
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A" && node.getAttribute("href")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    }
  });
}

export function sanitizeHtml(html: string): string {
  hookLinks();
  return DOMPurify.sanitize(html, CONFIG);
}

/** The preview of Markdown being typed: the same output the server stores, made safe here. */
export function renderMarkdown(text: string): string {
  return sanitizeHtml(md.render(text));
}
