"""Market figures: 10,000 published models, then the latency of a search, a filtered search and
a model page (and the plain listing and trending), through the app in process (TestClient), on
SQLite and on PostgreSQL (a throwaway cluster, started as tests/api/conftest.py does).

Run: .venv/bin/python bench/market.py [--models 10000] [--repeat 200] [--skip-pg]

Goal: p99 <= 50 ms for each. Prints figures; asserts nothing (tests assert behaviour).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from tests.api.api_support import make_settings, mlp_graph  # noqa: E402
from torchcanvas.api import create_app  # noqa: E402
from torchcanvas.db.models import Publication, SavedModel, Star, User, utcnow  # noqa: E402
from torchcanvas.graph.model import Graph  # noqa: E402
from torchcanvas.market.markdown import render  # noqa: E402
from torchcanvas.market.thumbnail import render_svg  # noqa: E402

ARCHS = ["ResNet", "LeNet", "UNet", "Transformer", "LSTM", "GRU", "MLP", "VGG", "MobileNet", "Autoencoder"]
ADJECTIVES = ["tiny", "small", "deep", "wide", "residual", "dropout", "batchnorm", "fast", "robust", "simple"]
DATASETS = ["MNIST", "FashionMNIST", "CIFAR10", "LFWFaces", "Regression1D", "Iris", "Moons", "Spirals"]
TAGS = ["vision", "nlp", "tabular", "tutorial", "regularization", "classification", "regression", "seq", "gan", "demo"]
LAYERS = ["Conv2d", "Linear", "ReLU", "BatchNorm2d", "MaxPool2d", "Dropout", "LSTM", "Embedding", "GELU", "LayerNorm",
          "MultiheadAttention", "ConvTranspose2d", "Flatten", "Sigmoid", "Tanh", "AvgPool2d"]  # fmt: skip
USERS = 300
STARS = 30_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fill(c: TestClient, n: int, rng: random.Random) -> list[uuid.UUID]:
    """``n`` public models, each with one publication, and stars spread over 30 days."""
    graph = mlp_graph("Bench")
    thumbnail = render_svg(Graph.model_validate(graph))
    now = utcnow()
    users = [{"id": i + 1, "username": f"user{i}", "is_admin": False, "created_at": now} for i in range(USERS)]
    models, pubs = [], []
    for i in range(n):
        arch, adj, ds = rng.choice(ARCHS), rng.choice(ADJECTIVES), rng.choice(DATASETS)
        mid, at = uuid.uuid4(), now - timedelta(minutes=rng.randrange(60 * 24 * 90))
        title = f"{adj.capitalize()} {arch} for {ds} #{i}"
        description = f"A {adj} **{arch}** trained on {ds}. It uses {rng.choice(LAYERS)} blocks; see the notes."
        models.append({
            "id": mid, "owner_id": rng.randrange(USERS) + 1, "visibility": "public", "name": title[:100],
            "description": "", "graph": graph, "version": 1, "star_count": 0, "fork_count": rng.randrange(20),
            "created_at": at, "updated_at": at,
        })  # fmt: skip
        pubs.append({
            "model_id": mid, "number": 1, "model_version": 1, "is_latest": True, "title": title,
            "description": description, "description_html": render(description), "notes": "",
            "tags": rng.sample(TAGS, 3), "task": rng.choice(["classification", "regression", "other"]), "dataset": ds,
            "layer_types": " ".join(sorted(rng.sample(LAYERS, 5))), "params": rng.randrange(100, 50_000_000),
            "flops": rng.randrange(1_000, 10**10), "graph": graph, "thumbnail": thumbnail,
            "verified": rng.choice(["passed", "passed", "failed", "pending"]), "created_at": at,
        })  # fmt: skip
    stars: dict[tuple[int, uuid.UUID], dict[str, Any]] = {}
    for _ in range(STARS):
        uid, mid = rng.randrange(USERS) + 1, rng.choice(models)["id"]
        stars[(uid, mid)] = {"user_id": uid, "model_id": mid, "created_at": now - timedelta(hours=rng.randrange(720))}
    counts: dict[uuid.UUID, int] = {}
    for _, mid in stars:
        counts[mid] = counts.get(mid, 0) + 1
    for m in models:
        m["star_count"] = counts.get(m["id"], 0)
    with c.app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        for table, rows in ((User, users), (SavedModel, models), (Publication, pubs), (Star, list(stars.values()))):
            for start in range(0, len(rows), 2000):
                db.execute(insert(table), rows[start : start + 2000])
        db.commit()
        if db.get_bind().dialect.name == "postgresql":
            # Statistics, as autovacuum keeps them. (Not on SQLite, where nothing runs ANALYZE by
            # itself: its statistics of a column that is mostly NULL, forked_from_id, make the
            # planner scan the table for a model's forks.)
            db.execute(text("ANALYZE"))
            db.commit()
    return [m["id"] for m in models]


def measure(label: str, call: Callable[[], Any], repeat: int) -> None:
    call()  # warm caches and the statement cache
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = call()
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
    p99 = percentile(times, 0.99)
    print(
        f"  {label:<18} p50 {statistics.median(times):6.1f} ms   p99 {p99:6.1f} ms   {'ok' if p99 <= 50 else 'OVER 50 ms'}"
    )


def bench(db_url: str, n: int, repeat: int, tmp: Path) -> None:
    settings = make_settings(tmp, database_url=db_url, market={"verify": False, "seed_examples": False})
    rng = random.Random(0)
    with TestClient(create_app(settings)) as c:
        t0 = time.perf_counter()
        ids = fill(c, n, rng)
        print(f"  filled {n} published models in {time.perf_counter() - t0:.1f} s")
        words = [a.lower() for a in ARCHS] + ADJECTIVES
        measure("listing (stars)", lambda: c.get("/api/v1/market"), repeat)
        measure("trending", lambda: c.get("/api/v1/market", params={"sort": "trending"}), repeat)
        measure("search", lambda: c.get("/api/v1/market", params={"q": rng.choice(words)}), repeat)
        filtered = {"task": "classification", "min_params": 10_000, "max_params": 5_000_000, "verified": "true"}
        measure(
            "filtered search",
            lambda: c.get("/api/v1/market", params={"q": rng.choice(words), **filtered}),
            repeat,
        )
        measure("model page", lambda: c.get(f"/api/v1/market/{rng.choice(ids)}"), repeat)


@contextmanager
def postgres() -> Iterator[str]:
    from tests.api import conftest

    server_gen = conftest.pg_server.__wrapped__()  # the tests' throwaway cluster
    server = next(server_gen)
    try:
        name = "tc_market_bench"
        server.execute(f"CREATE DATABASE {name}")
        yield server.url(name)
    finally:
        next(server_gen, None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite (FTS5)")
        bench(f"sqlite:///{tmp}/bench.db", args.models, args.repeat, Path(tmp) / "sqlite")
        if not args.skip_pg:
            print("PostgreSQL (tsvector + GIN)")
            with postgres() as url:
                bench(url, args.models, args.repeat, Path(tmp) / "pg")


if __name__ == "__main__":
    main()
