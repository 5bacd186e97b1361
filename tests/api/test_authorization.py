"""The authorization matrix: every API route x {anonymous, owner, another user, admin} x
{private, unlisted, public}, each with its expected status.

The routes come from the app's route table: a route without a row here fails
``test_every_route_has_a_row``, so a new route cannot ship without its expectations. The rules
under test are ``torchcanvas.auth.policy``'s; the expectations below are written out by hand.

One app serves the whole module (the runner stopped: runs stay queued, nothing trains). alice
owns one model per visibility, each with a (cancelled) run and an experiment; bob is another
user; root, the first account, is the admin. A request that changes or deletes something gets
things of its own (``fresh``), so that the cases do not depend on one another's order.
"""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
import torch
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.api_support import AUTH, PASSWORD, mlp_graph, sign_up, signed_in
from tests.runner.support import runner_settings
from torchcanvas.api import create_app
from torchcanvas.auth import accounts
from torchcanvas.auth.config import Quotas

API = "/api/v1"
ROLES = ("anonymous", "owner", "other", "admin")
VISIBILITIES = ("private", "unlisted", "public")
Role = str
Vis = str | None
# A status, or a status and a text its detail must contain (two 404s that mean different things).
Expect = int | tuple[int, str]

# --- the expectations --------------------------------------------------------------------------


def everyone(status: int) -> Callable[[Role, Vis], Expect]:
    return lambda role, vis: status


def signed_in_only(status: int) -> Callable[[Role, Vis], Expect]:
    return lambda role, vis: 401 if role == "anonymous" else status


def owner_only(status: int) -> Callable[[Role, Vis], Expect]:
    """Change it or start its runs: 401 anonymous, 404 to everyone but the owner (the admin too)."""
    return lambda role, vis: {"anonymous": 401, "owner": status}.get(role, 404)


def owner_or_admin(status: int) -> Callable[[Role, Vis], Expect]:
    return lambda role, vis: {"anonymous": 401, "owner": status, "admin": status}.get(role, 404)


def signed_reader(status: int) -> Callable[[Role, Vis], Expect]:
    """Star, fork or comment: anyone signed in who may read the model."""
    read = readable(status)
    return lambda role, vis: 401 if role == "anonymous" else read(role, vis)


def readable(status: int = 200, detail: str | None = None) -> Callable[[Role, Vis], Expect]:
    """Public and unlisted things are read by anyone; private ones by the owner and the admin."""

    def expect(role: Role, vis: Vis) -> Expect:
        if vis != "private" or role in ("owner", "admin"):
            return (status, detail) if detail else status
        return (404, "there is no")

    return expect


def open_route(role: Role, vis: Vis) -> Expect:
    """Building needs no account: whatever the answer (422 for the empty body), not 401/403."""
    return -1


@dataclass(frozen=True)
class Row:
    expect: Callable[[Role, Vis], Expect]
    # What the case works on: shared things per visibility ("model"), things of its own
    # ("fresh_model", "fresh_run", "token"), a throwaway account per role ("account"), or
    # nothing ("open", "signed"). "comment": the owner's comment on the shared published model.
    scope: Literal[
        "model", "fresh_model", "fresh_run", "fresh_dataset", "comment", "token", "account", "open", "signed", "weights"
    ] = "model"
    body: Callable[[dict[str, Any]], Any] | None = None
    params: dict[str, str] = field(default_factory=dict)


def _graph_body(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"name": "changed", "graph": mlp_graph(hidden=ctx["n"])}


