"""PostgreSQL LISTEN: one connection per process, in a thread, handing notifications to a callback.

The workers NOTIFY when they store events (channel ``torchcanvas_run_events``, the run id as
payload) and the API NOTIFYs when it queues a run (``torchcanvas_run_queue``). A lost connection
is opened again; after every (re)connection the callback gets ``(channel, None)`` for each channel,
since notifications sent meanwhile are lost: the listener looks at the database again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from sqlalchemy.engine import make_url

log = logging.getLogger("torchcanvas.runner")

Notified = Callable[[str, str | None], None]


class PgListener:
    def __init__(self, url: str, channels: Iterable[str], callback: Notified, name: str = "torchcanvas-listen") -> None:
        parsed = make_url(url)
        self._connect_args = {
            "host": parsed.host,
            "port": parsed.port,
            "user": parsed.username,
            "password": parsed.password,
            "dbname": parsed.database,
            **{k: v for k, v in parsed.query.items() if isinstance(v, str)},
        }
        self.channels = list(channels)
        self.callback = callback
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        import psycopg
        from psycopg import sql

        while not self._stop.is_set():
            try:
                args = {k: v for k, v in self._connect_args.items() if v is not None}
                with psycopg.connect(autocommit=True, connect_timeout=5, **args) as conn:  # type: ignore[arg-type]
                    for channel in self.channels:
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self.connected.set()
                    for channel in self.channels:
                        self.callback(channel, None)
                    while not self._stop.is_set():
                        for n in conn.notifies(timeout=1.0):
                            self.callback(n.channel, n.payload)
            except Exception as exc:  # the database restarted or went away: listen again shortly
                self.connected.clear()
                if not self._stop.is_set():
                    log.warning("LISTEN connection lost (%s); connecting again in 1 s", exc)
                    self._stop.wait(1.0)
