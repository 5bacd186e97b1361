"""Waking an API process's event streams when a run has new events in the database.

Any process may serve a run's event stream: the stream reads the stored events, and waits for a
wake-up between reads. The wake-ups come from:

- this process, when it stored events itself (an embedded worker, a queued or cancelled run);
- PostgreSQL NOTIFY from whichever worker stored them (one LISTEN connection per process);
- polling, on SQLite (no NOTIFY there): one indexed query every ``poll_s`` for all the runs this
  process streams, comparing each run's last ``seq``. On PostgreSQL the same poll runs ten times
  less often, as a safety net for a notification lost with a connection.

Callbacks run in the feed's threads; they must only hand over (``loop.call_soon_threadsafe``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from torchcanvas.db.models import RunEvent
from torchcanvas.runner.jobs import EVENTS_CHANNEL
from torchcanvas.runner.listen import PgListener

log = logging.getLogger("torchcanvas.runner")

Wake = Callable[[], None]


class EventFeed:
    def __init__(self, sessions: sessionmaker[Session], url: str, poll_s: float = 0.25) -> None:
        self.sessions = sessions
        self.postgres = url.startswith("postgresql")
        self.poll_s = poll_s * 10 if self.postgres else poll_s
        self._listener = (
            PgListener(url, [EVENTS_CHANNEL], self._notified, "torchcanvas-events") if self.postgres else None
        )
        self._subscribers: dict[int, list[Wake]] = {}
        self._seen: dict[int, int] = {}  # run id -> the last seq the poll saw
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="torchcanvas-events-poll", daemon=True)

    def start(self) -> None:
        if self._listener is not None:
            self._listener.start()
        self._poller.start()

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.stop()
        if self._poller.is_alive():
            self._poller.join(5)

    def subscribe(self, run_id: int, wake: Wake) -> Callable[[], None]:
        """Call ``wake()`` whenever run ``run_id`` may have new events; returns the unsubscribe."""
        with self._lock:
            self._subscribers.setdefault(run_id, []).append(wake)

        def unsubscribe() -> None:
            with self._lock:
                wakes = self._subscribers.get(run_id, [])
                with contextlib.suppress(ValueError):
                    wakes.remove(wake)
                if not wakes:
                    self._subscribers.pop(run_id, None)
                    self._seen.pop(run_id, None)

        return unsubscribe

    def poke(self, run_id: int) -> None:
        """Run ``run_id`` has new events: wake its streams."""
        with self._lock:
            wakes = list(self._subscribers.get(run_id, ()))
        for wake in wakes:
            try:
                wake()
            except Exception:  # a closed stream's loop: it unsubscribes on its own
                log.debug("event feed: a wake-up failed", exc_info=True)

    def _notified(self, _channel: str, payload: str | None) -> None:
        if payload is None:  # (re)connected: anything may have happened meanwhile
            with self._lock:
                runs = list(self._subscribers)
            for run_id in runs:
                self.poke(run_id)
        elif payload.isdigit():
            self.poke(int(payload))

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_s):
            with self._lock:
                runs = list(self._subscribers)
            if not runs:
                continue
            try:
                with self.sessions() as s:
                    rows = s.execute(
                        select(RunEvent.run_id, func.max(RunEvent.seq))
                        .where(RunEvent.run_id.in_(runs))
                        .group_by(RunEvent.run_id)
                    ).all()
            except Exception:  # the database is busy or away for a moment: next time
                log.debug("event feed: poll failed", exc_info=True)
                continue
            changed = []
            with self._lock:
                for run_id, seq in rows:
                    if run_id in self._subscribers and self._seen.get(run_id) != seq:
                        self._seen[run_id] = seq
                        changed.append(run_id)
            for run_id in changed:
                self.poke(run_id)
