"""Creating, finding and deleting accounts, and the claim of a single-user database's rows.

The first account created on a server becomes its admin and claims the rows a single-user
database had before accounts existed (``claim_legacy``).
"""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from torchcanvas.auth import quotas
from torchcanvas.auth.secrets import hash_password, verify_password
from torchcanvas.db import crud
from torchcanvas.db.models import Experiment, Run, SavedModel, Setting, Star, User, utcnow

# 2 to 39 characters, like GitHub's: lower-case letters, digits, '_' and '-', not starting with
# '_' or '-'. Names are compared lower-case: "Alice" signs in as "alice".
USERNAME = re.compile(r"[a-z0-9][a-z0-9_-]{1,38}")
PASSWORD_MIN, PASSWORD_MAX = 8, 200
LEGACY_PENDING = "legacy_owner_pending"


class UsernameTaken(ValueError):
    def __init__(self, username: str) -> None:
        super().__init__(f"the username {username!r} is taken; choose another")


def normalize_username(username: str) -> str:
    return username.strip().lower()


def by_name(db: Session, username: str) -> User | None:
    return db.scalars(select(User).where(User.username == normalize_username(username))).one_or_none()


def create_user(db: Session, username: str, password: str, *, email: str | None = None, admin: bool = False) -> User:
    """A new account (the first one with a password is the admin, and claims the legacy rows).

    ``username`` and ``password`` must already be valid (the API's and the CLI's bodies check
    them); raises UsernameTaken.
    """
    name = normalize_username(username)
    if by_name(db, name) is not None:
        raise UsernameTaken(name)
    # The first account anyone can sign in as: the built-in account that publishes the examples
    # (no password) does not count.
    first = not db.scalar(select(func.count()).select_from(User).where(User.password_hash.is_not(None)))
    user = User(
        username=name,
        email=email,
        password_hash=hash_password(password),
        is_admin=admin or first,
        created_at=utcnow(),
    )
    db.add(user)
    db.flush()
    if first:
        claim_legacy(db, user)
    db.commit()
    return user


def authenticate(db: Session, username: str, password: str) -> User | None:
    """The account, if the password is its own. An unknown name costs the same time as a wrong
    password (secrets.verify_password), so the timing tells no one which names exist."""
    user = by_name(db, username)
    ok = verify_password(password, user.password_hash if user is not None else None)
    return user if ok and user is not None else None


def set_password(db: Session, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    db.commit()


def models_of(db: Session, user: User) -> int:
    return quotas.models_owned(db, user.id)


def legacy_pending(db: Session) -> bool:
    return db.get(Setting, LEGACY_PENDING) is not None


def claim_legacy(db: Session, user: User) -> int:
    """Give ``user`` every model, run and experiment of a single-user database (the rows
    migration 0003 left without an owner), once. Returns how many models it claimed.

    Only while the migration's flag is set: later, an ownerless model is a deleted user's public
    one, which nobody may take. The caller commits.
    """
    flag = db.get(Setting, LEGACY_PENDING)
    if flag is None:
        return 0
    claimed = 0
    for table in (SavedModel, Run, Experiment):
        result = db.execute(
            update(table)
            .where(table.owner_id.is_(None))
            .values(owner_id=user.id)
            .execution_options(synchronize_session=False)
        )
        if table is SavedModel:
            claimed = int(result.rowcount)  # type: ignore[attr-defined]
    db.delete(flag)
    return claimed


def delete_account(db: Session, user: User, *, delete_public_models: bool) -> None:
    """Delete the account with its private and unlisted models (public ones too, if asked),
    its runs, experiments, tokens, sessions and stars. Public models it keeps stay in the
    market owned by nobody ("deleted user"). The caller stops the user's runs first, and
    removes their folders after."""
    # Stars leave with the account (ON DELETE CASCADE): the counts kept with the models follow.
    starred = select(Star.model_id).where(Star.user_id == user.id)
    db.execute(
        update(SavedModel)
        .where(SavedModel.id.in_(starred))
        .values(star_count=SavedModel.star_count - 1)
        .execution_options(synchronize_session=False)
    )
    going = SavedModel.owner_id == user.id
    if not delete_public_models:
        going = going & (SavedModel.visibility != "public")
    crud.uncount_forks(db, going)
    db.execute(delete(SavedModel).where(going).execution_options(synchronize_session=False))
    db.execute(
        update(SavedModel)
        .where(SavedModel.owner_id == user.id)
        .values(owner_id=None)
        .execution_options(synchronize_session=False)
    )
    # Runs, experiments, tokens and sessions go by ON DELETE CASCADE; comments stay, by nobody.
    db.delete(user)
    db.commit()
