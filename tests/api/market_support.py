"""Helpers for the market's API tests: accounts, owned models and runs made straight in the
database (the sign-up and owner-aware model routes belong to another part of the tree)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from torchcanvas.auth.sessions import create_token
from torchcanvas.db import crud
from torchcanvas.db.models import Run, RunEvent, SavedModel, User, utcnow

PUBLISH = {"title": "Tiny MLP", "description": "A **small** model", "tags": ["Tabular", "mlp"]}


@dataclass
class Account:
    id: int
    name: str
    headers: dict[str, str]


def account(c: TestClient, name: str, admin: bool = False) -> Account:
    with c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        user = User(username=name, is_admin=admin, created_at=utcnow())
        db.add(user)
        db.commit()
        _, secret = create_token(db, user, "tests")
        return Account(user.id, name, {"Authorization": f"Bearer {secret}"})


def saved_model(c: TestClient, owner: Account, graph: dict[str, Any], visibility: str = "private") -> str:
    with c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        model = crud.create(db, owner_id=owner.id, name=graph["name"], description="", graph=graph, thumbnail=None)
        model.owner_id, model.visibility = owner.id, visibility
        db.commit()
        return str(model.id)


def set_visibility(c: TestClient, model_id: str, visibility: str) -> None:
    with c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        model = db.get(SavedModel, uuid.UUID(model_id))
        assert model is not None
        model.visibility = visibility
        db.commit()


def finished_run(
    c: TestClient, owner: Account, model_id: str, status: str = "succeeded", test_acc: float | None = 0.95
) -> int:
    """A run of ``model_id`` as the runner would have stored it, with one epoch's metrics."""
    with c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        model = db.get(SavedModel, uuid.UUID(model_id))
        assert model is not None
        config = {"dataset": {"type": "Regression1D"}, "epochs": 3, "seed": 7, "batch_size": 8, "lr": 0.1}
        run = Run(owner_id=owner.id, name="r", status=status, model_id=model.id, config=config, graph=model.graph)
        db.add(run)
        db.flush()
        metrics = {"epoch": 3, "epochs": 3, "train_loss": 0.5, "test_loss": 0.25, "test_acc": test_acc}
        event = {"type": "epoch", "run_id": run.id, "seq": 1, "elapsed_seconds": 1.0, "eta_seconds": None, **metrics}
        db.add(RunEvent(run_id=run.id, seq=1, type="epoch", data=event))
        db.commit()
        return run.id


def publish(c: TestClient, who: Account, model_id: str, **body: Any) -> dict[str, Any]:
    r = c.post(f"/api/v1/models/{model_id}/publish", json={**PUBLISH, **body}, headers=who.headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out
