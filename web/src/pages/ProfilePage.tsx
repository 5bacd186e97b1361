// A user's profile: their public models and the models they starred.
import { useEffect, useState } from "react";
import { marketApi, type Profile } from "../api/market";
import { PageHeader } from "../components/PageHeader";
import { CardGrid } from "../market/MarketCardView";

export function ProfilePage({ name }: { name: string }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    marketApi.user(name).then(setProfile, (e: Error & { status?: number }) => setError(e.status === 404 ? `No user named “${name}”.` : e.message));
  }, [name]);
  return (
    <div className="tc-page tc-page-wide tc-profile" data-testid="profile-page">
      <PageHeader title={name} />
      {error && <div className="tc-error-box">{error}</div>}
      {!profile && !error && <div className="muted pad">Loading…</div>}
      {profile && (
        <>
          <div className="muted small">Member since {new Date(profile.created_at).toLocaleDateString()}</div>
          <h3>Public models ({profile.models.length})</h3>
          <div data-testid="profile-models">
            <CardGrid cards={profile.models} empty={<div className="muted">No public models yet.</div>} />
          </div>
          <h3>Starred ({profile.starred.length})</h3>
          <div data-testid="profile-starred">
            <CardGrid cards={profile.starred} empty={<div className="muted">No starred models yet.</div>} />
          </div>
        </>
      )}
    </div>
  );
}
