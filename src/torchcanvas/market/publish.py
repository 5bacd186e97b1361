"""Publishing: a model's current version becomes the next immutable publication.

The work is split so that the route can put each part where it belongs: :func:`snapshot` is the
CPU-bound part (shape check, thumbnail; run in the CPU pool), :func:`run_result` and
:func:`store` touch the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from torchcanvas.catalog import catalog
from torchcanvas.db.models import Publication, Run, SavedModel, User, utcnow
from torchcanvas.graph.model import Graph, LayerNode
from torchcanvas.graph.validate import GraphError
from torchcanvas.limits import Limits
from torchcanvas.market.markdown import render
from torchcanvas.market.thumbnail import render_svg
from torchcanvas.runner import stored_events
from torchcanvas.runner.metrics import summarize
from torchcanvas.shapes import check_analysis
from torchcanvas.shapes.cost import analyze_within

Task = Literal["classification", "regression", "segmentation", "other"]
MAX_TAGS = 10
MAX_TAG_CHARS = 30
_TAG_JUNK = re.compile(r"[^a-z0-9+#.-]+")


class PublishRefused(ValueError):
    """A request that cannot be published as it is; ``field`` is the body field to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def normalise_tags(tags: list[str]) -> list[str]:
    """Lower case, words joined by '-', duplicates dropped, order kept: "Computer Vision" ->
    "computer-vision". Raises PublishRefused past MAX_TAGS tags or MAX_TAG_CHARS characters."""
    out: list[str] = []
    for raw in tags:
        tag = _TAG_JUNK.sub("-", raw.strip().lower()).strip("-")
        if len(tag) > MAX_TAG_CHARS:
            raise PublishRefused("tags", f"tag {tag[:40]!r} is {len(tag)} characters; shorten it to {MAX_TAG_CHARS}")
        if tag and tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise PublishRefused("tags", f"{len(out)} tags; keep the {MAX_TAGS} that describe the model best")
    return out


@dataclass(frozen=True)
class Snapshot:
    """What publishing computes from a graph."""

    params: int
    flops: int
    layer_types: str  # the distinct catalog types, space-separated, for search
    thumbnail: str
    task: Task  # the default when the publisher names none
    dataset: str


def default_task(graph: Graph) -> Task:
    """The task of the graph's data set, else of its loss (the catalog knows both), else "other"."""
    cat = catalog()
    dataset = cat.datasets.get(graph.training.dataset.type)
    # The market files detection models under "other" (its filters know classification and regression).
    if dataset is not None and dataset.task != "detection":
        return dataset.task
    loss = cat.losses.get(graph.training.loss.type)
    if loss is not None and loss.task in ("classification", "regression"):
        return "classification" if loss.task == "classification" else "regression"
    return "other"


def layer_types(graph: Graph) -> list[str]:
    bodies = [graph, *graph.modules]
    return sorted({n.type for body in bodies for n in body.nodes if isinstance(n, LayerNode)})


def snapshot(graph: Graph, limits: Limits) -> Snapshot:
    """Check the graph (a model with errors is not published: its numbers would be wrong and
    its code would not run) and compute the card's numbers and picture. CPU-bound."""
    analysis = analyze_within(graph, limits)
    if not analysis.ok:
        raise GraphError(analysis.issues)
    checked = check_analysis(analysis)
    return Snapshot(
        params=checked.total_params,
        flops=checked.total_flops,
        layer_types=" ".join(layer_types(graph)),
        thumbnail=render_svg(graph),
        task=default_task(graph),
        dataset=graph.training.dataset.type,
    )


def run_result(db: Session, user: User, model: SavedModel, run_id: int) -> dict[str, Any]:
    """The published result, read from a succeeded run of ``model`` that ``user`` owns: its last
    epoch's test accuracy (else test loss, else training loss), data set, epochs and seed."""
    run = db.get(Run, run_id)
    if run is None or run.model_id != model.id or run.owner_id != user.id:
        raise PublishRefused(
            "result_run_id", f"run {run_id} is not a run of this model of yours; pick one from its runs"
        )
    if run.status != "succeeded":
        raise PublishRefused(
            "result_run_id", f"run {run_id} {run.status}; only a succeeded run can be published as a result"
        )
    final = summarize(stored_events(db, run.id))["final"]
    if final is None:
        raise PublishRefused("result_run_id", f"run {run_id} recorded no metrics; pick a run that finished an epoch")
    metric = next((m for m in ("test_acc", "test_loss") if final.get(m) is not None), "train_loss")
    config = run.config
    return {
        "run_id": run.id,
        "metric": metric,
        "value": final[metric],
        "dataset": str((config.get("dataset") or {}).get("type", "")),
        "epochs": int(final["epoch"]),
        "seed": int(config.get("seed", 0)),
    }


@dataclass(frozen=True)
class Card:
    """The publisher's part of a publication."""

    title: str
    description: str
    notes: str
    tags: list[str]
    task: Task | None
    dataset: str | None
    visibility: str


def store(db: Session, model: SavedModel, card: Card, snap: Snapshot, result: dict[str, Any] | None) -> Publication:
    """Append the next publication of ``model``'s current version and make it the latest; commit.

    The UPDATE of the model's row comes first: it locks the row (on SQLite, the database) until
    the commit, so two publishes of one model at once cannot take the same number.
    """
    db.execute(
        update(SavedModel)
        .where(SavedModel.id == model.id)
        .values(visibility=card.visibility)
        .execution_options(synchronize_session=False)
    )
    model.visibility = card.visibility
    last = db.scalar(select(func.max(Publication.number)).where(Publication.model_id == model.id)) or 0
    db.execute(
        update(Publication)
        .where(Publication.model_id == model.id, Publication.is_latest)
        .values(is_latest=False)
        .execution_options(synchronize_session=False)
    )
    pub = Publication(
        model_id=model.id,
        number=last + 1,
        model_version=model.version,
        is_latest=True,
        title=card.title,
        description=card.description,
        description_html=render(card.description),
        notes=card.notes,
        tags=card.tags,
        task=card.task or snap.task,
        dataset=card.dataset if card.dataset is not None else snap.dataset,
        layer_types=snap.layer_types,
        params=snap.params,
        flops=snap.flops,
        graph=model.graph,
        thumbnail=snap.thumbnail,
        verified="pending",
        result_run_id=None if result is None else result["run_id"],
        result=result,
        created_at=utcnow(),
    )
    db.add(pub)
    db.commit()
    return pub
