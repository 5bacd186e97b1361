"""Profiles: a user's public models in the market, and the public models they starred."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from torchcanvas.api.deps import SessionDep
from torchcanvas.auth.deps import OptionalUser
from torchcanvas.db.models import Publication, SavedModel, Star, User
from torchcanvas.market import search, views
from torchcanvas.market.schemas import UserProfile

router = APIRouter(prefix="/users", tags=["market"])

MAX_LISTED = 100  # per list on a profile


@router.get("/{username}", response_model=UserProfile, summary="A user's public models and stars")
def get_user(username: str, db: SessionDep, caller: OptionalUser) -> UserProfile:
    found = db.scalars(select(User).where(User.username == username.lower())).one_or_none()
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no user named {username[:39]!r}")
    own = search.listed().where(SavedModel.owner_id == found.id)
    own = own.order_by(Publication.created_at.desc()).limit(MAX_LISTED)
    starred = (
        search.listed()
        .join(Star, Star.model_id == Publication.model_id)
        .where(Star.user_id == found.id)
        .order_by(Star.created_at.desc())
        .limit(MAX_LISTED)
    )
    return UserProfile(
        username=found.username,
        created_at=found.created_at,
        models=views.cards(db, caller, db.execute(own).all()),
        starred=views.cards(db, caller, db.execute(starred).all()),
    )
