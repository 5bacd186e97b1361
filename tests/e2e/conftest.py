"""Fixtures for the browser tests: the real server in a subprocess and a headless Chromium.

The server runs on a free port with a temp data dir (so saved models never touch ./data), and
serves the built front end from src/torchcanvas/static: build it first with
``cd web && npm run build``. Chromium is the system one (``/usr/bin/chromium``) unless
``TORCHCANVAS_CHROMIUM`` names another; an empty value uses Playwright's own download.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import ARTIFACTS, CHROMIUM_ARGS, Server

ROOT = Path(__file__).resolve().parents[2]
STATIC_INDEX = ROOT / "src" / "torchcanvas" / "static" / "index.html"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    if not STATIC_INDEX.is_file():
        pytest.fail(
            f"{STATIC_INDEX.relative_to(ROOT)} is missing: the web app is not built. "
            "Run `cd web && npm ci && npm run build`, then rerun the e2e tests.",
            pytrace=False,
        )
    port = _free_port()
    data_dir = tempfile.mkdtemp(prefix="torchcanvas-e2e-")
    log = open(Path(data_dir) / "server.log", "w+")  # noqa: SIM115 (closed below, after the process)
    env = {**os.environ, "TORCHCANVAS_DATA_DIR": data_dir}
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from torchcanvas.api import serve; serve('127.0.0.1', {port})"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"the server exited with {proc.returncode}:\n{log.read()[-3000:]}", pytrace=False)
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the server did not answer /api/v1/health within 60 s", pytrace=False)
        time.sleep(0.2)
    try:
        yield Server(url=url, api=httpx.Client(base_url=f"{url}/api/v1", timeout=30))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
