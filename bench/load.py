"""Many users at once: ``torchcanvas serve`` with 1 API process and with the default, side by side.

Run: .venv/bin/python bench/load.py [--seconds 12] [--clients 50] [--workers 1,2]

For each ``--workers`` value the script starts ``torchcanvas serve --workers N`` on a temp data dir
(SQLite, as ``make run``; its run worker in a separate process), and measures:

- *open loop*: ``--clients`` simulated editors, each sending a one-node edit of the ResNet-50
  graph to ``POST /api/v1/check`` once a second, on its own clock whatever the answers do (a
  slow answer does not hold the next edit back, as in a browser): p50, p99, errors. Goal: p99 <=
  100 ms, no errors.
- *closed loop*: ``--clients`` clients, each sending the next edit as soon as the last is
  answered: throughput, p50, p99. Goals: throughput >= 1.8x the single process's, p99 <= 3x p50
  (nobody starves while others are served).
- ``/api/v1/health`` every 50 ms, on a connection of its own, while 2 runs train and the open loop
  runs: p99. Goal <= 50 ms.
- Train -> first metric: ``POST /runs`` of the seed MLP to its first progress or epoch event on
  the run's event stream, after the app has been idle (the worker has its warm launcher ready).
  Goal <= 1 s.

The driver is our own asyncio + httpx, as bench/web.py ``--check``'s: an open loop needs every
editor to send on its own schedule, which locust's users (each waits for its answer, then for its
wait_time) do not do; it adds no dependency, and its figures compare with bench/web.py's. The
load generator shares the machine's cores with the server (2 here): the figures are a floor.

Each edit sets the last layer's out_features to a value no earlier request had, so no API
process's node cache answers for the edited node (as bench/web.py does it).

Prints figures and whether each goal is met; asserts nothing (tests assert behaviour).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402  (after the sys.path line, like bench/core.py)

from bench.graphs import resnet50  # noqa: E402
from tests.live_server import free_port  # noqa: E402

PASSWORD = "load bench password"
HEALTH_EVERY_S = 0.05
TRAINING_RUNS = 2
# The goals of issue 9.
GOAL_OPEN_P99_MS = 100
GOAL_SPEEDUP = 1.8
GOAL_FAIRNESS = 3.0  # closed loop p99 / p50
GOAL_HEALTH_P99_MS = 50
GOAL_FIRST_METRIC_S = 1.0


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q / 100 * (len(xs) - 1)))]


# --- the server --------------------------------------------------------------------------------


def _python_env(extra: dict[str, str]) -> dict[str, str]:
    src = str(ROOT / "src")  # this checkout's code, whatever the venv's editable install points at
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, **extra}
    env.pop("TORCHCANVAS_DATABASE_URL", None)
    return env


def serve_has_workers_flag() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "torchcanvas.cli", "serve", "--help"],
        env=_python_env({}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return "--workers" in done.stdout


class Serve:
    """``torchcanvas serve [--workers N]`` in a subprocess on a temp data dir, until stop()."""

    def __init__(self, workers: int | None) -> None:
        self.workers = workers
        self.data_dir = Path(tempfile.mkdtemp(prefix="torchcanvas-load-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.data_dir / "serve.log"
        env = _python_env(
            {
                "TORCHCANVAS_DATA_DIR": str(self.data_dir),
                "TORCHCANVAS_RUN_TORCH_THREADS": "1",  # small models on a shared 2-core machine
                "TORCHCANVAS_MAX_CONCURRENT_RUNS": str(TRAINING_RUNS),
                "TORCHCANVAS_QUOTAS__CONCURRENT_RUNS": str(TRAINING_RUNS),
                # The market's seeding verifies each example in a fresh Python at start-up: not the figure.
                "TORCHCANVAS_MARKET__SEED_EXAMPLES": "false",
                "TORCHCANVAS_MARKET__VERIFY": "false",
            }
        )
        cmd = [sys.executable, "-m", "torchcanvas.cli", "serve", "--port", str(self.port)]
        if workers is not None:
            cmd += ["--workers", str(workers)]
        with open(self.log, "ab") as out:
            # A session of its own: stop() signals serve, its API processes and its run worker together.
            self.proc = subprocess.Popen(
                cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_started(self, timeout: float = 400) -> None:
        """Until every API process has started (uvicorn logs one line per process) and answers."""
        expected = max(1, self.workers or 1)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"serve exited with {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"serve did not start in {timeout:.0f} s:\n{self.tail()}")
            if self.log.read_text(errors="replace").count("Application startup complete") >= expected:
                try:
                    if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        with contextlib.suppress(ProcessLookupError):  # anything of the group still alive (a run's processes)
            os.killpg(self.proc.pid, signal.SIGKILL)


# --- the load ----------------------------------------------------------------------------------


def edits() -> Iterator[bytes]:
    """The ResNet-50 graph as request bodies, each with the last layer's out_features new."""
    doc = resnet50()
    fc = next(n for n in doc["nodes"] if n["id"] == "fc")
    fc["params"]["out_features"] = "__EDIT__"
    template = json.dumps(doc).encode()
    for i in itertools.count():
        yield template.replace(b'"__EDIT__"', str(1000 + i).encode())


