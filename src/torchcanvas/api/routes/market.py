"""The market: publish a model, search the published ones, open one, fork it, star it, discuss it.

Readable by anyone for public and unlisted models (unlisted ones are not listed); a private
model answers 404, as if it did not exist (api.access). Changing anything needs an account.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from starlette.concurrency import run_in_threadpool

from torchcanvas.api.access import load_model
from torchcanvas.api.deps import IdPath, SessionDep, SettingsDep
from torchcanvas.api.errors import field_error
from torchcanvas.api.routes.models import ModelRead, model_read
from torchcanvas.api.work import CpuDep
from torchcanvas.auth import policy, quotas
from torchcanvas.auth.deps import CurrentUser, OptionalUser
from torchcanvas.db.models import Publication, SavedModel, User
from torchcanvas.graph.model import Graph
from torchcanvas.market import publish as publishing
from torchcanvas.market import search, social, views
from torchcanvas.market.schemas import (
    CommentBody,
    CommentRead,
    MarketModel,
    MarketPage,
    PublishBody,
    PublishedVersion,
    PublishedVersionRead,
    StarState,
)
from torchcanvas.market.verify import Verifier

router = APIRouter(tags=["market"])

MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000  # deeper than anyone pages; keeps OFFSET bounded


def _published(db: SessionDep, user: User | None, model_id: uuid.UUID) -> tuple[SavedModel, list[Publication]]:
    """A model the caller may read, with its publications (oldest first); 404 if unpublished."""
    model = load_model(db, user, model_id)
    versions = social.publications(db, model_id)
    if not versions:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"model {model_id} is not published in the market")
    return model, versions


@router.get("/market", response_model=MarketPage, summary="Search the market's public models")
def list_market(
    db: SessionDep,
    settings: SettingsDep,
    user: OptionalUser,
    q: Annotated[str, Query(description="Words in the title, description, tags or layer types")] = "",
    task: Annotated[publishing.Task | None, Query()] = None,
    dataset: Annotated[str | None, Query(max_length=64)] = None,
    min_params: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    max_params: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    verified: Annotated[bool, Query(description="Only models whose code passed verification")] = False,
    sort: Annotated[search.Sort | None, Query(description="Default: relevance with q, else stars")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 24,
) -> MarketPage:
    limit = settings.market.max_query_chars
    if len(q) > limit:
        raise field_error(
            ["query", "q"], f"q: {len(q)} characters is over the limit of {limit}; search for fewer words"
        )
    query = search.Query(
        q=q,
        task=task,
        dataset=dataset,
        min_params=min_params,
        max_params=max_params,
        verified_only=verified,
        sort=sort,
        page=page,
        page_size=page_size,
    )
    rows, count = search.search(db, query)
    return MarketPage(items=views.cards(db, user, rows), count=count, page=page, page_size=page_size)


def _snapshot_graph(model: SavedModel) -> Graph:
    try:
        return Graph.model_validate(model.graph)
    except ValueError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"model {model.name!r}: its saved graph is not a valid document today; open it in the editor and "
            "save it again before publishing",
        ) from None


def _store_publication(
    request: Request,
    user: User,
    model_id: uuid.UUID,
    body: PublishBody,
    graph_version: int,
    snap: publishing.Snapshot,
) -> tuple[PublishedVersion, int]:
    with request.app.state.sessionmaker() as db:
        model = load_model(db, user, model_id, policy.can_edit_model)
        if model.version != graph_version:
            raise HTTPException(
                status.HTTP_409_CONFLICT, detail=f"model {model.name!r} was saved while publishing; publish again"
            )
        try:
            result = None if body.result_run_id is None else publishing.run_result(db, user, model, body.result_run_id)
            card = publishing.Card(
                title=body.title,
                description=body.description,
                notes=body.notes,
                tags=publishing.normalise_tags(body.tags),
                task=body.task,
                dataset=body.dataset,
                visibility=body.visibility,
            )
        except publishing.PublishRefused as e:
            raise field_error(["body", e.field], f"{e.field}: {e}") from None
        pub = publishing.store(db, model, card, snap, result)
        return views.published_version(pub, model, user), pub.id


@router.post(
    "/models/{model_id}/publish",
    response_model=PublishedVersion,
    status_code=status.HTTP_201_CREATED,
    summary="Publish models in the market",
)
async def publish_model(
    model_id: uuid.UUID, body: PublishBody, request: Request, user: CurrentUser, cpu: CpuDep
) -> PublishedVersion:
    """Async, so that the shape check goes to the CPU pool; the database work goes to threads."""

    def load() -> tuple[SavedModel, Graph]:
        with request.app.state.sessionmaker() as db:
            model = load_model(db, user, model_id, policy.can_edit_model)
        return model, _snapshot_graph(model)  # validating a large graph is CPU work too: not on the loop

    model, graph = await run_in_threadpool(load)
    snap = await cpu.run(publishing.snapshot, graph, cpu.limits)
    published, pub_id = await run_in_threadpool(_store_publication, request, user, model_id, body, model.version, snap)
    verifier: Verifier | None = getattr(request.app.state, "verifier", None)
    if verifier is not None:  # in the background: the answer says "pending"
        verifier.submit(pub_id)
    return published


@router.get("/market/{model_id}", response_model=MarketModel, summary="A published model's page")
def get_market_model(model_id: uuid.UUID, db: SessionDep, user: OptionalUser) -> MarketModel:
    model, versions = _published(db, user, model_id)
    return views.market_model(db, user, model, versions)


@router.get(
    "/market/{model_id}/versions/{number}", response_model=PublishedVersionRead, summary="One published version"
)
def get_market_version(model_id: uuid.UUID, number: IdPath, db: SessionDep, user: OptionalUser) -> PublishedVersionRead:
    model, _ = _published(db, user, model_id)
    pub = social.publication(db, model_id, number)
    if pub is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"model {model_id} has no published version {number}")
    return views.published_version_read(pub, model, user)


@router.post(
    "/market/{model_id}/fork",
    response_model=ModelRead,
    status_code=status.HTTP_201_CREATED,
    summary="Fork models into your own",
    responses={429: {"description": "at the quota of saved models"}},
)
def fork_model(model_id: uuid.UUID, db: SessionDep, settings: SettingsDep, user: CurrentUser) -> ModelRead:
    model, versions = _published(db, user, model_id)
    quotas.check_models(db, user.id, settings.quotas)  # a fork is one more saved model: 429 past the quota
    # Serialised like every other ModelRead (owner's name, forked_from, can_edit), not the bare row.
    return model_read(db, social.fork(db, user, model, versions[-1]), user)


@router.put("/market/{model_id}/star", response_model=StarState, summary="Star models")
def star_model(model_id: uuid.UUID, db: SessionDep, user: CurrentUser) -> StarState:
    model, _ = _published(db, user, model_id)
    return StarState(starred=True, star_count=social.star(db, user, model))


@router.delete("/market/{model_id}/star", response_model=StarState, summary="Unstar models")
def unstar_model(model_id: uuid.UUID, db: SessionDep, user: CurrentUser) -> StarState:
    model, _ = _published(db, user, model_id)
    return StarState(starred=False, star_count=social.unstar(db, user, model))


@router.get("/market/{model_id}/comments", response_model=list[CommentRead], summary="A model's comments, oldest first")
def list_comments(model_id: uuid.UUID, db: SessionDep, user: OptionalUser) -> list[CommentRead]:
    model, _ = _published(db, user, model_id)
    return [views.comment(c, model, user) for c in social.comments(db, model_id)]


@router.post(
    "/market/{model_id}/comments",
    response_model=CommentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Comment on models",
)
def add_comment(model_id: uuid.UUID, body: CommentBody, db: SessionDep, user: CurrentUser) -> CommentRead:
    model, _ = _published(db, user, model_id)
    return views.comment(social.add_comment(db, user, model, body.body), model, user)
