"""The accounts' settings (``TORCHCANVAS_AUTH__*``) and the per-user quotas (``TORCHCANVAS_QUOTAS__*``)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field


class AuthSettings(BaseModel):
    # Anyone may create an account; False: only a signed-in admin creates them (POST /auth/signup).
    signup_open: bool = True
    # How long a browser stays signed in after signing in (the cookie's Max-Age and the row's expiry).
    session_ttl_hours: float = Field(default=14 * 24, gt=0)
    # Behind a reverse proxy that terminates TLS, the request reaches us over http: with this on,
    # its X-Forwarded-Proto (https) marks the cookie Secure, and X-Forwarded-For is the caller's
    # address for the login rate limit. Off, both headers are ignored: anyone could send them.
    trust_proxy_headers: bool = False
    # The login rate limit: past this many failed logins within the window, per username and per
    # address, logins are answered 429 until the oldest failure leaves the window.
    login_failures_per_user: int = Field(default=5, ge=1)
    login_failures_per_ip: int = Field(default=20, ge=1)
    login_window_s: int = Field(default=15 * 60, ge=1)

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(hours=self.session_ttl_hours)


class Quotas(BaseModel):
    """Per user. Past one, the request is answered 429 naming it (torchcanvas.auth.quotas)."""

    # Runs of one user training at once: the runner takes the next queued run of a user below it.
    concurrent_runs: int = Field(default=1, ge=1)
    # Runs of one user waiting in the queue: by default the whole queue's size
    # (max_queued_runs), so that one person alone can queue an experiment as before accounts.
    queued_runs: int = Field(default=8, ge=1)
    # Saved models of one user.
    models: int = Field(default=200, ge=1)
    # MiB of run files (checkpoints, TensorBoard events, logs) over all of a user's runs; a run
    # is not started while the user is past it.
    storage_mib: int = Field(default=2048, ge=1)
