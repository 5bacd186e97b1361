"""Who is calling: ``OptionalUser`` (None when anonymous) and ``CurrentUser`` (401 when anonymous).

A caller is signed in by a personal API token (``Authorization: Bearer tc_...``) or by the
session cookie. A state-changing request signed in by the cookie must also carry the session's
CSRF token in ``X-CSRF-Token``: the cookie goes along with any request the browser makes, even
one another site's page starts, and the header is what such a page cannot set (SameSite=Lax
already keeps the cookie off most cross-site requests; this closes the rest).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from torchcanvas.api.deps import SessionDep
from torchcanvas.auth import sessions
from torchcanvas.auth.secrets import same
from torchcanvas.db.models import User

SESSION_COOKIE = "tc_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def optional_user(request: Request, db: SessionDep) -> User | None:
    token = _bearer(request)
    if token is not None:
        user = sessions.user_of_token(db, token)
        if user is None:
            # A wrong token is an error, not an anonymous call: a script must learn it at once.
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="the API token is unknown or revoked; create one on your account page",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return user
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = sessions.session_of(db, cookie)
    if found is None:
        return None  # expired or signed out: the caller is anonymous again
    if request.method not in SAFE_METHODS and not same(request.headers.get(CSRF_HEADER, ""), found.csrf_token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="missing or wrong CSRF token; reload the page")
    return db.get(User, found.user_id)


def current_user(user: Annotated[User | None, Depends(optional_user)], request: Request) -> User:
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"sign in to {_doing(request)}",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def _doing(request: Request) -> str:
    """What the refused request was for, in words: 'sign in to save models'."""
    route = request.scope.get("route")
    summary = getattr(route, "summary", None) or getattr(route, "name", "") or "do this"
    return summary[:1].lower() + summary[1:]


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
