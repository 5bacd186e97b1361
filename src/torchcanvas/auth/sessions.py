"""Signed-in browsers (server-side sessions) and personal API tokens.

The cookie and the bearer token carry random secrets; the database keeps only their SHA-256, so
a copy of the database signs nobody in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from torchcanvas.auth.secrets import TOKEN_PREFIX, digest, new_api_token, new_secret
from torchcanvas.db.models import ApiToken, AuthSession, User, aware, utcnow


@dataclass(frozen=True)
class NewSession:
    cookie: str  # the secret for the cookie; never stored
    csrf_token: str
    expires_at: datetime


def start_session(db: Session, user: User, ttl: timedelta) -> NewSession:
    secret, csrf = new_secret(), new_secret()
    now = utcnow()
    db.add(AuthSession(id=digest(secret), user_id=user.id, csrf_token=csrf, created_at=now, expires_at=now + ttl))
    # Expired sessions of anyone are swept here rather than by a timer: sign-ins are rare enough.
    db.execute(delete(AuthSession).where(AuthSession.expires_at < now))
    db.commit()
    return NewSession(cookie=secret, csrf_token=csrf, expires_at=now + ttl)


def session_of(db: Session, cookie: str) -> AuthSession | None:
    """The live session behind a cookie's value, or None (unknown or expired)."""
    found = db.get(AuthSession, digest(cookie))
    if found is None or aware(found.expires_at) <= utcnow():
        return None
    return found


def end_session(db: Session, cookie: str) -> None:
    db.execute(delete(AuthSession).where(AuthSession.id == digest(cookie)))
    db.commit()


def end_all_sessions(db: Session, user: User, keep: str | None = None) -> None:
    """Sign a user out everywhere (after a password change), except the session ``keep``."""
    stmt = delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(AuthSession.id != digest(keep))
    db.execute(stmt)
    db.commit()


def create_token(db: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token and its secret, which is shown once and never stored."""
    secret = new_api_token()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_at=utcnow(),
    )
    db.add(token)
    db.commit()
    return token, secret


# last_used_at is written at most this often per token: a script calling the API in a loop
# must not turn every read into a write.
_TOUCH_EVERY = timedelta(minutes=1)


def user_of_token(db: Session, secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.scalars(select(ApiToken).where(ApiToken.token_hash == digest(secret))).one_or_none()
    if token is None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - aware(token.last_used_at) > _TOUCH_EVERY:
        db.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.commit()
    return db.get(User, token.user_id)
