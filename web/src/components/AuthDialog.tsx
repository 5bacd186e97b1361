// Sign in / sign up: one dialog, two tabs. The server's refusal ("wrong username or password",
// "taken", "sign-up is closed") is shown inline, under the form.
import { useState } from "react";
import { closeAuthDialog, openAuthDialog, signIn, signUp, useAuth, type AuthTab } from "../store/auth";
import { hasUnsavedDraft } from "../store/draft";

function TabButton({ tab, current, label }: { tab: AuthTab; current: AuthTab; label: string }) {
  const reason = useAuth((s) => s.dialog?.reason ?? null);
  return (
    <button className={tab === current ? "on" : ""} onClick={() => openAuthDialog(tab, reason)} data-testid={`auth-tab-${tab}`}>
      {label}
    </button>
  );
}

export function AuthDialog() {
  const dialog = useAuth((s) => s.dialog);
  const signupOpen = useAuth((s) => s.signupOpen);
  const [form, setForm] = useState({ username: "", password: "", email: "" });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!dialog) return null;
  const { tab, reason } = dialog;
  const signingUp = tab === "signup";
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const username = form.username.trim();
      if (signingUp) await signUp(username, form.password, form.email.trim() || null);
      else await signIn(username, form.password);
      setForm({ username: "", password: "", email: "" });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="tc-modal-back" onMouseDown={(e) => e.target === e.currentTarget && closeAuthDialog()}>
      <form className="tc-modal tc-auth" onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === "Escape" && closeAuthDialog()} data-testid="auth-dialog">
        <div className="tc-tabs">
          <TabButton tab="signin" current={tab} label="Sign in" />
          <TabButton tab="signup" current={tab} label="Sign up" />
        </div>
        {reason && <div className="tc-warn-box" data-testid="auth-reason">{reason[0].toUpperCase() + reason.slice(1)}.</div>}
        {signingUp && !signupOpen && (
          <div className="tc-warn-box">Sign-up is closed on this server; ask the admin for an account.</div>
        )}
        <label className="tc-field">
          <span className="tc-field-name">username</span>
          <input value={form.username} onChange={set("username")} autoComplete="username" autoFocus required data-testid="auth-username" />
          {signingUp && <div className="tc-field-doc">2–39 characters: lower-case letters, digits, - and _.</div>}
        </label>
        <label className="tc-field">
          <span className="tc-field-name">password</span>
          <input type="password" value={form.password} onChange={set("password")} autoComplete={signingUp ? "new-password" : "current-password"} required data-testid="auth-password" />
          {signingUp && <div className="tc-field-doc">At least 8 characters.</div>}
        </label>
        {signingUp && (
          <label className="tc-field">
            <span className="tc-field-name">email (optional)</span>
            <input type="email" value={form.email} onChange={set("email")} autoComplete="email" data-testid="auth-email" />
          </label>
        )}
        {hasUnsavedDraft() && <div className="muted small">Your unsaved model will be saved to your account.</div>}
        {error && <div className="tc-error-box" data-testid="auth-error">{error}</div>}
        <div className="tc-row tc-modal-foot">
          <button className="primary" type="submit" disabled={busy} data-testid="auth-submit">
            {busy ? "…" : signingUp ? "Create account" : "Sign in"}
          </button>
          <span className="spacer" />
          <button type="button" className="link" onClick={closeAuthDialog}>Cancel</button>
        </div>
      </form>
    </div>
  );
}
