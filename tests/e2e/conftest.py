"""Fixtures for the browser tests: the real server in a subprocess and a headless Chromium.

The server runs on a free port with a temp data dir (so saved models never touch ./data), and
serves the built front end from src/torchcanvas/static: build it first with
``cd web && npm run build``. Chromium is the system one (``/usr/bin/chromium``) unless
``TORCHCANVAS_CHROMIUM`` names another; an empty value uses Playwright's own download.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import ARTIFACTS, CHROMIUM_ARGS, Account, Server, live_server, sign_up

ROOT = Path(__file__).resolve().parents[2]
STATIC_INDEX = ROOT / "src" / "torchcanvas" / "static" / "index.html"


# Session-scoped: under pytest-xdist each worker is its own session, so each gets its own server
# and data dir (and browser), and the tests, which set up their own state, share nothing else.
@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    if not STATIC_INDEX.is_file():
        pytest.fail(
            f"{STATIC_INDEX.relative_to(ROOT)} is missing: the web app is not built. "
            "Run `cd web && npm ci && npm run build`, then rerun the e2e tests.",
            pytrace=False,
        )
    # The market as a newcomer finds it: the examples published (tests/conftest.py turns the
    # seeding off for the other servers). Their verification stays off: a torch import each.
    # A loaded machine (xdist workers each starting a server and a browser) can take over a
    # minute to import torch and seed the market.
    with live_server("torchcanvas-e2e-", {"TORCHCANVAS_MARKET__SEED_EXAMPLES": "true"}, startup_s=180) as s:
        yield s


# The two screens the editor must work on: a desktop and a small laptop (the top bar fits, the
# page never scrolls sideways, the runs drawer leaves the canvas usable). Tests about layout take
# `viewport` and pass it to editor_page(..., *viewport) to run at both sizes.
VIEWPORTS = {"1600x1000": (1600, 1000), "1280x720": (1280, 720)}


@pytest.fixture(params=list(VIEWPORTS.values()), ids=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> tuple[int, int]:
    size: tuple[int, int] = request.param
    return size


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    exe = os.environ.get("TORCHCANVAS_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe or None, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def site_admin(server: Server) -> Account:
    """The first account of a server becomes its admin: take that place before any test user
    does, so that test users are ordinary ones (an admin may delete what others own)."""
    return sign_up(server, "e2e-admin")


@pytest.fixture
def account(server: Server, site_admin: Account) -> Account:
    """A fresh user of this test's own, signed up through the API. Pass it to
    ``editor_page(..., account=account)`` for a signed-in browser, and use ``account.api`` for
    the calls that need it (saving, training, reading its private models)."""
    return sign_up(server)
