// @vitest-environment jsdom
// Markdown from users is rendered safely: nothing that runs script survives, whether it arrives
// as server HTML (sanitised again here) or as Markdown being previewed.
import { describe, expect, it } from "vitest";
import { renderMarkdown, sanitizeHtml } from "./markdown";

const PAYLOADS = [
  "<script>alert(1)</script>",
  '<img src=x onerror="alert(1)">',
  '<a href="javascript:alert(1)">click</a>',
  '<a href="JaVaScRiPt:alert(1)">click</a>',
  '<svg onload="alert(1)"><script>alert(1)</script></svg>',
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<form action="javascript:alert(1)"><button>go</button></form>',
];

/** Whether the HTML, parsed, holds anything that can run script. */
function dangerous(html: string): string[] {
  const doc = new DOMParser().parseFromString(`<div>${html}</div>`, "text/html");
  const found: string[] = [];
  for (const el of doc.body.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (["script", "svg", "math", "iframe", "style", "form", "object", "embed"].includes(tag)) found.push(tag);
    for (const a of el.attributes) {
      if (a.name.startsWith("on") || a.name === "style") found.push(`${tag}[${a.name}]`);
      if (/^\s*(javascript|vbscript|data):/i.test(a.value) && /href|src|action/.test(a.name)) found.push(`${tag}[${a.name}=${a.value}]`);
    }
  }
  return found;
}

describe("sanitizeHtml (server HTML, again in the browser)", () => {
  it.each(PAYLOADS)("drops what runs script: %s", (payload) => {
    expect(dangerous(sanitizeHtml(payload))).toEqual([]);
  });

  it("keeps ordinary markup, and links open in a new tab without the opener", () => {
    const out = sanitizeHtml('<p><b>bold</b> <code>x</code> <a href="https://example.com">ok</a></p>');
    expect(out).toContain("<b>bold</b>");
    expect(out).toContain("<code>x</code>");
    expect(out).toMatch(/<a href="https:\/\/example.com" target="_blank" rel="noopener noreferrer nofollow">ok<\/a>/);
  });

  it("the check itself sees the payloads (so the cases above can fail)", () => {
    for (const p of PAYLOADS.slice(0, 6)) expect(dangerous(p).length).toBeGreaterThan(0);
  });
});

describe("renderMarkdown (the preview while typing)", () => {
  it.each(PAYLOADS)("raw HTML is text, not markup: %s", (payload) => {
    expect(dangerous(renderMarkdown(payload))).toEqual([]);
  });

  it("javascript: links and images in Markdown syntax lose their URL", () => {
    const out = renderMarkdown("[x](javascript:alert(1)) ![y](javascript:alert(2))");
    expect(dangerous(out)).toEqual([]);
    expect(out).not.toMatch(/(href|src)="javascript:/i);
  });

  it("renders Markdown", () => {
    expect(renderMarkdown("# Title\n\n- **a**\n- `b`")).toBe("<h1>Title</h1>\n<ul>\n<li><strong>a</strong></li>\n<li><code>b</code></li>\n</ul>\n");
  });
});
