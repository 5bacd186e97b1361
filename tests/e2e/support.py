"""Helpers for the browser tests: where things are on the canvas, and user gestures on it.

Positions are in flow coordinates (those of ``node.position`` in the document); the helpers
turn them into screen points through the React Flow viewport transform, so a test reads like
"drop a Conv2d at (300, 130)" whatever the pan and zoom.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.live_server import LiveServer, ServerError

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Where a drop lands relative to the new node's top-left corner (Canvas.tsx onDrop: p - (90, 30)).
DROP_OFFSET = (90, 30)


@dataclass
class Server:
    url: str
    api: httpx.Client


PASSWORD = "correct horse battery"
SESSION_COOKIE = "tc_session"


@dataclass
class Account:
    """A user signed up through the API: `api` sends its session cookie and CSRF token, and
    `cookies` put the same session into a browser context (editor_page(account=...))."""

    username: str
    password: str
    api: httpx.Client
    cookies: list[dict[str, str]]


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def sign_up(server: Server, username: str | None = None, password: str = PASSWORD) -> Account:
    """A fresh account. A server without accounts (no /auth/signup) gives the anonymous client,
    so the tests run against either."""
    username = username or unique_name("e2e")
    client = httpx.Client(base_url=str(server.api.base_url), timeout=30)
    r = client.post("/auth/signup", json={"username": username, "password": password, "email": None})
    if r.status_code in (404, 405):
        client.close()
        return Account(username, password, server.api, [])
    assert r.status_code == 201, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    session = client.cookies.get(SESSION_COOKIE)
    assert session, f"signup set no {SESSION_COOKIE} cookie: {r.headers.get('set-cookie')}"
    return Account(username, password, client, [{"name": SESSION_COOKIE, "value": session, "url": server.url}])


def edge_id(source: str, target: str, source_port: str = "out", target_port: str = "in") -> str:
    return f"{source}:{source_port}->{target}:{target_port}"


class Editor:
    """The editor page, driven the way a user drives it: mouse on the canvas, keys, the panel."""

    def __init__(self, page: Page, artifacts: Path):
        self.page = page
        self.artifacts = artifacts

    def tid(self, test_id: str) -> Locator:
        return self.page.get_by_test_id(test_id)

    def node(self, nid: str) -> Locator:
        return self.tid(f"node-{nid}")

    def edge(self, source: str, target: str, source_port: str = "out", target_port: str = "in") -> Locator:
        return self.tid(f"rf__edge-{edge_id(source, target, source_port, target_port)}")

    def shot(self, name: str) -> None:
        """A screenshot into the artifacts, its name suffixed with the viewport size (a test run
        at two sizes keeps both)."""
        self.page.wait_for_timeout(250)  # let the fit/centre animations (150-200 ms) settle
        size = self.page.viewport_size
        suffix = f"_{size['width']}x{size['height']}" if size else ""
        if suffix and name.endswith(suffix):
            suffix = ""
        self.page.screenshot(path=str(self.artifacts / f"{name}{suffix}.png"))

    def no_sideways_scroll(self) -> None:
        """The page is no wider than the window: nothing pushes it into a horizontal scroll."""
        width = self.page.evaluate("window.innerWidth")
        overflow = self.page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"the page scrolls sideways at {self.page.viewport_size}: {overflow} > {width} px"

    # --- coordinates ----------------------------------------------------------------------

    def viewport(self) -> tuple[float, float, float]:
        style = self.page.locator(".react-flow__viewport").get_attribute("style") or ""
        m = re.search(r"translate\(([-\d.e]+)px,\s*([-\d.e]+)px\)\s*scale\(([-\d.e]+)\)", style)
        assert m, f"unexpected viewport transform: {style!r}"
        return float(m[1]), float(m[2]), float(m[3])

    def to_screen(self, fx: float, fy: float) -> tuple[float, float]:
        box = self.page.locator(".react-flow").bounding_box()
        assert box
        tx, ty, z = self.viewport()
        return box["x"] + tx + fx * z, box["y"] + ty + fy * z

    # --- gestures -------------------------------------------------------------------------

    def drop(self, palette_test_id: str, fx: float, fy: float) -> None:
        """Drag a palette entry onto the canvas (HTML5 drag and drop) so the node lands at (fx, fy)."""
        _, _, z = self.viewport()
        sx, sy = self.to_screen(fx + DROP_OFFSET[0] / z, fy + DROP_OFFSET[1] / z)
        canvas = self.tid("canvas")
        box = canvas.bounding_box()
        assert box and box["x"] < sx < box["x"] + box["width"] and box["y"] < sy < box["y"] + box["height"], (
            f"drop point {sx, sy} is outside the canvas {box}"
        )
        self.tid(palette_test_id).drag_to(canvas, target_position={"x": sx - box["x"], "y": sy - box["y"]})

    def connect(self, source: str, target: str, source_port: str = "out", target_port: str = "in") -> None:
        """Drag from an output handle to an input handle; waits for the edge to exist."""
        mouse = self.page.mouse
        self.settle()
        a = self._centre(self.tid(f"handle-{source}-out-{source_port}"))
        b = self._centre(self.tid(f"handle-{target}-in-{target_port}"))
        mouse.move(*a)
        mouse.down()
        mouse.move(a[0] + 5, a[1] + 5, steps=2)  # past React Flow's drag threshold
        mouse.move(*b, steps=8)
        mouse.up()
        expect(self.edge(source, target, source_port, target_port)).to_have_count(1)

    def _centre(self, loc: Locator) -> tuple[float, float]:
        """The centre of an element once it stops moving (a node resizes when its check result
        arrives, and its handles move with it)."""
        expect(loc).to_be_visible()
        box = loc.bounding_box()
        for _ in range(20):
            self.page.wait_for_timeout(60)
            again = loc.bounding_box()
            if again == box:
                break
            box = again
        assert box
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def settle(self) -> None:
        """Wait for the live check (debounced 150 ms) to come back (whatever it found: the status
        reads "✓" only for a model without errors or warnings)."""
        self.page.wait_for_timeout(200)
        expect(self.tid("check-status")).to_have_attribute("data-state", "done")

    def select(self, nid: str, add: bool = False) -> None:
        self.node(nid).locator(".tc-node-head").click(modifiers=["Control"] if add else None)

    def set_param(self, name: str, value: str) -> None:
        """Type a value into the params panel field of the selected node (applied on Enter)."""
        field = self.tid(f"param-{name}")
        field.fill(value)
        field.press("Enter")
        expect(field).to_have_value(value)

    def blur(self) -> None:
        """Leave any text field, so that canvas shortcuts (Ctrl+Z, Delete, ...) apply."""
        self.page.evaluate("document.activeElement && document.activeElement.blur()")

    def press(self, keys: str) -> None:
        self.blur()
        self.page.keyboard.press(keys)

    def zoom_to(self, nid: str, zoom: float = 0.8) -> None:
        """Zoom in with the mouse wheel over a node (edge labels hide below zoom 0.4)."""
        for _ in range(12):
            if self.viewport()[2] >= zoom:
                break
            x, y = self._centre(self.node(nid))
            self.page.mouse.move(x, y)
            self.page.mouse.wheel(0, -300)
            self.page.wait_for_timeout(100)

    def beside(self, nid: str, dx: float, dy: float) -> tuple[float, float]:
        """Flow coordinates `dx` right of a node (or left of it where the canvas has no room on
        the right) and `dy` below its top."""
        tx, ty, z = self.viewport()
        box = self.node(nid).bounding_box()
        canvas = self.page.locator(".react-flow").bounding_box()
        assert box and canvas
        fx, fy = (box["x"] - canvas["x"] - tx) / z, (box["y"] - canvas["y"] - ty) / z
        right = box["x"] + (dx + 200) * z < canvas["x"] + canvas["width"]
        return (fx + dx if right else fx - dx), fy + dy

    def node_ids(self) -> set[str]:
        return set(self.page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)"))

    def error_nodes(self) -> list[str]:
        return self.page.locator(".react-flow__node .tc-node.error").evaluate_all(
            "els => els.map(e => e.dataset.testid.slice(5))"
        )


@contextmanager
def editor_page(
    browser: Browser,
    artifacts: Path,
    width: int = 1440,
    height: int = 900,
    timeout_ms: int = 10_000,
    account: Account | None = None,
) -> Iterator[Editor]:
    """A fresh browser context and page (signed in as `account`, if given), failing the test on
    any uncaught error in the page."""
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    if account and account.cookies:
        context.add_cookies(account.cookies)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield Editor(page, artifacts)
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@contextmanager
def live_server(prefix: str, env: dict[str, str] | None = None, startup_s: float = 180) -> Iterator[Server]:
    """A server on a temp data dir, stopped and its data dir removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    live = LiveServer(data_dir, env=env or {}, startup_s=startup_s)
    try:
        try:
            live.start()
        except ServerError as e:
            pytest.fail(str(e), pytrace=False)
        try:
            yield Server(url=live.url, api=live.api)
        finally:
            live.stop()
            live.api.close()
    finally:
        # The data dir (database, saved models, runs: about 12 MB) goes with the server; its
        # log is kept among the artifacts when the server failed to start or a test failed.
        log = data_dir / "server.log"
        if log.is_file():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            shutil.copyfile(log, ARTIFACTS / f"server-{prefix.strip('-')}-{worker}.log")
        shutil.rmtree(data_dir, ignore_errors=True)


