"""Accounts: sign up, sign in and out, change the password, delete the account, API tokens.

Hashing and verifying a password is deliberate CPU work (argon2, ~50 ms): these routes are
plain ``def``s, which FastAPI runs in its thread pool, off the event loop.
"""

from __future__ import annotations

import contextlib
import shutil
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from torchcanvas.api.deps import IdPath, SessionDep, SettingsDep
from torchcanvas.api.routes.models import UtcDatetime
from torchcanvas.api.routes.runs import RunnerDep
from torchcanvas.auth import accounts, ratelimit, sessions
from torchcanvas.auth.deps import SESSION_COOKIE, CurrentUser, OptionalUser
from torchcanvas.datasets.store import dataset_dir
from torchcanvas.db.models import ApiToken, Dataset, Run, User
from torchcanvas.runner import RunConflict, RunNotFound
from torchcanvas.settings import Settings

router = APIRouter(prefix="/auth", tags=["auth"])


def _lower(value: Any) -> Any:
    return accounts.normalize_username(value) if isinstance(value, str) else value


Username = Annotated[
    str,
    BeforeValidator(_lower),
    StringConstraints(pattern=f"^{accounts.USERNAME.pattern}$"),
    Field(description="2 to 39 characters: a-z, 0-9, '_' and '-', starting with a letter or digit; case-insensitive"),
]
Password = Annotated[str, Field(min_length=accounts.PASSWORD_MIN, max_length=accounts.PASSWORD_MAX)]


class Signup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Username
    password: Password
    email: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Not the signup rules: a wrong name is answered like a wrong password, not with a 422.
    username: Annotated[str, Field(max_length=100)]
    password: Annotated[str, Field(max_length=accounts.PASSWORD_MAX)]


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: Annotated[str, Field(max_length=accounts.PASSWORD_MAX)]
    new_password: Password


