"""The login rate limit: failed logins counted per username and per address, in the database.

In the database, not in memory, so that several server processes share one limit. A failure
row lives for the window; a success clears its username's failures (not its address's: one
right password must not unlock guessing at other names from the same place).
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from torchcanvas.auth.config import AuthSettings
from torchcanvas.db.models import LoginFailure, aware, utcnow


def keys(username: str, address: str) -> dict[str, str]:
    return {"user": f"user:{username.strip().lower()[:100]}", "ip": f"ip:{address[:100]}"}


def retry_after(db: Session, username: str, address: str, settings: AuthSettings) -> int | None:
    """Seconds until a login may be tried again, or None when it may be tried now."""
    now = utcnow()
    window = timedelta(seconds=settings.login_window_s)
    limits = {"user": settings.login_failures_per_user, "ip": settings.login_failures_per_ip}
    waits = []
    for kind, key in keys(username, address).items():
        count, oldest = db.execute(
            select(func.count(), func.min(LoginFailure.at)).where(
                LoginFailure.key == key, LoginFailure.at > now - window
            )
        ).one()
        if count >= limits[kind] and oldest is not None:
            waits.append((aware(oldest) + window - now).total_seconds())
    return max(1, math.ceil(max(waits))) if waits else None


def record_failure(db: Session, username: str, address: str, settings: AuthSettings) -> None:
    now = utcnow()
    db.add_all(LoginFailure(key=key, at=now) for key in keys(username, address).values())
    # Failures older than the window count for nothing: swept here, where they are made.
    db.execute(delete(LoginFailure).where(LoginFailure.at <= now - timedelta(seconds=settings.login_window_s)))
    db.commit()


def clear_user(db: Session, username: str) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.key == keys(username, "")["user"]))
    db.commit()
