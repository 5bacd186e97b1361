"""The built front end (Vite output in ``src/torchcanvas/static``), served at ``/``.

Paths that are not files fall back to index.html so that the browser app's own routes survive
a reload; paths under /api never do, so a mistyped API call gets a JSON 404, not a web page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, status
from fastapi.responses import FileResponse, HTMLResponse, Response

from torchcanvas.settings import Settings

# A missing file with one of these suffixes is a 404, not the page: a browser would try to run
# the HTML as a script or a style sheet.
ASSET_SUFFIXES = frozenset(
    {".js", ".mjs", ".css", ".map", ".png", ".jpg", ".svg", ".ico", ".woff", ".woff2", ".json", ".wasm"}
)

PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>torchcanvas</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}
code{background:#eee;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>torchcanvas: the web app is not built</h1>
<p>The API is running (<a href="/api/v1/docs">/api/v1/docs</a>), but there is no front end in
<code>{folder}</code>.</p>
<p>Build it from a source checkout with <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>,
or install a released package, which includes it.</p></body></html>
"""


def install(app: FastAPI, settings: Settings) -> None:
    root = settings.resolved_static_dir.resolve()

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def frontend(path: str) -> Response:
        if path == "api" or path.startswith("api/"):
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no API route /{path}")
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(PLACEHOLDER.replace("{folder}", str(root)))
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                # Vite puts a content hash in every asset's name, so they never change.
                cache = "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
                return FileResponse(candidate, headers={"Cache-Control": cache})
            if path.startswith("assets/") or Path(path).suffix in ASSET_SUFFIXES:
                raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no file /{path}")
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