ROWS: dict[tuple[str, str], Row] = {
    # the documents, open to everyone
    ("GET", "/openapi.json"): Row(open_route, "open"),
    ("GET", "/docs"): Row(open_route, "open"),
    ("GET", "/health"): Row(open_route, "open"),
    ("GET", "/health/ready"): Row(open_route, "open"),
    ("GET", "/catalog"): Row(open_route, "open"),
    ("GET", "/defaults"): Row(open_route, "open"),
    ("POST", "/check"): Row(open_route, "open", body=lambda c: {}),
    ("POST", "/codegen"): Row(open_route, "open", body=lambda c: {}),
    ("POST", "/export/onnx"): Row(open_route, "open", body=lambda c: {}),
    ("GET", "/templates"): Row(open_route, "open"),
    ("GET", "/templates/{name}"): Row(open_route, "open"),
    ("GET", "/import/torchvision"): Row(open_route, "open"),
    ("POST", "/import"): Row(open_route, "open", body=lambda c: {}),
    ("GET", "/import/options"): Row(open_route, "open"),
    # pasted source runs code on the server: an account, and off by default (403 with the reason)
    ("POST", "/import/source"): Row(signed_in_only(403), "signed", body=lambda c: {"code": "x = 1", "name": "Net"}),
    ("POST", "/augment/preview"): Row(open_route, "open", body=lambda c: {}),
    ("GET", "/lab/lessons"): Row(open_route, "open"),
    ("POST", "/lab/dropout-scale"): Row(open_route, "open", body=lambda c: {}),
    ("GET", "/lab/normalization"): Row(open_route, "open"),
    ("POST", "/lab/normalization"): Row(open_route, "open", body=lambda c: {}),
    ("POST", "/lab/lessons/{lesson_id}/run"): Row(signed_in_only(201), "signed", body=lambda c: {"epochs": 1}),
    ("GET", "/lab/lessons/{lesson_id}/experiments"): Row(signed_in_only(200), "signed"),
    # accounts: each role acts on a throwaway account of its own (the admin's is an admin)
    ("GET", "/auth/me"): Row(everyone(200), "account"),
    ("POST", "/auth/signup"): Row(
        everyone(201), "account", body=lambda c: {"username": f"new-{c['n']}", "password": PASSWORD}
    ),
    ("POST", "/auth/login"): Row(everyone(200), "account", body=lambda c: {"username": c["me"], "password": PASSWORD}),
    ("POST", "/auth/logout"): Row(everyone(204), "account"),
    ("POST", "/auth/password"): Row(
        signed_in_only(204), "account", body=lambda c: {"current_password": PASSWORD, "new_password": PASSWORD + "!"}
    ),
    ("DELETE", "/auth/me"): Row(signed_in_only(204), "account", body=lambda c: {"password": PASSWORD}),
    ("GET", "/auth/tokens"): Row(signed_in_only(200), "account"),
    ("POST", "/auth/tokens"): Row(signed_in_only(201), "account", body=lambda c: {"name": "ci"}),
    ("DELETE", "/auth/tokens/{token_id}"): Row(owner_only(204), "token"),
    # saved models
    ("GET", "/models"): Row(signed_in_only(200), "signed"),
    ("POST", "/models"): Row(signed_in_only(201), "signed", body=lambda c: {"graph": mlp_graph()}),
    ("GET", "/models/{model_id}"): Row(readable()),
    ("PUT", "/models/{model_id}"): Row(owner_only(200), "fresh_model", body=_graph_body),
    ("PATCH", "/models/{model_id}"): Row(owner_only(200), "fresh_model", body=lambda c: {"visibility": "public"}),
    ("DELETE", "/models/{model_id}"): Row(owner_or_admin(204), "fresh_model"),
    ("POST", "/models/{model_id}/duplicate"): Row(owner_only(201), "fresh_model"),
    ("GET", "/models/{model_id}/versions"): Row(readable()),
    ("GET", "/models/{model_id}/versions/{number}"): Row(readable()),
    ("POST", "/models/{model_id}/versions/{number}/restore"): Row(owner_only(200), "fresh_model"),
    # runs: read with their model's visibility; started and cancelled by the owner alone
    ("POST", "/runs"): Row(owner_only(201), body=lambda c: {"model_id": c["model_id"]}),
    ("GET", "/runs"): Row(signed_in_only(200), "signed"),
    ("GET", "/runs/compare"): Row(readable(), params={"ids": "{run_id}"}),
    ("GET", "/runs/{run_id}"): Row(readable()),
    ("DELETE", "/runs/{run_id}"): Row(owner_only(200), "fresh_run"),
    ("PATCH", "/runs/{run_id}"): Row(owner_only(200), "fresh_run", body=lambda c: {"model_id": c["model_id"]}),
    ("GET", "/runs/{run_id}/events"): Row(readable()),
    ("GET", "/runs/{run_id}/histograms"): Row(readable()),
    ("GET", "/runs/{run_id}/log"): Row(readable()),
    ("GET", "/runs/{run_id}/checkpoint"): Row(readable()),
    ("GET", "/runs/{run_id}/tensorboard"): Row(readable(404, "no TensorBoard events")),
    ("GET", "/runs/{run_id}/files"): Row(readable()),
    # the inference studio: a run's model is used with the run's visibility; the shared runs'
    # checkpoint is not a real one, so a readable run answers 409 naming it
    ("GET", "/runs/{run_id}/inference"): Row(readable()),
    ("POST", "/runs/{run_id}/predict"): Row(readable(409, "checkpoint"), body=lambda c: {"sample": 0}),
    ("POST", "/runs/{run_id}/explain"): Row(readable(409, "checkpoint"), body=lambda c: {"sample": 0}),
    ("POST", "/runs/{run_id}/activations"): Row(
        readable(409, "checkpoint"), body=lambda c: {"sample": 0, "node": "fc1"}
    ),
    ("GET", "/runs/{run_id}/onnx"): Row(readable(409, "checkpoint")),
    ("GET", "/runs/{run_id}/curve"): Row(readable(409, "checkpoint")),
    # multipart only: a readable run answers the JSON body with 422 naming the form
    ("POST", "/runs/{run_id}/predict/batch"): Row(readable(422, "multipart"), body=lambda c: {"sample": 0}),
    ("GET", "/inference/runs"): Row(everyone(200), "signed"),
    ("POST", "/inference/demos"): Row(lambda role, vis: {"anonymous": 401, "admin": 202}.get(role, 403), "signed"),
    # experiments
    ("POST", "/experiments"): Row(
        owner_only(201),
        body=lambda c: {"model_id": c["model_id"], "axes": [{"path": "training.lr", "values": [0.01]}]},
    ),
    ("GET", "/experiments"): Row(signed_in_only(200), "signed"),
    ("GET", "/experiments/{experiment_id}"): Row(readable()),
    # uploaded data sets: read like models; changed by the owner, deleted by the owner or the admin.
    # A JSON body is no upload: 415 to anyone signed in.
    ("POST", "/datasets"): Row(signed_in_only(415), "signed", body=lambda c: {}),
    ("GET", "/datasets"): Row(everyone(200), "signed"),
    ("GET", "/datasets/{dataset_id}"): Row(readable()),
    ("PATCH", "/datasets/{dataset_id}"): Row(owner_only(200), "fresh_dataset", body=lambda c: {"visibility": "public"}),
    ("DELETE", "/datasets/{dataset_id}"): Row(owner_or_admin(204), "fresh_dataset"),
    # the market: the shared models are published, then set to their visibility
    ("GET", "/market"): Row(everyone(200), "signed"),
    ("GET", "/users/{username}"): Row(everyone(200), "signed"),
    ("POST", "/models/{model_id}/publish"): Row(owner_only(201), "fresh_model", body=lambda c: PUBLISH),
    ("GET", "/market/{model_id}"): Row(readable()),
    ("GET", "/market/{model_id}/versions/{number}"): Row(readable()),
    ("POST", "/market/{model_id}/fork"): Row(signed_reader(201)),
    ("PUT", "/market/{model_id}/star"): Row(signed_reader(200)),
    ("DELETE", "/market/{model_id}/star"): Row(signed_reader(200)),
    ("GET", "/market/{model_id}/comments"): Row(readable()),
    ("POST", "/market/{model_id}/comments"): Row(signed_reader(201), body=lambda c: {"body": "nice"}),
    # the comment is the owner's: its author edits it; the author (here the model's owner too) and
    # the admin delete it
    ("PATCH", "/comments/{comment_id}"): Row(owner_only(200), "comment", body=lambda c: {"body": "edited"}),
    ("DELETE", "/comments/{comment_id}"): Row(owner_or_admin(204), "comment"),
    # initial weights: private to their owner (the empty upload is refused, after the sign-in)
    ("POST", "/weights"): Row(signed_in_only(422), "signed"),
    ("GET", "/weights"): Row(signed_in_only(200), "signed"),
    ("DELETE", "/weights/{weights_id}"): Row(owner_only(204), "weights"),
    # the shared runs' checkpoint is not a real one: the owner's check answers 409 naming it
    ("POST", "/weights/check"): Row(
        owner_only(409), body=lambda c: {"model_id": c["model_id"], "init_from": {"run_id": c["run_id"]}}
    ),
}
PUBLISH = {"title": "Tiny MLP", "description": "A *small* model", "tags": ["mlp"], "visibility": "public"}


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path under /api/v1) of every route the app serves."""
    try:  # FastAPI >= 0.160 keeps included routers nested; this walks them
        from fastapi.routing import iter_route_contexts

        routes: Any = iter_route_contexts(app.routes)
    except ImportError:
        routes = app.routes
    found = set()
    for route in routes:
        path = getattr(route, "path", "") or ""
        if not path.startswith(API + "/"):
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, path.removeprefix(API)))
    return found


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    app: FastAPI
    clients: dict[Role, TestClient]
    shared: dict[str, dict[str, Any]]  # per visibility: model_id, run_id, experiment_id
    lesson: str
    counter: Iterator[int] = field(default_factory=itertools.count)

    @property
    def alice(self) -> TestClient:
        return self.clients["owner"]

    def model(self, vis: str) -> str:
        r = self.alice.post(f"{API}/models", json={"graph": mlp_graph()})
        assert r.status_code == 201, r.text
        model_id: str = r.json()["id"]
        if vis != "private":
            assert self.alice.patch(f"{API}/models/{model_id}", json={"visibility": vis}).status_code == 200
        return model_id

    def dataset(self, vis: str) -> int:
        csv = b"a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"
        n = next(self.counter)
        r = self.alice.post(f"{API}/datasets", files={"file": (f"t{n}.csv", csv)}, data={"visibility": vis})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def run(self, model_id: str) -> int:
        r = self.alice.post(f"{API}/runs", json={"model_id": model_id})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def throwaway(self, role: Role) -> tuple[TestClient, str]:
        """A client of a new account for ``role`` (anonymous: the account exists, the client is
        not signed in)."""
        name = f"{role}-{next(self.counter)}"
        client = TestClient(self.app, raise_server_exceptions=False)
        with self.app.state.sessionmaker() as db:
            accounts.create_user(db, name, PASSWORD, admin=role == "admin")
        if role == "anonymous":
            return client, name
        r = client.post(f"{AUTH}/login", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return client, name


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = runner_settings(
        tmp_path_factory.mktemp("authz"),
        run_warm_start=False,
        max_queued_runs=10_000,
        quotas=Quotas(queued_runs=10_000, models=10_000),
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as root:
        app.state.runner.stop()  # runs stay queued: nothing trains
        assert sign_up(root, "root")["is_admin"]
        clients = {
            "anonymous": TestClient(app, raise_server_exceptions=False),
            "owner": signed_in(app, "alice"),
            "other": signed_in(app, "bob"),
            "admin": root,
        }
        lessons = root.get(f"{API}/lab/lessons").json()
        world = World(app, clients, {}, lesson=next(x["id"] for x in lessons if x["experiment"]))
        for vis in VISIBILITIES:
            model_id = world.model("private")
            r = world.alice.post(f"{API}/models/{model_id}/publish", json=PUBLISH)
            assert r.status_code == 201, r.text
            assert world.alice.patch(f"{API}/models/{model_id}", json={"visibility": vis}).status_code == 200
            run_id = world.run(model_id)
            assert world.alice.delete(f"{API}/runs/{run_id}").status_code == 200  # its event stream ends
            checkpoint = app.state.runner.run_dir(run_id) / "runs" / "checkpoint.pt"
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            checkpoint.write_bytes(b"weights")
            r = world.alice.post(
                f"{API}/experiments", json={"model_id": model_id, "axes": [{"path": "training.lr", "values": [0.1]}]}
            )
            assert r.status_code == 201, r.text
            world.shared[vis] = {
                "model_id": model_id,
                "run_id": run_id,
                "experiment_id": r.json()["id"],
                "dataset_id": world.dataset(vis),
            }
        yield world


def _context(world: World, row: Row, role: Role, vis: Vis) -> tuple[TestClient, dict[str, Any]]:
    ctx: dict[str, Any] = {
        "n": next(world.counter),
        "number": 1,
        "name": "nope",
        "lesson_id": world.lesson,
        "username": "alice",
    }
    client = world.clients[role]
    if row.scope == "model":
        assert vis is not None
        ctx.update(world.shared[vis])
    elif row.scope in ("fresh_model", "fresh_run"):
        assert vis is not None
        ctx["model_id"] = world.model(vis)
        if row.scope == "fresh_run":
            ctx["run_id"] = world.run(ctx["model_id"])
    elif row.scope == "fresh_dataset":
        assert vis is not None
        ctx["dataset_id"] = world.dataset(vis)
    elif row.scope == "comment":
        assert vis is not None
        ctx.update(world.shared[vis])
        r = world.alice.post(f"{API}/market/{ctx['model_id']}/comments", json={"body": "mine"})
        assert r.status_code == 201, r.text
        ctx["comment_id"] = r.json()["id"]
    elif row.scope == "token":
        r = world.alice.post(f"{AUTH}/tokens", json={"name": "matrix"})
        ctx["token_id"] = r.json()["id"]
    elif row.scope == "account":
        client, ctx["me"] = world.throwaway(role)
    elif row.scope == "weights":
        buf = io.BytesIO()
        torch.save({"w": torch.zeros(2)}, buf)
        r = world.alice.post(f"{API}/weights", content=buf.getvalue(), params={"name": "w.pt"})
        assert r.status_code == 201, r.text
        ctx["weights_id"] = r.json()["id"]
    return client, ctx


def _visibilities(row: Row) -> tuple[Vis, ...]:
    return VISIBILITIES if row.scope in ("model", "fresh_model", "fresh_run", "fresh_dataset", "comment") else (None,)


# --- the tests ---------------------------------------------------------------------------------


def test_every_route_has_a_row(world: World) -> None:
    served = api_routes(world.app)
    missing = sorted(served - ROWS.keys())
    stale = sorted(ROWS.keys() - served)
    assert not missing, f"routes without a row in the authorization matrix; add their expectations: {missing}"
    assert not stale, f"rows for routes that no longer exist; remove them: {stale}"


@pytest.mark.parametrize(("method", "path"), sorted(ROWS), ids=[f"{m} {p}" for m, p in sorted(ROWS)])
def test_the_matrix(world: World, method: str, path: str) -> None:
    row = ROWS[(method, path)]
    wrong = []
    for role, vis in itertools.product(ROLES, _visibilities(row)):
        client, ctx = _context(world, row, role, vis)
        url = API + path.format(**ctx)
        params = {k: v.format(**ctx) for k, v in row.params.items()}
        body = row.body(ctx) if row.body else None
        r = client.request(method, url, params=params, json=body)
        expected = row.expect(role, vis)
        status, detail = expected if isinstance(expected, tuple) else (expected, None)
        if status == -1:  # open: any answer but a refusal
            ok = r.status_code not in (401, 403) and r.status_code < 500
        else:
            ok = r.status_code == status and (detail is None or detail in r.text)
        if not ok:
            wrong.append(f"{role} on {vis or '-'}: expected {expected}, got {r.status_code} {r.text[:120]}")
    assert not wrong, f"{method} {path}:\n" + "\n".join(wrong)


def test_a_model_others_may_not_change_is_not_changed(world: World) -> None:
    """The 404s of the matrix change nothing: the public model is as alice left it."""
    model_id = world.shared["public"]["model_id"]
    before = world.alice.get(f"{API}/models/{model_id}").json()
    for role in ("other", "admin"):
        client = world.clients[role]
        assert client.patch(f"{API}/models/{model_id}", json={"name": "mine now"}).status_code == 404
        seen = client.get(f"{API}/models/{model_id}").json()
        assert seen["can_edit"] is False and seen["owner"] == "alice"
    assert world.alice.get(f"{API}/models/{model_id}").json() == before
    assert before["can_edit"] is True and before["visibility"] == "public"


def test_run_listing_follows_the_model(world: World) -> None:
    """``GET /runs`` lists the caller's own runs; ``?model_id=`` a readable model's runs."""
    public, private = world.shared["public"], world.shared["private"]
    bob = world.clients["other"]
    assert {r["owner"] for r in bob.get(f"{API}/runs").json()["items"]} <= {"bob"}
    listed = bob.get(f"{API}/runs", params={"model_id": public["model_id"]}).json()
    assert public["run_id"] in [r["id"] for r in listed["items"]]
    assert all(r["owner"] == "alice" for r in listed["items"])
    assert bob.get(f"{API}/runs", params={"model_id": private["model_id"]}).status_code == 404
    anonymous = world.clients["anonymous"]
    assert anonymous.get(f"{API}/runs", params={"model_id": public["model_id"]}).status_code == 200
    mine = world.alice.get(f"{API}/runs").json()
    assert {s["run_id"] for s in world.shared.values()} <= {r["id"] for r in mine["items"]}


def test_models_list_only_your_own(world: World) -> None:
    ids = {m["id"] for m in world.clients["other"].get(f"{API}/models").json()["items"]}
    assert not ids & {s["model_id"] for s in world.shared.values()}
    mine = {m["id"] for m in world.alice.get(f"{API}/models", params={"limit": 500}).json()["items"]}
    assert {s["model_id"] for s in world.shared.values()} <= mine


def test_uuid_of_nothing_is_the_same_404(world: World) -> None:
    """A model that does not exist and one you may not see answer alike."""
    bob = world.clients["other"]
    hidden = bob.get(f"{API}/models/{world.shared['private']['model_id']}")
    missing = bob.get(f"{API}/models/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].split(" with id ")[0] == missing.json()["detail"].split(" with id ")[0]