# A zip of class folders of sklearn digits (ImageFolder layout), for tests that upload a data set
# (tests/e2e/test_datasets.py) or need a model trained on one.
from tests.datasets_support import image_folder_zip  # noqa: E402

__all__ = ["image_folder_zip", "upload_image_folder"]


def upload_image_folder(account: Account, folder: Path, name: str = "digits", **zip_options: object) -> dict:
    """Upload a digits zip (``image_folder_zip(..., **zip_options)``) as ``account``, through the
    API: the data set as ``GET /datasets/{id}`` reads it. Its ``choice`` is the training config's
    dataset that reads it, and ``input_shape`` / ``classes`` what a model for it takes and gives."""
    path = image_folder_zip(folder / f"{name}.zip", **zip_options)  # type: ignore[arg-type]
    r = account.api.post("/datasets", files={"file": (path.name, path.read_bytes())}, data={"name": name})
    assert r.status_code == 201, r.text
    return dict(r.json())


# --- the inference studio (tests/e2e/test_inference.py, test_own_data_journey.py) ------------------


def wait_succeeded(api: httpx.Client, run_id: int, timeout: float = 900) -> None:
    """Poll a run until it succeeds; fail at once when it ends otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        status = api.get(f"/runs/{run_id}").json()["status"]
        if status == "succeeded":
            return
        assert status in ("queued", "running"), f"run {run_id} ended {status}"
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(0.5)


def draw_a_one(ed: Editor) -> None:
    """A vertical stroke down the middle of the studio's draw pad."""
    pad = ed.tid("draw-pad")
    box = pad.bounding_box()
    assert box is not None
    x = box["x"] + box["width"] * 0.5
    ed.page.mouse.move(x, box["y"] + box["height"] * 0.15)
    ed.page.mouse.down()
    for i in range(1, 11):
        ed.page.mouse.move(x, box["y"] + box["height"] * (0.15 + 0.07 * i))
    ed.page.mouse.up()


