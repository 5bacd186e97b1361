// The account: change password, personal API tokens, delete the account.
import { useCallback, useEffect, useState } from "react";
import { authApi, type Token } from "../api/market";
import { PageHeader } from "../components/PageHeader";
import { navigate } from "../router";
import { dropSession, openAuthDialog, useAuth } from "../store/auth";
import { toast } from "../store/ui";

/** Run an action, showing its error inline; returns whether it succeeded. */
function useAction(): [string | null, boolean, (run: () => Promise<unknown>) => Promise<boolean>] {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (run: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await run();
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return [error, busy, act];
}

function PasswordForm() {
  const [form, setForm] = useState({ current: "", next: "" });
  const [error, busy, act] = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (await act(() => authApi.password({ current_password: form.current, new_password: form.next }))) {
      setForm({ current: "", next: "" });
      toast("Password changed; your other sessions were signed out");
    }
  };
  return (
    <form className="tc-lesson" onSubmit={(e) => void submit(e)} data-testid="password-form">
      <h3>Change password</h3>
      <div className="tc-grid2">
        <label className="tc-field"><span className="tc-field-name">current password</span>
          <input type="password" autoComplete="current-password" value={form.current} onChange={(e) => setForm({ ...form, current: e.target.value })} required data-testid="password-current" /></label>
        <label className="tc-field"><span className="tc-field-name">new password (8+ characters)</span>
          <input type="password" autoComplete="new-password" value={form.next} onChange={(e) => setForm({ ...form, next: e.target.value })} minLength={8} required data-testid="password-new" /></label>
      </div>
      {error && <div className="tc-error-box">{error}</div>}
      <button className="primary" type="submit" disabled={busy} data-testid="password-submit">Change password</button>
    </form>
  );
}

function Tokens() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [name, setName] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const [error, busy, act] = useAction();
  const reload = useCallback(() => void authApi.tokens().then(setTokens, () => setTokens([])), []);
  useEffect(reload, [reload]);
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    await act(async () => {
      const t = await authApi.createToken(name.trim());
      setSecret(t.token);
      setName("");
      reload();
    });
  };
  const copy = () => secret && navigator.clipboard?.writeText(secret).then(() => toast("Token copied"), () => toast("Copy failed: select the token and copy it", true));
  return (
    <section className="tc-lesson" data-testid="tokens">
      <h3>Personal API tokens</h3>
      <p className="muted small">For scripts and the CLI: send <code>Authorization: Bearer &lt;token&gt;</code>.</p>
      {secret && (
        <div className="tc-warn-box" data-testid="token-secret-box">
          Copy this token now; it is not shown again.
          <div className="tc-row"><code className="tc-secret" data-testid="token-secret">{secret}</code><button onClick={() => void copy()} data-testid="token-copy">Copy</button><button className="link" onClick={() => setSecret(null)}>Done</button></div>
        </div>
      )}
      <form className="tc-row" onSubmit={(e) => void create(e)}>
        <input placeholder="token name, e.g. laptop" value={name} onChange={(e) => setName(e.target.value)} required data-testid="token-name" />
        <button type="submit" disabled={busy || !name.trim()} data-testid="token-create">Create token</button>
      </form>
      {error && <div className="tc-error-box">{error}</div>}
      {tokens?.length === 0 && <div className="muted small">No tokens.</div>}
      {!!tokens?.length && (
        <table className="tc-table">
          <thead><tr><th>Name</th><th>Token</th><th>Created</th><th>Last used</th><th /></tr></thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid={`token-${t.id}`}>
                <td>{t.name}</td>
                <td><code>{t.prefix}…</code></td>
                <td>{new Date(t.created_at).toLocaleDateString()}</td>
                <td>{t.last_used_at ? new Date(t.last_used_at).toLocaleString() : "never"}</td>
                <td><button className="link danger" onClick={() => confirm(`Revoke “${t.name}”? Scripts that use it stop working.`) && void act(() => authApi.revokeToken(t.id).then(reload))} data-testid={`token-revoke-${t.id}`}>revoke</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DeleteAccount({ username }: { username: string }) {
  const [typed, setTyped] = useState("");
  const [password, setPassword] = useState("");
  const [alsoPublic, setAlsoPublic] = useState(false);
  const [error, busy, act] = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (await act(() => authApi.deleteAccount({ password, delete_public_models: alsoPublic }))) {
      dropSession();
      toast("Your account was deleted");
      navigate("#/market");
    }
  };
  return (
    <form className="tc-lesson tc-danger-zone" onSubmit={(e) => void submit(e)} data-testid="delete-account">
      <h3>Delete account</h3>
      <p className="small">
        Your private and unlisted models, runs, experiments, tokens and stars are deleted. Your public models stay in the
        market under “deleted user”, unless you tick the box.
      </p>
      <label className="tc-inline-field"><input type="checkbox" checked={alsoPublic} onChange={(e) => setAlsoPublic(e.target.checked)} data-testid="delete-public" /> also delete my public models</label>
      <div className="tc-grid2">
        <label className="tc-field"><span className="tc-field-name">type your username, {username}, to confirm</span>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" data-testid="delete-confirm" /></label>
        <label className="tc-field"><span className="tc-field-name">password</span>
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required data-testid="delete-password" /></label>
      </div>
      {error && <div className="tc-error-box">{error}</div>}
      <button className="danger" type="submit" disabled={busy || typed.trim().toLowerCase() !== username || !password} data-testid="delete-submit">Delete my account</button>
    </form>
  );
}

export function AccountPage() {
  const user = useAuth((s) => s.user);
  const loaded = useAuth((s) => s.loaded);
  return (
    <div className="tc-page" data-testid="account-page">
      <PageHeader title="Account" />
      {loaded && !user && <div className="pad"><button className="link" onClick={() => openAuthDialog("signin")}>Sign in</button> to manage your account.</div>}
      {user && (
        <>
          <p>Signed in as <b>{user.username}</b>{user.email ? ` (${user.email})` : ""}{user.is_admin ? " · admin" : ""}. <a href={`#/u/${encodeURIComponent(user.username)}`}>Your profile</a></p>
          <PasswordForm />
          <Tokens />
          <DeleteAccount username={user.username} />
        </>
      )}
    </div>
  );
}
