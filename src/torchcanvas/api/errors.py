"""Errors a user can cause become 4xx JSON with a readable message; nothing user-made is a 500.

Shapes of the error bodies:
- request validation (422) and invalid JSON (400):
  ``{"detail": [{"loc": ["body", "nodes", 2, "params"], "message": "...", "node": "conv1"}]}``
  (``node`` names the graph node when the error lies inside one);
- a graph that cannot be used (422): ``{"detail": "...", "issues": [{message, node, param, fix, module, severity}]}``;
- a request that would cost more than a limit allows (422):
  ``{"detail": "...", "limit": {limit, where, value, maximum, fix, message}}``;
- everything else (404, 413, ...): ``{"detail": "..."}``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from torchcanvas.graph.validate import GraphError, Issue
from torchcanvas.limits import LimitExceeded

log = logging.getLogger("torchcanvas.api")
MAX_ERRORS = 50


def field_error(
    loc: Sequence[str | int], message: str, status_code: int = status.HTTP_422_UNPROCESSABLE_CONTENT
) -> HTTPException:
    """An error about one field of the request, in the same shape as a validation error."""
    return HTTPException(status_code, detail=[{"loc": list(loc), "message": message}])


def graph_error_response(issues: Sequence[Issue]) -> JSONResponse:
    n = len(issues)
    summary = (
        str(issues[0])
        if n == 1
        else f"the graph has {n} problems; the first: {issues[0]}"
        if n
        else "the graph is invalid"
    )
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": summary, "issues": [i.as_dict() for i in issues]},
    )


def _node_at(body: Any, loc: Sequence[str | int]) -> str | None:
    """The id of the innermost graph node that ``loc`` (a pydantic error location) points into."""
    node_id = None
    cur = body
    for i, part in enumerate(loc):
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            break
        if i > 0 and loc[i - 1] == "nodes" and isinstance(part, int) and isinstance(cur, dict):
            nid = cur.get("id")
            node_id = nid if isinstance(nid, str) else node_id
    return node_id


_NODE_KINDS = frozenset({"input", "output", "layer", "module"})


def _is_union_tag(loc: Sequence[str | int], i: int) -> bool:
    """Pydantic puts the node kind after a node's index (nodes.2.layer.params); noise to a reader."""
    return i >= 2 and loc[i] in _NODE_KINDS and isinstance(loc[i - 1], int) and loc[i - 2] == "nodes"


def _readable(error: dict[str, Any], body: Any) -> dict[str, Any]:
    loc = [p for p in error.get("loc", ()) if isinstance(p, str | int)]
    kind = error.get("type", "")
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return {
            "loc": ["body"],
            "message": f"the request body is not valid JSON{': ' + reason if reason else ''}",
            "type": kind,
        }
    where = ".".join(str(p) for i, p in enumerate(loc) if i > 0 and not _is_union_tag(loc, i))
    msg = error.get("msg", "invalid value")
    out: dict[str, Any] = {"loc": loc, "message": f"{where}: {msg}" if where else msg, "type": kind}
    if loc and loc[0] == "body" and (node := _node_at(body, loc[1:])):
        out["node"] = node
    return out


async def _validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    # A hostile 5,000-node document could produce 5,000 errors; the first ones are enough.
    errors = [_readable(e, exc.body) for e in raw[:MAX_ERRORS]]
    if len(raw) > MAX_ERRORS:
        errors.append({"loc": ["body"], "message": f"... and {len(raw) - MAX_ERRORS} more errors", "type": "truncated"})
    invalid_json = any(e["type"] == "json_invalid" for e in errors)
    code = status.HTTP_400_BAD_REQUEST if invalid_json else status.HTTP_422_UNPROCESSABLE_CONTENT
    return JSONResponse(status_code=code, content={"detail": errors})


async def _graph_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GraphError)
    return graph_error_response(exc.issues)


async def _limit_handler(_request: Request, exc: Exception) -> JSONResponse:
    # ``issues`` as a graph error has them, so the editor lists the refusal with the graph's
    # other problems (and keeps Train disabled) instead of a bare "check failed".
    assert isinstance(exc, LimitExceeded)
    issue = Issue(exc.summary, fix=exc.fix or None)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": str(exc), "limit": exc.as_dict(), "issues": [issue.as_dict()]},
    )


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    # A bug, not a user error: log the trace, tell the user only that it happened.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(status_code=500, content={"detail": "internal server error; see the server log"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(GraphError, _graph_error_handler)
    app.add_exception_handler(LimitExceeded, _limit_handler)
    app.add_exception_handler(Exception, _unexpected_handler)


