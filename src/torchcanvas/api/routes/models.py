"""Saved models: CRUD, duplicate, and the version kept by every save."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    model_validator,
)
from sqlalchemy.orm import Session

from torchcanvas.api.access import load_model
from torchcanvas.api.deps import IdPath, Offset, PageSize, SessionDep, SettingsDep
from torchcanvas.api.errors import field_error
from torchcanvas.auth import policy, quotas
from torchcanvas.auth.deps import CurrentUser, OptionalUser
from torchcanvas.db import crud
from torchcanvas.db.models import ModelVersion, SavedModel, User
from torchcanvas.graph.model import DisplayName, Graph
from torchcanvas.market.thumbnail import render_svg
from torchcanvas.settings import Settings

router = APIRouter(prefix="/models", tags=["models"])

_THUMBNAIL = re.compile(r"^(data:image/(png|jpeg|webp|svg\+xml)[;,]|<svg[\s>])", re.IGNORECASE)


def _check_thumbnail(value: str) -> str:
    if not _THUMBNAIL.match(value):
        raise ValueError("a thumbnail is a data URL (data:image/png|jpeg|webp|svg+xml...) or an <svg> document")
    return value


# The size limit is a setting, so it is checked in the route (``_check_thumbnail_size``).
Thumbnail = Annotated[str, AfterValidator(_check_thumbnail)]
Description = Annotated[str, Field(max_length=10_000)]


def _utc(value: Any) -> Any:
    # SQLite keeps no time zone; every stored time is UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


UtcDatetime = Annotated[datetime, BeforeValidator(_utc)]


class ModelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: DisplayName | None = Field(default=None, description="Defaults to the graph's name")
    description: Description = ""
    graph: Graph
    thumbnail: Thumbnail | None = None


class ModelReplace(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: DisplayName
    description: Description = ""
    graph: Graph
    thumbnail: Thumbnail | None = None


class ModelPatch(BaseModel):
    """Any subset of the fields; ``thumbnail: null`` removes the thumbnail."""

    model_config = ConfigDict(extra="forbid")
    name: DisplayName | None = None
    description: Description | None = None
    graph: Graph | None = None
    thumbnail: Thumbnail | None = None
    visibility: Visibility | None = Field(
        default=None, description="private (yours alone), unlisted (anyone with the link) or public (in the market)"
    )

    @model_validator(mode="after")
    def _no_null_required(self) -> ModelPatch:
        for key in ("name", "description", "graph", "visibility"):
            if key in self.model_fields_set and getattr(self, key) is None:
                raise ValueError(f"{key} cannot be null; leave it out to keep it")
        return self


Visibility = Literal["private", "unlisted", "public"]


class ForkedFrom(BaseModel):
    model_id: uuid.UUID
    owner: str | None = Field(description="the username; null: a deleted user")
    name: str
    version: int


class ModelSummary(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    thumbnail: str | None
    version: int = Field(description="The number of the latest version")
    created_at: UtcDatetime
    updated_at: UtcDatetime
    visibility: Visibility
    owner: str | None = Field(description="the owner's username; null: a deleted user")
    forked_from: ForkedFrom | None = Field(description="the model and published version this one was forked from")
    star_count: int
    fork_count: int
    can_edit: bool = Field(description="whether the caller may change it")


class ModelRead(ModelSummary):
    # Returned as stored, not re-validated: a document saved under an older schema must stay
    # readable (and restorable) even if today's Graph model would reject it.
    graph: dict[str, JsonValue]


class ModelPage(BaseModel):
    items: list[ModelSummary]
    count: int = Field(description="The number of your saved models in all")


def _forked_from(session: Session, model: SavedModel, user: User | None) -> ForkedFrom | None:
    if model.forked_from_id is None:
        return None
    source = session.get(SavedModel, model.forked_from_id)
    # A source made private since (or deleted) is not named: its name is its owner's to show.
    if source is None or not policy.can_read_model(user, source):
        return None
    return ForkedFrom(
        model_id=source.id,
        owner=source.owner.username if source.owner else None,
        name=source.name,
        version=model.forked_from_version or source.version,
    )


def _summary_fields(session: Session, model: SavedModel, user: User | None) -> dict[str, Any]:
    return {
        "id": model.id,
        "name": model.name,
        "description": model.description,
        "thumbnail": model.thumbnail,
        "version": model.version,
        "created_at": model.created_at,
        "updated_at": model.updated_at,
        "visibility": model.visibility,
        "owner": model.owner.username if model.owner else None,
        "forked_from": _forked_from(session, model, user),
        "star_count": model.star_count,
        "fork_count": model.fork_count,
        "can_edit": policy.can_edit_model(user, model),
    }


def model_summary(session: Session, model: SavedModel, user: User | None) -> ModelSummary:
    return ModelSummary(**_summary_fields(session, model, user))


def model_read(session: Session, model: SavedModel, user: User | None) -> ModelRead:
    """A model as ``user`` sees it (``can_edit`` is theirs): what every route that returns one sends."""
    return ModelRead(**_summary_fields(session, model, user), graph=model.graph)


class VersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    name: str
    note: str = Field(description='What made it: "create", "save", "duplicate" or "restore:<n>"')
    created_at: UtcDatetime


class VersionRead(VersionSummary):
    description: str
    graph: dict[str, JsonValue]


def _load_version(session: Session, user: User | None, model_id: uuid.UUID, number: int) -> ModelVersion:
    load_model(session, user, model_id)
    found = crud.version(session, model_id, number)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"model {model_id} has no version {number}")
    return found


def _diagram(graph: Graph | dict[str, Any], given: str | None) -> str | None:
    """The card's picture: the one the request sent, else the graph's diagram as the market draws
    it (boxes named as on the canvas, read at card size), rather than a crop of the canvas. A
    stored document that no longer validates keeps no picture."""
    if given is not None:
        return given
    try:
        return render_svg(graph if isinstance(graph, Graph) else Graph.model_validate(graph))
    except ValidationError:
        return None


def _check_thumbnail_size(thumbnail: str | None, settings: Settings) -> None:
    if thumbnail is not None and len(thumbnail) > settings.max_thumbnail_chars:
        raise field_error(
            ["body", "thumbnail"],
            f"thumbnail: {len(thumbnail)} characters is over the limit of {settings.max_thumbnail_chars}; send a smaller image",
        )


@router.get("", response_model=ModelPage, summary="List your saved models, most recently updated first")
def list_models(
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    limit: PageSize = 100,
    offset: Offset = 0,
) -> ModelPage:
    rows, total = crud.page(session, owner_id=user.id, limit=min(limit, settings.max_page_size), offset=offset)
    return ModelPage(items=[model_summary(session, r, user) for r in rows], count=total)


@router.post(
    "",
    response_model=ModelRead,
    status_code=status.HTTP_201_CREATED,
    summary="Save a new model (version 1)",
    responses={429: {"description": "at the quota of saved models"}},
)
def create_model(body: ModelCreate, session: SessionDep, settings: SettingsDep, user: CurrentUser) -> ModelRead:
    _check_thumbnail_size(body.thumbnail, settings)
    quotas.check_models(session, user.id, settings.quotas)
    model = crud.create(
        session,
        owner_id=user.id,
        name=body.name or body.graph.name,
        description=body.description,
        graph=body.graph.model_dump(mode="json"),
        thumbnail=_diagram(body.graph, body.thumbnail),
    )
    return model_read(session, model, user)


@router.get("/{model_id}", response_model=ModelRead, summary="A saved model with its graph")
def get_model(model_id: uuid.UUID, session: SessionDep, user: OptionalUser) -> ModelRead:
    return model_read(session, load_model(session, user, model_id), user)


@router.put("/{model_id}", response_model=ModelRead, summary="Replace a saved model (adds a version when it changed)")
def replace_model(
    model_id: uuid.UUID, body: ModelReplace, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> ModelRead:
    _check_thumbnail_size(body.thumbnail, settings)
    model = load_model(session, user, model_id, policy.can_edit_model)
    changes = {
        "name": body.name,
        "description": body.description,
        "graph": body.graph.model_dump(mode="json"),
        "thumbnail": _diagram(body.graph, body.thumbnail),
    }
    return model_read(session, crud.update(session, model, changes), user)


@router.patch(
    "/{model_id}",
    response_model=ModelRead,
    summary="Change some fields (adds a version when name, description or graph changed)",
)
def patch_model(
    model_id: uuid.UUID, body: ModelPatch, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> ModelRead:
    _check_thumbnail_size(body.thumbnail, settings)
    model = load_model(session, user, model_id, policy.can_edit_model)
    changes: dict[str, Any] = {k: getattr(body, k) for k in body.model_fields_set}
    if body.graph is not None:
        changes["graph"] = body.graph.model_dump(mode="json")
        if "thumbnail" not in body.model_fields_set:
            changes["thumbnail"] = _diagram(body.graph, None)
    return model_read(session, crud.update(session, model, changes), user)


@router.delete("/{model_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a saved model and its versions")
def delete_model(model_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Response:
    crud.delete(session, load_model(session, user, model_id, policy.can_delete_model))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{model_id}/duplicate",
    response_model=ModelRead,
    status_code=status.HTTP_201_CREATED,
    summary="Copy one of your saved models (the copy starts at version 1)",
    description="Someone else's model is copied by forking it (POST /market/{id}/fork), which keeps its lineage.",
    responses={429: {"description": "at the quota of saved models"}},
)
def duplicate_model(model_id: uuid.UUID, session: SessionDep, settings: SettingsDep, user: CurrentUser) -> ModelRead:
    source = load_model(session, user, model_id, policy.can_edit_model)
    quotas.check_models(session, user.id, settings.quotas)
    suffix = " (copy)"
    copy = crud.create(
        session,
        owner_id=user.id,
        name=source.name[: 100 - len(suffix)] + suffix,
        description=source.description,
        graph=source.graph,
        thumbnail=source.thumbnail,
        note="duplicate",
    )
    return model_read(session, copy, user)


@router.get("/{model_id}/versions", response_model=list[VersionSummary], summary="Every saved version, oldest first")
def list_versions(model_id: uuid.UUID, session: SessionDep, user: OptionalUser) -> list[ModelVersion]:
    load_model(session, user, model_id)
    return crud.versions(session, model_id)


@router.get("/{model_id}/versions/{number}", response_model=VersionRead, summary="One version with its graph")
def get_version(model_id: uuid.UUID, number: IdPath, session: SessionDep, user: OptionalUser) -> ModelVersion:
    return _load_version(session, user, model_id, number)


@router.post(
    "/{model_id}/versions/{number}/restore",
    response_model=ModelRead,
    summary="Make an old version current again (as a new version)",
)
def restore_version(model_id: uuid.UUID, number: IdPath, session: SessionDep, user: CurrentUser) -> ModelRead:
    model = load_model(session, user, model_id, policy.can_edit_model)
    old = _load_version(session, user, model_id, number)
    model.thumbnail = _diagram(old.graph, None)  # committed with the restore
    return model_read(session, crud.restore(session, model, old), user)
