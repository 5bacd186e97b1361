"""``/health`` answers quickly while a long check of a large valid document runs: the check's
work happens in a worker thread, not on the event loop (torchcanvas.api.work).

It needs the real server (tests/live_server.py): the in-process ASGI client runs requests one
after another and cannot show a blocked loop.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from tests.api.hostile_docs import LARGE_VALID
from tests.live_server import LiveServer

# Generous: on the loop, a /health sent during the check waited for all of it (seconds).
HEALTH_S = 1.0


def test_health_stays_fast_during_a_long_check(tmp_path: Path) -> None:
    with LiveServer(tmp_path / "data", env={"TORCHCANVAS_RUN_WARM_START": "false"}) as server:
        answer: list[httpx.Response] = []
        check = threading.Thread(target=lambda: answer.append(server.api.post("check", json=LARGE_VALID, timeout=300)))
        check.start()
        latencies = []
        with httpx.Client(base_url=server.api.base_url, timeout=30) as probe:
            while check.is_alive():
                started = time.perf_counter()
                assert probe.get("health").status_code == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.05)
        check.join()
        assert answer[0].status_code == 200 and answer[0].json()["ok"], answer[0].text[:500]
        assert max(latencies) < HEALTH_S, f"/health took {max(latencies):.2f} s during the check"
        assert len(latencies) >= 3, "the check ended too soon to show anything"