def digit_png(index: int) -> bytes:
    """sklearn's digit number ``index``, enlarged to 32x32 as a user's picture of one would be."""
    import io

    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    img = load_digits().images[index] * (255 / 16)
    buf = io.BytesIO()
    Image.fromarray(img.astype(np.uint8), mode="L").resize((32, 32), Image.Resampling.NEAREST).save(buf, "PNG")
    return buf.getvalue()


def assert_browser_agrees(ed: Editor) -> None:
    """The Use panel's "Run in your browser" result: the same top-1 as the server, and every
    class shown (as many as the server's top-k bars) within 1e-4 of the server's probability."""
    result = ed.tid("browser-result")
    expect(result).to_be_visible(timeout=90_000)  # the first use loads 15 MB of wasm and exports the model
    assert result.get_attribute("data-same-top1") == "true"
    rows = ed.tid("browser-row")
    shown = ed.tid("prediction-bar").count()
    assert shown > 0 and rows.count() == shown, (rows.count(), shown)
    for i in range(rows.count()):
        server = float(rows.nth(i).get_attribute("data-server") or "nan")
        browser = float(rows.nth(i).get_attribute("data-browser") or "nan")
        assert abs(server - browser) < 1e-4, (i, server, browser)
    assert float(result.get_attribute("data-max-diff") or "nan") < 1e-4
    expect(ed.tid("browser-verification")).to_contain_text("verified on the server with onnxruntime")
    expect(ed.tid("browser-verification")).to_contain_text("dynamo exporter")