@dataclass
class Sample:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    late_s: float = 0.0  # the open loop's worst lag behind its own schedule
    wall_s: float = 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p99(self) -> float:
        return pct(self.latencies_ms, 99)

    @property
    def sent(self) -> int:
        return len(self.latencies_ms) + len(self.errors)


async def _check(c: httpx.AsyncClient, body: bytes, out: Sample) -> None:
    t = time.perf_counter()
    try:
        r = await c.post("/api/v1/check", content=body, headers={"content-type": "application/json"})
    except httpx.HTTPError as e:
        out.errors.append(type(e).__name__)
        return
    if r.status_code == 200:
        out.latencies_ms.append((time.perf_counter() - t) * 1e3)
    else:
        out.errors.append(str(r.status_code))


def _client(url: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=url, limits=limits, timeout=60)


async def open_loop(url: str, bodies: Iterator[bytes], editors: int, seconds: float) -> Sample:
    out = Sample()
    loop = asyncio.get_running_loop()
    async with _client(url, editors * 2) as c:
        start = loop.time() + 0.2

        async def editor(i: int) -> None:
            pending = []
            for k in itertools.count():
                at = start + i / editors + k  # editors spread over each second
                if at >= start + seconds:
                    break
                await asyncio.sleep(max(0.0, at - loop.time()))
                out.late_s = max(out.late_s, loop.time() - at)
                pending.append(asyncio.create_task(_check(c, next(bodies), out)))
            await asyncio.gather(*pending)

        t = time.perf_counter()
        await asyncio.gather(*(editor(i) for i in range(editors)))
        out.wall_s = time.perf_counter() - t
    return out


async def closed_loop(url: str, bodies: Iterator[bytes], clients: int, seconds: float) -> Sample:
    out = Sample()
    async with _client(url, clients) as c:
        end = time.perf_counter() + seconds

        async def client() -> None:
            while time.perf_counter() < end:
                await _check(c, next(bodies), out)

        t = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        out.wall_s = time.perf_counter() - t
    return out


async def health_while(url: str, work: asyncio.Future[Any]) -> list[float]:
    """``/health`` latencies (ms), one every HEALTH_EVERY_S on a connection of its own, until ``work`` is done."""
    out = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as probe:
        while not work.done():
            t = time.perf_counter()
            r = await probe.get("/api/v1/health")
            if r.status_code == 200:
                out.append((time.perf_counter() - t) * 1e3)
            await asyncio.sleep(HEALTH_EVERY_S)
    return out


# --- runs --------------------------------------------------------------------------------------


def account(url: str) -> dict[str, str]:
    """A bench account's API token, as headers."""
    with httpx.Client(base_url=f"{url}/api/v1", timeout=60) as c:
        r = c.post("/auth/signup", json={"username": "loadbench", "password": PASSWORD})
        r.raise_for_status()
        r = c.post("/auth/tokens", json={"name": "bench"}, headers={"X-CSRF-Token": r.json()["csrf_token"]})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['token']}"}


def mlp(epochs: int) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((ROOT / "examples" / "seed_mlp_weight_decay.json").read_text())
    doc["training"]["epochs"] = epochs
    return doc


