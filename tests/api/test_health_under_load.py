"""``/health`` answers quickly while a long check of a large valid document runs: the check's
work happens in a worker thread, not on the event loop (torchcanvas.api.work).

It needs the real server (tests/live_server.py): the in-process ASGI client runs requests one
after another and cannot show a blocked loop.
"""

from __future__ import annotations

from pathlib import Path

from tests.api.hostile_docs import LARGE_VALID
from tests.live_server import LiveServer, health_during

# Generous: on the loop, a /health sent during the check waited for all of it (seconds).
HEALTH_S = 1.0


def test_health_stays_fast_during_a_long_check(tmp_path: Path) -> None:
    with LiveServer(tmp_path / "data", env={"TORCHCANVAS_RUN_WARM_START": "false"}) as server:
        latencies, answer = health_during(server, "check", LARGE_VALID, pause_s=0.05)
        assert answer.status_code == 200 and answer.json()["ok"], answer.text[:500]
        assert max(latencies) < HEALTH_S, f"/health took {max(latencies):.2f} s during the check"
        assert len(latencies) >= 3, "the check ended too soon to show anything"
