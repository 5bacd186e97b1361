// The session: who is signed in (GET /auth/me), the CSRF token the API client sends, and the
// sign-in dialog. Saving, training and publishing need an account; a 401 from any of them opens
// the dialog (needsSignIn) instead of showing the raw error.
import { create } from "zustand";
import { ApiError, setCsrfToken } from "../api/client";
import { authApi, type Me, type Session } from "../api/market";
import { saveDraftToAccount } from "./draft";

export type AuthTab = "signin" | "signup";

interface AuthState {
  user: Me | null;
  /** GET /auth/me has answered (until then the top bar shows neither "Sign in" nor a name). */
  loaded: boolean;
  signupOpen: boolean;
  /** The sign-in dialog: which tab, and why it opened ("sign in to save", ...). */
  dialog: { tab: AuthTab; reason: string | null } | null;
}

export const useAuth = create<AuthState>(() => ({ user: null, loaded: false, signupOpen: true, dialog: null }));

function apply(s: Session): void {
  setCsrfToken(s.csrf_token);
  useAuth.setState((prev) => ({ user: s.user, loaded: true, signupOpen: s.signup_open ?? prev.signupOpen }));
}

export async function loadSession(): Promise<void> {
  try {
    apply(await authApi.me());
  } catch {
    // An older server without accounts: everyone is anonymous, and saving works as before.
    useAuth.setState({ loaded: true });
  }
}

export const openAuthDialog = (tab: AuthTab = "signin", reason: string | null = null) =>
  useAuth.setState({ dialog: { tab, reason } });
export const closeAuthDialog = () => useAuth.setState({ dialog: null });

/** Signed in: keep the session, save an unsaved draft to the account, close the dialog. */
async function signedIn(s: Session): Promise<void> {
  apply(s);
  closeAuthDialog();
  await saveDraftToAccount();
}

export async function signIn(username: string, password: string): Promise<void> {
  await signedIn(await authApi.login({ username, password }));
}

export async function signUp(username: string, password: string, email: string | null): Promise<void> {
  await signedIn(await authApi.signup({ username, password, email }));
}

export async function signOut(): Promise<void> {
  try {
    await authApi.logout();
  } finally {
    setCsrfToken(null);
    useAuth.setState({ user: null });
  }
}

/** Forget the session after the account is gone (deleted) or the password changed elsewhere. */
export function dropSession(): void {
  setCsrfToken(null);
  useAuth.setState({ user: null });
}

/**
 * A 401 ("sign in to save") opens the sign-in dialog with the server's reason; returns whether it
 * did, so the caller shows any other error itself.
 */
export function needsSignIn(e: unknown): boolean {
  if (!(e instanceof ApiError) || e.status !== 401) return false;
  // The session may have ended (signed out in another tab, expired): the page must show that.
  dropSession();
  openAuthDialog(useAuth.getState().signupOpen ? "signup" : "signin", e.message);
  return true;
}