async def first_metric(url: str, auth: dict[str, str]) -> float:
    """Seconds from POST /runs to the run's first progress or epoch event; the run is then cancelled."""
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", headers=auth, timeout=120) as c:
        t = time.perf_counter()
        r = await c.post("/runs", json={"graph": mlp(100_000)})
        r.raise_for_status()
        run_id = r.json()["id"]
        took = float("nan")
        try:
            async with c.stream("GET", f"/runs/{run_id}/events") as stream:
                async for line in stream.aiter_lines():
                    if not line.startswith("data: "):
                        continue
                    event = json.loads(line[6:])
                    if event["type"] in ("progress", "epoch"):
                        took = time.perf_counter() - t
                        break
                    if event["type"] == "finished":
                        print(f"    (run {run_id} {event.get('status')}: {event.get('error')})")
                        break
        finally:
            with contextlib.suppress(httpx.HTTPError):  # cancelled or not, the server stops at the end
                await c.delete(f"/runs/{run_id}")
        return took


def start_training(url: str, auth: dict[str, str], n: int, timeout: float = 120) -> list[int]:
    """``n`` long runs, once all of them are running."""
    with httpx.Client(base_url=f"{url}/api/v1", headers=auth, timeout=60) as c:
        ids = []
        for _ in range(n):
            r = c.post("/runs", json={"graph": mlp(100_000)})
            r.raise_for_status()
            ids.append(r.json()["id"])
        deadline = time.monotonic() + timeout
        while True:
            statuses = [c.get(f"/runs/{i}").json()["status"] for i in ids]
            if all(s == "running" for s in statuses):
                return ids
            if time.monotonic() > deadline or any(s not in ("queued", "running") for s in statuses):
                print(f"    (the training runs are {statuses}, not all running)")
                return ids
            time.sleep(0.3)


def stop_training(url: str, auth: dict[str, str], ids: list[int]) -> None:
    with httpx.Client(base_url=f"{url}/api/v1", headers=auth, timeout=120) as c:
        for i in ids:
            try:
                c.delete(f"/runs/{i}")
            except httpx.HTTPError as e:  # the server stops next anyway, and its runs with it
                print(f"    (cancelling run {i}: {type(e).__name__})")


# --- one server configuration ------------------------------------------------------------------


@dataclass
class Figures:
    label: str
    open: Sample
    closed: Sample
    health_ms: list[float]
    open_training: Sample
    first_metric_s: float


async def _open_with_health(
    url: str, bodies: Iterator[bytes], clients: int, seconds: float
) -> tuple[Sample, list[float]]:
    work = asyncio.ensure_future(open_loop(url, bodies, clients, seconds))
    health = await health_while(url, work)
    return await work, health


def measure(workers: int | None, clients: int, seconds: float) -> Figures:
    label = f"--workers {workers}" if workers is not None else "serve (1 process)"
    print(f"  {label}: starting ...", flush=True)
    server = Serve(workers)
    try:
        t = time.perf_counter()
        server.wait_started()
        print(f"  {label}: up in {time.perf_counter() - t:.0f} s; measuring", flush=True)
        bodies = edits()
        asyncio.run(closed_loop(server.url, bodies, clients, 3))  # warm: imports, caches, connections
        auth = account(server.url)
        opened = asyncio.run(open_loop(server.url, bodies, clients, seconds))
        closed = asyncio.run(closed_loop(server.url, bodies, clients, seconds))
        # The app has trained nothing yet: the worker's launcher is warm, as when a user presses Train.
        first = asyncio.run(first_metric(server.url, auth))
        runs = start_training(server.url, auth, TRAINING_RUNS)
        try:
            during, health = asyncio.run(_open_with_health(server.url, bodies, clients, seconds))
        finally:
            stop_training(server.url, auth, runs)
        return Figures(label, opened, closed, health, during, first)
    finally:
        server.stop()


