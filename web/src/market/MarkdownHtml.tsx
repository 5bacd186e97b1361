import { useMemo } from "react";
import { renderMarkdown, sanitizeHtml } from "./markdown";

/** HTML from the server (sanitised again here) or Markdown being typed (rendered and sanitised). */
export function MarkdownHtml({ html, markdown, testId }: { html?: string; markdown?: string; testId?: string }) {
  const safe = useMemo(() => (markdown !== undefined ? renderMarkdown(markdown) : sanitizeHtml(html ?? "")), [html, markdown]);
  // Safe to insert: the string above has been through DOMPurify.
  return <div className="tc-md tc-md-html" data-testid={testId} dangerouslySetInnerHTML={{ __html: safe }} />;
}

/** A Markdown text area with a Write / Preview switch. */
export function MarkdownEditor({ value, onChange, rows = 6, testId, placeholder }: {
  value: string; onChange: (v: string) => void; rows?: number; testId: string; placeholder?: string;
}) {
  return (
    <div className="tc-md-editor">
      <textarea rows={rows} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} placeholder={placeholder} />
      <div className="tc-md-preview">
        <div className="muted small">Preview</div>
        {value.trim() ? <MarkdownHtml markdown={value} testId={`${testId}-preview`} /> : <div className="muted small">Nothing to preview.</div>}
      </div>
    </div>
  );
}
