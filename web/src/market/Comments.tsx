// Comments on a market model: Markdown (with a preview while typing), edit and delete your own;
// the model's owner and the admin may delete any (the server says which, per comment).
import { useCallback, useEffect, useState } from "react";
import { marketApi, type Comment } from "../api/market";
import { needsSignIn, openAuthDialog, useAuth } from "../store/auth";
import { toast } from "../store/ui";
import { Author } from "./MarketCardView";
import { MarkdownEditor, MarkdownHtml } from "./MarkdownHtml";

function CommentForm({ initial, submitLabel, testId, onSubmit, onCancel }: {
  initial: string; submitLabel: string; testId: string; onSubmit: (body: string) => Promise<void>; onCancel?: () => void;
}) {
  const [body, setBody] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await onSubmit(body);
      setBody("");
    } catch (e) {
      if (!needsSignIn(e)) setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="tc-comment-form">
      <MarkdownEditor value={body} onChange={setBody} rows={4} testId={testId} placeholder="Markdown: **bold**, `code`, [links](https://…)" />
      {error && <div className="tc-error-box">{error}</div>}
      <div className="tc-row">
        <button className="primary" disabled={busy || !body.trim()} onClick={() => void submit()} data-testid={`${testId}-submit`}>{submitLabel}</button>
        {onCancel && <button className="link" onClick={onCancel}>Cancel</button>}
      </div>
    </div>
  );
}

function CommentItem({ c, onChanged }: { c: Comment; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const remove = () => {
    if (confirm("Delete this comment?")) marketApi.deleteComment(c.id).then(onChanged, (e: Error) => toast(`Delete failed: ${e.message}`, true));
  };
  return (
    <li className="tc-comment" data-testid={`comment-${c.id}`}>
      <div className="tc-row small">
        <Author name={c.author} />
        <span className="muted">{new Date(c.created_at).toLocaleString()}{c.updated_at !== c.created_at ? " (edited)" : ""}</span>
        <span className="spacer" />
        {c.can_edit && !editing && <button className="link small" onClick={() => setEditing(true)} data-testid={`comment-edit-${c.id}`}>edit</button>}
        {c.can_delete && <button className="link small danger" onClick={remove} data-testid={`comment-delete-${c.id}`}>delete</button>}
      </div>
      {editing ? (
        <CommentForm
          initial={c.body}
          submitLabel="Save"
          testId={`comment-edit-body-${c.id}`}
          onSubmit={async (body) => (await marketApi.editComment(c.id, body), setEditing(false), onChanged())}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <MarkdownHtml html={c.body_html} testId={`comment-body-${c.id}`} />
      )}
    </li>
  );
}

export function Comments({ modelId }: { modelId: string }) {
  const user = useAuth((s) => s.user);
  const [list, setList] = useState<Comment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    marketApi.comments(modelId).then((c) => (setList(c), setError(null)), (e: Error) => setError(e.message));
  }, [modelId]);
  useEffect(reload, [reload]);
  return (
    <section className="tc-comments" data-testid="comments">
      <h3>Comments{list ? ` (${list.length})` : ""}</h3>
      {error && <div className="tc-error-box">{error}</div>}
      {list?.length === 0 && <div className="muted">No comments yet.</div>}
      <ul>{list?.map((c) => <CommentItem key={c.id} c={c} onChanged={reload} />)}</ul>
      {user ? (
        <CommentForm initial="" submitLabel="Comment" testId="comment-new" onSubmit={async (body) => (await marketApi.addComment(modelId, body), reload())} />
      ) : (
        <div className="muted"><button className="link" onClick={() => openAuthDialog("signin", "sign in to comment")}>Sign in</button> to comment.</div>
      )}
    </section>
  );
}
