"""The market's request and response bodies (the contract: prompts' accounts_contract.md, "Market")."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from torchcanvas.api.deps import MAX_ID
from torchcanvas.api.routes.models import UtcDatetime
from torchcanvas.market.publish import MAX_TAG_CHARS, MAX_TAGS, Task

Verified = Literal["passed", "failed", "pending"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CommentText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class PublishBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    description: str = Field(default="", max_length=20_000, description="Markdown")
    # Each tag is normalised (market.publish.normalise_tags); the bounds here only cap the work.
    tags: list[Annotated[str, Field(max_length=MAX_TAG_CHARS * 4)]] = Field(
        default_factory=list, max_length=MAX_TAGS * 4
    )
    task: Task | None = Field(default=None, description="Defaults to the task of the graph's data set or loss")
    dataset: str | None = Field(default=None, max_length=64, description="Defaults to the graph's data set")
    notes: str = Field(default="", max_length=5_000, description="What changed in this version")
    result_run_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="A succeeded run of this model")
    visibility: Literal["public", "unlisted"] = "public"


class RunResult(BaseModel):
    run_id: int
    metric: str
    value: float
    dataset: str
    epochs: int
    seed: int


class PublishedVersion(BaseModel):
    number: int
    model_version: int
    title: str
    notes: str
    created_at: UtcDatetime
    verified: Verified
    verify_error: str | None = Field(description="Only for the owner and the admin; null for others")
    result: RunResult | None


class PublishedVersionRead(PublishedVersion):
    graph: dict[str, JsonValue]
    description_html: str


class MarketCard(BaseModel):
    id: uuid.UUID = Field(description="The model's id")
    title: str
    summary: str = Field(description="Plain text, at most 200 characters, from the description")
    tags: list[str]
    task: str
    dataset: str | None
    params: int
    flops: int
    thumbnail: str | None = Field(description="An SVG document")
    owner: str | None = Field(description="The owner's username; null: a deleted user")
    star_count: int
    fork_count: int
    verified: Verified
    version: int = Field(description="The latest published version's number")
    published_at: UtcDatetime
    starred: bool = Field(description="Starred by the caller")


class MarketPage(BaseModel):
    items: list[MarketCard]
    count: int = Field(description="The number of matches in all")
    page: int
    page_size: int


class ForkedFrom(BaseModel):
    model_id: uuid.UUID
    owner: str | None
    name: str
    version: int


class ForkRef(BaseModel):
    id: uuid.UUID
    name: str
    owner: str | None


class MarketModel(MarketCard):
    description_html: str
    description: str
    graph: dict[str, JsonValue] = Field(description="The latest published graph")
    versions: list[PublishedVersion]
    forked_from: ForkedFrom | None
    forks: list[ForkRef] = Field(description="Public forks, newest first, up to 50")
    can_edit: bool


class StarState(BaseModel):
    starred: bool
    star_count: int


class CommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: CommentText = Field(description="Markdown")


class CommentRead(BaseModel):
    id: int
    author: str | None
    body: str
    body_html: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    can_edit: bool
    can_delete: bool


class UserProfile(BaseModel):
    username: str
    created_at: UtcDatetime
    models: list[MarketCard] = Field(description="Public models, most recently published first")
    starred: list[MarketCard] = Field(description="Public models this user starred, most recently starred first")
