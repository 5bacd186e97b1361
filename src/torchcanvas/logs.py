"""Logs of the server and the run worker: plain lines for a terminal, or one JSON object per line.

``TORCHCANVAS_LOG_FORMAT=json`` turns every line, uvicorn's included, into an object a log
collector reads without a parsing rule::

    {"time": "2026-12-02T07:41:05.118Z", "level": "WARNING", "logger": "torchcanvas.runner",
     "message": "run 12: unreadable metric event: ...", "pid": 4242, "request_id": "5f0c...",
     "run_id": 12}

``request_id`` is the request being answered (set by the API's middleware, sent back as the
``X-Request-ID`` header), ``run_id`` the run being worked on (``with bind_run(run_id):`` in the
worker, or ``extra={"run_id": ...}`` on one call); either is left out where none is known.
``exception`` holds the formatted traceback of ``log.exception(...)``.

Both processes call :func:`configure_logging` once at start; ``serve`` also hands
:func:`logging_config` to uvicorn, whose worker processes are fresh interpreters that configure
their logging from it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torchcanvas.settings import Settings

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("torchcanvas_request_id", default=None)
run_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("torchcanvas_run_id", default=None)

PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


@contextmanager
def bind_run(run: int) -> Iterator[None]:
    """Lines logged inside the block (in this thread or task) carry ``run_id``."""
    token = run_id.set(run)
    try:
        yield
    finally:
        run_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (a traceback's newlines are escaped in the string)."""

    def __init__(self, use_colors: bool | None = None) -> None:
        super().__init__()  # use_colors: uvicorn sets it on its formatters when asked; no colours here

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            out["request_id"] = rid
        run = getattr(record, "run_id", None) or run_id.get()
        if run is not None:
            out["run_id"] = run
        # uvicorn's access line: its parts as fields, so that a collector need not parse the message.
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, _http, status = record.args
            out.update(client=client, method=method, path=path, status=status)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def logging_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the format and level in ``settings``: the root logger
    (torchcanvas.*, sqlalchemy, ...) and uvicorn's own loggers write to stderr.

    Plain: uvicorn's lines look as they always did; torchcanvas' lines get a time and a level.
    """
    level = settings.log_level
    if settings.log_format == "json":
        formatters: dict[str, Any] = {
            "default": {"()": "torchcanvas.logs.JsonFormatter"},
            "uvicorn": {"()": "torchcanvas.logs.JsonFormatter"},
            "access": {"()": "torchcanvas.logs.JsonFormatter"},
        }
    else:
        formatters = {
            "default": {"format": PLAIN_FORMAT},
            "uvicorn": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"},
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
        }
    handlers = {
        name: {"class": "logging.StreamHandler", "formatter": name, "stream": "ext://sys.stderr"} for name in formatters
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "handlers": handlers,
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": ["uvicorn"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
    }


def configure_logging(settings: Settings) -> None:
    """Set up this process's logging from ``settings`` (TORCHCANVAS_LOG_FORMAT, _LOG_LEVEL)."""
    logging.config.dictConfig(logging_config(settings))
