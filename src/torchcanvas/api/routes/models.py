"""Saved models: CRUD, duplicate, and the version kept by every save."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, JsonValue, model_validator

from torchcanvas.api.deps import IdPath, Offset, PageSize, SessionDep, SettingsDep
from torchcanvas.api.errors import field_error
from torchcanvas.db import crud
from torchcanvas.db.models import ModelVersion, SavedModel
from torchcanvas.graph.model import DisplayName, Graph
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

    @model_validator(mode="after")
    def _no_null_required(self) -> ModelPatch:
        for key in ("name", "description", "graph"):
            if key in self.model_fields_set and getattr(self, key) is None:
                raise ValueError(f"{key} cannot be null; leave it out to keep it")
        return self


class ModelSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    description: str
    thumbnail: str | None
    version: int = Field(description="The number of the latest version")
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ModelRead(ModelSummary):
    # Returned as stored, not re-validated: a document saved under an older schema must stay
    # readable (and restorable) even if today's Graph model would reject it.
    graph: dict[str, JsonValue]


class ModelPage(BaseModel):
    items: list[ModelSummary]
    count: int = Field(description="The number of saved models in all")


class VersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    name: str
    note: str = Field(description='What made it: "create", "save", "duplicate" or "restore:<n>"')
    created_at: UtcDatetime


class VersionRead(VersionSummary):
    description: str
    graph: dict[str, JsonValue]


def _not_found(model_id: uuid.UUID) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no saved model with id {model_id}")


def _load(session: SessionDep, model_id: uuid.UUID) -> SavedModel:
    model = crud.get(session, model_id)
    if model is None:
        raise _not_found(model_id)
    return model


def _load_version(session: SessionDep, model_id: uuid.UUID, number: int) -> ModelVersion:
    found = crud.version(session, model_id, number)
    if found is None:
        if crud.get(session, model_id) is None:
            raise _not_found(model_id)
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"model {model_id} has no version {number}")
    return found


def _check_thumbnail_size(thumbnail: str | None, settings: Settings) -> None:
    if thumbnail is not None and len(thumbnail) > settings.max_thumbnail_chars:
        raise field_error(
            ["body", "thumbnail"],
            f"thumbnail: {len(thumbnail)} characters is over the limit of {settings.max_thumbnail_chars}; send a smaller image",
        )


@router.get("", response_model=ModelPage, summary="List saved models, most recently updated first")
def list_models(
    session: SessionDep,
    settings: SettingsDep,
    limit: PageSize = 100,
    offset: Offset = 0,
) -> ModelPage:
    rows, total = crud.page(session, limit=min(limit, settings.max_page_size), offset=offset)
    return ModelPage(items=[ModelSummary.model_validate(r) for r in rows], count=total)


@router.post("", response_model=ModelRead, status_code=status.HTTP_201_CREATED, summary="Save a new model (version 1)")
def create_model(body: ModelCreate, session: SessionDep, settings: SettingsDep) -> SavedModel:
    _check_thumbnail_size(body.thumbnail, settings)
    return crud.create(
        session,
        name=body.name or body.graph.name,
        description=body.description,
        graph=body.graph.model_dump(mode="json"),
        thumbnail=body.thumbnail,
    )


@router.get("/{model_id}", response_model=ModelRead, summary="A saved model with its graph")
def get_model(model_id: uuid.UUID, session: SessionDep) -> SavedModel:
    return _load(session, model_id)


@router.put("/{model_id}", response_model=ModelRead, summary="Replace a saved model (adds a version when it changed)")
def replace_model(model_id: uuid.UUID, body: ModelReplace, session: SessionDep, settings: SettingsDep) -> SavedModel:
    _check_thumbnail_size(body.thumbnail, settings)
    model = _load(session, model_id)
    changes = {
        "name": body.name,
        "description": body.description,
        "graph": body.graph.model_dump(mode="json"),
        "thumbnail": body.thumbnail,
    }
    return crud.update(session, model, changes)


@router.patch(
    "/{model_id}",
    response_model=ModelRead,
    summary="Change some fields (adds a version when name, description or graph changed)",
)
def patch_model(model_id: uuid.UUID, body: ModelPatch, session: SessionDep, settings: SettingsDep) -> SavedModel:
    _check_thumbnail_size(body.thumbnail, settings)
    model = _load(session, model_id)
    changes: dict[str, Any] = {k: getattr(body, k) for k in body.model_fields_set}
    if body.graph is not None:
        changes["graph"] = body.graph.model_dump(mode="json")
    return crud.update(session, model, changes)


@router.delete("/{model_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a saved model and its versions")
def delete_model(model_id: uuid.UUID, session: SessionDep) -> Response:
    crud.delete(session, _load(session, model_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{model_id}/duplicate",
    response_model=ModelRead,
    status_code=status.HTTP_201_CREATED,
    summary="Copy a saved model (the copy starts at version 1)",
)
def duplicate_model(model_id: uuid.UUID, session: SessionDep) -> SavedModel:
    source = _load(session, model_id)
    suffix = " (copy)"
    return crud.create(
        session,
        name=source.name[: 100 - len(suffix)] + suffix,
        description=source.description,
        graph=source.graph,
        thumbnail=source.thumbnail,
        note="duplicate",
    )


@router.get("/{model_id}/versions", response_model=list[VersionSummary], summary="Every saved version, oldest first")
def list_versions(model_id: uuid.UUID, session: SessionDep) -> list[ModelVersion]:
    _load(session, model_id)
    return crud.versions(session, model_id)


@router.get("/{model_id}/versions/{number}", response_model=VersionRead, summary="One version with its graph")
def get_version(model_id: uuid.UUID, number: IdPath, session: SessionDep) -> ModelVersion:
    return _load_version(session, model_id, number)


@router.post(
    "/{model_id}/versions/{number}/restore",
    response_model=ModelRead,
    summary="Make an old version current again (as a new version)",
)
def restore_version(model_id: uuid.UUID, number: IdPath, session: SessionDep) -> SavedModel:
    old = _load_version(session, model_id, number)
    model = _load(session, model_id)
    return crud.restore(session, model, old)