# --- the report --------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(figures: list[Figures], clients: int, seconds: float, separate_worker: bool) -> None:
    w = 22
    print()
    print(
        f"POST /api/v1/check, ResNet-50 graph, one-node edits; {clients} clients; {seconds:g} s per phase; "
        f"{os.cpu_count()} CPU cores shared with this load generator; SQLite"
    )
    print(f"{'':44}" + "".join(f"{f.label:>{w}}" for f in figures) + "   goal")

    def row(name: str, values: list[str], goal: str = "") -> None:
        print(f"  {name:42}" + "".join(f"{v:>{w}}" for v in values) + (f"   {goal}" if goal else ""))

    def ms(x: float) -> str:
        return f"{x:.1f} ms"

    print(f"open loop: {clients} editors, one edit a second each")
    row("p50", [ms(f.open.p50) for f in figures])
    row(
        "p99",
        [f"{ms(f.open.p99)} {_verdict(f.open.p99 <= GOAL_OPEN_P99_MS)}" for f in figures],
        f"p99 <= {GOAL_OPEN_P99_MS} ms",
    )
    row("errors / sent", [f"{len(f.open.errors)} / {f.open.sent}" for f in figures], "0 errors")
    row("generator's worst lag behind schedule", [ms(f.open.late_s * 1e3) for f in figures])
    print(f"closed loop: {clients} clients back to back")
    row("throughput", [f"{len(f.closed.latencies_ms) / f.closed.wall_s:.1f} req/s" for f in figures])
    row("p50", [ms(f.closed.p50) for f in figures])
    row("p99", [ms(f.closed.p99) for f in figures])
    fair = [f.closed.p99 / f.closed.p50 for f in figures]
    row("p99 / p50", [f"{x:.2f} {_verdict(x <= GOAL_FAIRNESS)}" for x in fair], f"<= {GOAL_FAIRNESS:g}")
    row("errors / sent", [f"{len(f.closed.errors)} / {f.closed.sent}" for f in figures])
    if len(figures) > 1:
        base = len(figures[0].closed.latencies_ms) / figures[0].closed.wall_s
        ratios = [len(f.closed.latencies_ms) / f.closed.wall_s / base for f in figures]
        row(
            f"throughput / {figures[0].label}'s",
            [f"{r:.2f}x" + (f" {_verdict(r >= GOAL_SPEEDUP)}" if i else "") for i, r in enumerate(ratios)],
            f">= {GOAL_SPEEDUP:g}x",
        )
    print(f"while {TRAINING_RUNS} runs train and the open loop runs")
    row(
        "/health p99",
        [f"{ms(pct(f.health_ms, 99))} {_verdict(pct(f.health_ms, 99) <= GOAL_HEALTH_P99_MS)}" for f in figures],
        f"p99 <= {GOAL_HEALTH_P99_MS} ms",
    )
    row("/health max (probes)", [f"{ms(max(f.health_ms, default=float('nan')))} ({len(f.health_ms)})" for f in figures])
    row("/check p99, errors", [f"{ms(f.open_training.p99)}, {len(f.open_training.errors)}" for f in figures])
    where = (
        "through the separate run worker" if separate_worker else "through the embedded runner: no separate worker yet"
    )
    print(f"Train -> first metric ({where}; seed MLP, POST /runs to the first event)")
    row(
        "time",
        [f"{f.first_metric_s:.2f} s {_verdict(f.first_metric_s <= GOAL_FIRST_METRIC_S)}" for f in figures],
        f"<= {GOAL_FIRST_METRIC_S:g} s",
    )
    errors = {e for f in figures for s in (f.open, f.closed, f.open_training) for e in s.errors}
    if errors:
        print(f"  errors seen: {', '.join(sorted(errors))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=12, help="length of each measured phase (default 12)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", default="1,2", help="API process counts to compare (default 1,2: serve's default)")
    args = ap.parse_args()
    if serve_has_workers_flag():
        configs: list[int | None] = [int(x) for x in args.workers.split(",")]
        separate_worker = True
    else:
        print(
            "torchcanvas serve has no --workers flag here (issue 9's API processes and run workers are not "
            "merged): measuring the single process only, with its embedded runner; no throughput ratio"
        )
        configs, separate_worker = [None], False
    figures = []
    for w in configs:
        try:
            figures.append(measure(w, args.clients, args.seconds))
        except (httpx.HTTPError, SystemExit) as e:  # the others' figures are still worth printing
            print(f"  --workers {w}: not measured: {type(e).__name__}: {e}")
    if figures:
        report(figures, args.clients, args.seconds, separate_worker)


if __name__ == "__main__":
    main()