# Bodies up to this size are scanned on the event loop: the hop to a thread would cost more.
SCAN_ON_LOOP_BYTES = 64 * 1024


def json_depth(body: bytes) -> int:
    """How deeply the arrays and objects in ``body`` nest (0 for a scalar), without parsing it.

    Vectorised passes over the bytes: a 2 MB body takes a few ms, where a recursive parser would
    meet a 100,000-level body with a RecursionError. Malformed JSON gets some number; the parser
    reports it afterwards.
    """
    if body.count(b"[") + body.count(b"{") == 0:
        return 0
    import numpy as np

    # Escaped backslashes, then escaped quotes, go first: every quote left opens or closes a
    # string. (A run of backslashes loses its pairs, left to right, as a JSON reader reads it.)
    text = np.frombuffer(body.replace(b"\\\\", b"").replace(b'\\"', b""), dtype=np.uint8)
    outside = np.cumsum(text == ord('"'), dtype=np.int32) % 2 == 0  # brackets in strings are text
    step = (
        (text == ord("[")).astype(np.int32) + (text == ord("{")) - (text == ord("]")) - (text == ord("}"))
    ) * outside
    return int(np.cumsum(step, dtype=np.int32).max(initial=0))


# A NUL character in a JSON string ("\u0000", escaped by an odd number of backslashes).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
NUL_REFUSED = "text may not contain NUL characters (\\u0000, %00): remove them"


def has_nul(scope: Scope) -> bool:
    """A NUL in the path or query string: PostgreSQL refuses NUL in text, with an error."""
    return b"%00" in scope.get("raw_path", b"") or b"%00" in scope.get("query_string", b"")


class UploadTooLarge(Exception):
    """An upload's body grew past its limit while the route read it (BodyGuard.uploads): 413."""


class BodyGuard:
    """Refuse request bodies over ``max_bytes`` with 413, whether announced or streamed, JSON
    bodies nested deeper than ``max_depth`` with 400, before anything parses them, and NUL
    characters in the URL or in JSON text with 400 (PostgreSQL cannot store them: an error, a
    500, deep in some query otherwise).

    Pure ASGI (not BaseHTTPMiddleware): the body is counted as it arrives, then handed on in one
    piece once its depth is known. Every JSON route is covered, whoever parses its body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int, uploads: dict[str, int] | None = None) -> None:
        self.app, self.max_bytes, self.max_depth = app, max_bytes, max_depth
        # POST paths that take a file as the raw body, with their own limit: the body streams
        # through (the route writes it to disk as it comes), counted, never held in memory here.
        self.uploads = uploads or {}

    def _too_large(self, limit: int | None = None) -> str:
        return f"the request body is larger than the limit of {limit or self.max_bytes} bytes"

    async def _upload(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise UploadTooLarge(self._too_large(limit))
            return message

        await self.app(scope, counted, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if has_nul(scope):
            await JSONResponse({"detail": NUL_REFUSED}, 400)(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        upload = self.uploads.get(scope["path"]) if scope["method"] == "POST" else None
        if length is not None:
            try:
                too_big = int(length) > (upload or self.max_bytes)
            except ValueError:
                await JSONResponse({"detail": "invalid Content-Length header"}, 400)(scope, receive, send)
                return
            if too_big:
                await JSONResponse({"detail": self._too_large(upload)}, 413)(scope, receive, send)
                return
        if upload is not None:
            await self._upload(scope, receive, send, upload)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return

        chunks, received = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await JSONResponse({"detail": self._too_large()}, 413)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        # JSON, or no type (FastAPI reads that as JSON too); an upload's bytes are not brackets.
        content_type = headers.get(b"content-type", b"").lower()
        if content_type and b"json" not in content_type:
            depth = 0
        elif len(body) <= SCAN_ON_LOOP_BYTES:
            depth = json_depth(body)
        else:  # about as long as json.loads of the same bytes: tens of ms, off the loop
            depth = await run_in_threadpool(json_depth, body)
        if depth and b"\\u0000" in body and _JSON_NUL.search(body):
            await JSONResponse({"detail": NUL_REFUSED}, 400)(scope, receive, send)
            return
        if depth > self.max_depth:
            detail = (
                f"the request body nests {depth} levels deep, over the limit of {self.max_depth}; "
                "a graph document needs far fewer"
            )
            await JSONResponse({"detail": detail}, 400)(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as Starlette expects

        await self.app(scope, replay, send)
