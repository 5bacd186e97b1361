"""The market's first content: every example graph, published by the built-in account.

The account ``torchcanvas`` has no password, so nobody can sign in as it. Seeding is idempotent:
an example already published under that account (by model name) is left alone, so a restart
adds only examples that are new since the last one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from torchcanvas.db import crud
from torchcanvas.db.models import Publication, SavedModel, User, utcnow
from torchcanvas.graph.model import Graph
from torchcanvas.limits import Limits
from torchcanvas.market import publish

log = logging.getLogger("torchcanvas.market.seed")

SEED_USERNAME = "torchcanvas"
SEED_TAGS = ["example"]


def seed_user(db: Session) -> User | None:
    """The built-in account; None when someone signed up with its name (seeding was off when
    they did): their account is theirs, and the examples are not published under it."""
    user = db.scalars(select(User).where(User.username == SEED_USERNAME)).one_or_none()
    if user is not None and user.password_hash is not None:
        log.warning("the account %r is a person's; the examples are not published under it", SEED_USERNAME)
        return None
    if user is None:
        user = User(username=SEED_USERNAME, password_hash=None, is_admin=False, created_at=utcnow())
        db.add(user)
        db.commit()
    return user


def _published_names(db: Session, user: User) -> set[str]:
    stmt = (
        select(SavedModel.name)
        .join(Publication, Publication.model_id == SavedModel.id)
        .where(SavedModel.owner_id == user.id)
    )
    return set(db.scalars(stmt).all())


def _example(path: Path) -> Graph | None:
    try:
        return Graph.model_validate(json.loads(path.read_text()))
    except (OSError, ValueError) as e:
        log.warning("example %s is not a valid graph document, not published: %s", path.name, e)
        return None


def seed(db: Session, examples_dir: Path, limits: Limits) -> list[int]:
    """Publish the examples not yet published; the new publications' ids (to verify)."""
    user = seed_user(db)
    if user is None:
        return []
    done = _published_names(db, user)
    new: list[int] = []
    for path in sorted(examples_dir.glob("*.json")):
        graph = _example(path)
        if graph is None or graph.name in done:
            continue
        try:
            snap = publish.snapshot(graph, limits)
        except Exception as e:  # GraphError, LimitExceeded: an example that does not check
            log.warning("example %s does not check, not published: %s", path.name, e)
            continue
        raw = graph.model_dump(mode="json")
        model = crud.create(
            db, owner_id=user.id, name=graph.name, description=graph.description, graph=raw, thumbnail=snap.thumbnail
        )
        card = publish.Card(
            title=graph.name,
            description=graph.description,
            notes="",
            tags=[*SEED_TAGS, *snap.layer_types.lower().split()[:8]],
            task=None,
            dataset=None,
            visibility="public",
        )
        new.append(publish.store(db, model, card, snap, None).id)
        done.add(graph.name)
    return new