class AccountDelete(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Annotated[str, Field(max_length=accounts.PASSWORD_MAX)]
    delete_public_models: bool = False


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Me(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    email: str | None
    is_admin: bool
    created_at: UtcDatetime


class MeRead(BaseModel):
    user: Me | None
    csrf_token: str | None = Field(description="send it as X-CSRF-Token with every POST/PUT/PATCH/DELETE")
    signup_open: bool


class SignedIn(BaseModel):
    user: Me
    csrf_token: str | None = Field(description="null when an admin created someone else's account")


class Token(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str = Field(description="the secret's first characters, to tell tokens apart")
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None


class NewToken(Token):
    token: str = Field(description="the secret: shown once, never again")


# --- helpers ---------------------------------------------------------------------------------


def _https(request: Request, settings: Settings) -> bool:
    if settings.auth.trust_proxy_headers and "x-forwarded-proto" in request.headers:
        return request.headers["x-forwarded-proto"].split(",")[0].strip().lower() == "https"
    return request.url.scheme == "https"


def client_address(request: Request, settings: Settings) -> str:
    """The caller's address, for the login rate limit (a trusted proxy's X-Forwarded-For)."""
    if settings.auth.trust_proxy_headers and request.headers.get("x-forwarded-for"):
        return request.headers["x-forwarded-for"].split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def _sign_in(db: SessionDep, user: User, request: Request, response: Response, settings: Settings) -> SignedIn:
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        sessions.end_session(db, old)  # a browser holds one session: signing in again replaces it
    new = sessions.start_session(db, user, settings.auth.session_ttl)
    response.set_cookie(
        SESSION_COOKIE,
        new.cookie,
        max_age=int(settings.auth.session_ttl.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_https(request, settings),
    )
    return SignedIn(user=Me.model_validate(user), csrf_token=new.csrf_token)


def _refuse_if_limited(db: SessionDep, username: str, address: str, settings: Settings) -> None:
    wait = ratelimit.retry_after(db, username, address, settings.auth)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many failed logins; try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )


def _check_password(db: SessionDep, user: User, password: str, request: Request, settings: Settings) -> None:
    """The signed-in user's password, again, before a change that needs it. Wrong guesses count
    with the login's: a stolen session must not become a way to guess the password."""
    address = client_address(request, settings)
    _refuse_if_limited(db, user.username, address, settings)
    if accounts.authenticate(db, user.username, password) is None:
        ratelimit.record_failure(db, user.username, address, settings.auth)
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="the password is wrong; type your current password")


def _signed_out(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


# --- routes ----------------------------------------------------------------------------------


@router.get("/me", response_model=MeRead, summary="Who is signed in (user: null when nobody)")
def me(request: Request, user: OptionalUser, db: SessionDep, settings: SettingsDep) -> MeRead:
    cookie = request.cookies.get(SESSION_COOKIE)
    found = sessions.session_of(db, cookie) if cookie and user is not None else None
    return MeRead(
        user=Me.model_validate(user) if user is not None else None,
        csrf_token=found.csrf_token if found is not None else None,
        signup_open=settings.auth.signup_open,
    )


@router.post(
    "/signup",
    response_model=SignedIn,
    status_code=status.HTTP_201_CREATED,
    summary="Create an account and sign in (an admin creates one for someone else)",
    responses={403: {"description": "sign-up is closed"}, 409: {"description": "the username is taken"}},
)
def signup(
    body: Signup, request: Request, response: Response, user: OptionalUser, db: SessionDep, settings: SettingsDep
) -> SignedIn:
    by_admin = user is not None and user.is_admin
    if not settings.auth.signup_open and not by_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="sign-up is closed; ask the admin for an account")
    try:
        created = accounts.create_user(db, body.username, body.password, email=body.email)
    except accounts.UsernameTaken as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    if by_admin:  # the admin stays signed in as themselves
        return SignedIn(user=Me.model_validate(created), csrf_token=None)
    return _sign_in(db, created, request, response, settings)


@router.post(
    "/login",
    response_model=SignedIn,
    summary="Sign in with a username and password",
    responses={401: {"description": "wrong username or password"}, 429: {"description": "too many failed logins"}},
)
def login(body: Login, request: Request, response: Response, db: SessionDep, settings: SettingsDep) -> SignedIn:
    address = client_address(request, settings)
    _refuse_if_limited(db, body.username, address, settings)
    user = accounts.authenticate(db, body.username, body.password)
    if user is None:
        ratelimit.record_failure(db, body.username, address, settings.auth)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="wrong username or password")
    ratelimit.clear_user(db, body.username)
    return _sign_in(db, user, request, response, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out (ends the session)")
def logout(request: Request, _user: OptionalUser, db: SessionDep) -> Response:
    # _user: a signed-in cookie must come with its CSRF token, or another site could sign us out.
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        sessions.end_session(db, cookie)
    return _signed_out(Response(status_code=status.HTTP_204_NO_CONTENT))


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="change your password",
    description="Every other session of the account ends; this one stays signed in.",
)
def change_password(
    body: PasswordChange, request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> Response:
    _check_password(db, user, body.current_password, request, settings)
    accounts.set_password(db, user, body.new_password)
    sessions.end_all_sessions(db, user, keep=request.cookies.get(SESSION_COOKIE))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="delete your account",
    description="Private and unlisted models, runs, experiments, tokens and stars go; public models stay, "
    'owned by "deleted user", unless delete_public_models.',
)
def delete_me(
    body: AccountDelete, request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep, runner: RunnerDep
) -> Response:
    _check_password(db, user, body.password, request, settings)
    run_ids = list(db.scalars(select(Run.id).where(Run.owner_id == user.id)))
    dataset_ids = list(db.scalars(select(Dataset.id).where(Dataset.owner_id == user.id)))  # rows go by CASCADE
    for run_id in run_ids:  # stopped while their rows exist: the runner finds them by their rows
        with contextlib.suppress(RunNotFound, RunConflict):  # finished already
            runner.cancel(run_id)
    accounts.delete_account(db, user, delete_public_models=body.delete_public_models)
    for run_id in run_ids:
        shutil.rmtree(runner.run_dir(run_id), ignore_errors=True)
    for dataset_id in dataset_ids:  # their uploaded data sets' files
        shutil.rmtree(dataset_dir(settings.data_dir, dataset_id), ignore_errors=True)
    return _signed_out(Response(status_code=status.HTTP_204_NO_CONTENT))


@router.get("/tokens", response_model=list[Token], summary="list your API tokens")
def list_tokens(user: CurrentUser, db: SessionDep) -> list[ApiToken]:
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


@router.post(
    "/tokens",
    response_model=NewToken,
    status_code=status.HTTP_201_CREATED,
    summary="create API tokens",
    description="The response carries the secret (`token`) once; send it as `Authorization: Bearer <token>`.",
)
def create_token(body: TokenCreate, user: CurrentUser, db: SessionDep) -> NewToken:
    token, secret = sessions.create_token(db, user, body.name)
    return NewToken(**Token.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="revoke API tokens")
def revoke_token(token_id: IdPath, user: CurrentUser, db: SessionDep) -> Response:
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"you have no API token with id {token_id}")
    db.delete(token)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
