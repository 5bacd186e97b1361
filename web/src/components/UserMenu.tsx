// The right end of every header: "Sign in", or the user's menu (My models, Profile, Account,
// Sign out).
import { useState } from "react";
import { navigate } from "../router";
import { openAuthDialog, signOut, useAuth } from "../store/auth";
import { toast } from "../store/ui";

export function UserMenu() {
  const user = useAuth((s) => s.user);
  const loaded = useAuth((s) => s.loaded);
  const [open, setOpen] = useState(false);
  const go = (hash: string) => () => (setOpen(false), navigate(hash));
  return (
    <>
      {loaded && !user && (
        <button onClick={() => openAuthDialog("signin")} data-testid="sign-in">Sign in</button>
      )}
      {user && (
        <div className="tc-menu" onMouseLeave={() => setOpen(false)}>
          <button onClick={() => setOpen((o) => !o)} data-testid="user-menu" title={`Signed in as ${user.username}`}>
            {user.username} ▾
          </button>
          {open && (
            <div className="tc-menu-list tc-menu-right">
              <button onClick={go("#/models")} data-testid="menu-models">My models</button>
              <button onClick={go(`#/u/${encodeURIComponent(user.username)}`)} data-testid="menu-profile">Profile</button>
              <button onClick={go("#/account")} data-testid="menu-account">Account</button>
              <hr />
              <button
                onClick={() => {
                  setOpen(false);
                  signOut().then(() => toast("Signed out"), (e: Error) => toast(`Sign out failed: ${e.message}`, true));
                }}
                data-testid="sign-out"
              >
                Sign out
              </button>
            </div>
          )}
        </div>
      )}
    </>
  );
}
