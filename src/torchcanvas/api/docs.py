"""The API's documentation page (Swagger UI) at /api/v1/docs, served from this server alone.

FastAPI's own page loads Swagger UI from a CDN, so offline (or behind a strict firewall) it is
blank. Its files come from the ``swagger-ui-bundle-v2`` package instead, under
/api/v1/docs/assets; ``/docs``, where people look first, redirects to it (the editor's catch-all
would otherwise answer it with the editor).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]


def install(app: FastAPI, prefix: str) -> None:
    """Call before the editor's catch-all route (api/static.py): the first match wins."""
    docs, assets = f"{prefix}/docs", f"{prefix}/docs/assets"
    app.mount(assets, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get(docs, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{prefix}/openapi.json",
            title=f"{app.title}: API",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )

    @app.get("/docs", include_in_schema=False)
    def docs_redirect() -> RedirectResponse:
        return RedirectResponse(docs, status_code=308)
