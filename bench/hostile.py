"""Hostile-input figures, against the real server (tests/live_server.py) on a temp data dir.

Run: .venv/bin/python bench/hostile.py [--skip-over-limit] [--budget SECONDS]

- /health latency (p50, p99, max) while the largest valid document of the tests
  (``WORST_ALLOWED``: 19,689 module instances, just under the default limit) is being checked (goal: p99 <= 50 ms);
- the thread hop's cost: a small /check's median latency, and CpuPool.run of a no-op in process;
- for each over-limit example of issue 7 (``OVER_LIMIT`` in tests/api/hostile_docs.py): the
  status and the time to answer it (goal: a 422 in <= 100 ms). Each runs on a fresh server that
  is killed right after the answer, so that work the server goes on doing past its time budget
  (a thread cannot be stopped) does not spill into the next figure;
- the peak RSS of every server (VmHWM), the largest of them last.

Prints figures; asserts nothing (tests assert behaviour).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.api_support import mlp_graph  # noqa: E402
from tests.api.hostile_docs import OVER_LIMIT, WORST_ALLOWED  # noqa: E402
from tests.live_server import LiveServer, health_during  # noqa: E402


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def health_during_check(server: LiveServer) -> tuple[list[float], float, int]:
    """/health latencies (s) while WORST_ALLOWED is checked; the check's time and status."""
    started = time.perf_counter()
    latencies, answer = health_during(server, "check", WORST_ALLOWED, pause_s=0.01)
    return latencies, time.perf_counter() - started, answer.status_code


def small_check_ms(server: LiveServer, n: int = 50) -> float:
    body = mlp_graph()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        server.api.post("check", json=body)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def pool_hop_us(n: int = 2000) -> float:
    from torchcanvas.api.work import CpuPool
    from torchcanvas.limits import Limits

    pool = CpuPool(Limits())

    async def hops() -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            await pool.run(int)
        return (time.perf_counter() - t0) / n

    try:
        return asyncio.run(hops()) * 1e6
    finally:
        pool.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-over-limit", action="store_true", help="only the /health and thread-hop figures")
    parser.add_argument("--budget", type=float, default=10.0, help="the server's request time budget (s)")
    args = parser.parse_args()
    env = {"TORCHCANVAS_RUN_WARM_START": "false", "TORCHCANVAS_LIMITS__REQUEST_TIME_BUDGET_S": str(args.budget)}
    peaks: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        with LiveServer(Path(tmp) / "load", env={**env, "TORCHCANVAS_LIMITS__REQUEST_TIME_BUDGET_S": "600"}) as server:
            server.api.post("check", json=mlp_graph())  # warm: the catalog is built on first use
            latencies, seconds, status = health_during_check(server)
            small = small_check_ms(server)
            peaks.append(peak_rss_mb(server.pid))
        print(f"/health during a {seconds:.1f} s check of WORST_ALLOWED ({status}), {len(latencies)} probes:")
        print(
            f"  p50 {percentile(latencies, 0.5) * 1000:.1f} ms   p99 {percentile(latencies, 0.99) * 1000:.1f} ms   "
            f"max {max(latencies) * 1000:.1f} ms   (goal: p99 <= 50 ms)"
        )
        print(f"small /check median {small:.1f} ms; CpuPool.run hop {pool_hop_us():.0f} us per call (in process)")

        if not args.skip_over_limit:
            print(f"\n{'over-limit example':<50} {'status':>6} {'time':>10}   (goal: 422 in <= 100 ms)")
            for i, example in enumerate(OVER_LIMIT):
                server = LiveServer(Path(tmp) / f"over{i}", env=env)
                server.start()
                try:
                    server.api.get("catalog")  # warm
                    t0 = time.perf_counter()
                    try:
                        r = server.api.post(example.path.lstrip("/"), json=example.body, timeout=args.budget + 60)
                        status_text = str(r.status_code)
                    except httpx.HTTPError as exc:
                        status_text = type(exc).__name__
                    elapsed = time.perf_counter() - t0
                    peaks.append(peak_rss_mb(server.pid))
                finally:
                    server.kill()
                    server.api.close()
                print(f"{example.name:<50} {status_text:>6} {elapsed * 1000:>8.0f} ms")
    print(f"\npeak server RSS: {max(peaks):.0f} MB (per server: {', '.join(f'{p:.0f}' for p in peaks)})")


if __name__ == "__main__":
    main()
