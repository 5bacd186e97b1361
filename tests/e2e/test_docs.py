"""The API docs in a real Chromium with the outside world blocked: /docs leads to Swagger UI at
/api/v1/docs, which draws every operation from this server's own files."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.e2e.support import Server, editor_page

pytestmark = pytest.mark.e2e


def test_api_docs_render_offline(browser: Browser, artifacts: Path, server: Server) -> None:
    outside: list[str] = []

    def only_this_server(route: Route) -> None:
        if urlparse(route.request.url).hostname in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with editor_page(browser, artifacts, 1280, 720) as ed:
        ed.page.route("**/*", only_this_server)
        ed.page.goto(f"{server.url}/docs", wait_until="domcontentloaded", timeout=60_000)
        assert urlparse(ed.page.url).path == "/api/v1/docs"
        # Swagger UI fetches and renders the whole OpenAPI document: seconds on a busy machine.
        expect(ed.page.locator(".swagger-ui .info .title")).to_contain_text("torchcanvas", timeout=60_000)
        operations = ed.page.locator(".opblock")
        expect(operations.first).to_be_visible(timeout=15_000)
        assert operations.count() > 40, "every route of the API is listed"
        expect(ed.page.locator(".opblock-summary-path", has_text="/api/v1/check").first).to_be_visible()
        ed.shot("50_api_docs_offline")
        ed.no_sideways_scroll()
    assert outside == [], f"the docs page asked for {outside}"
