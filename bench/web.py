"""Web figures: editor frame rate on a 1,000-node graph, and /api/v1/check latency under load.

Run: .venv/bin/python bench/web.py [--fps] [--check] [--screenshot] [--train]   (all by default)

- fps: headless Chromium opens a saved 1,000-node graph (``wide(1000)``) at ``#/model/<id>``;
  prints the time from navigation to the first node on screen and to the first shapes, then
  pans with the mouse for a few seconds while a requestAnimationFrame loop records frame times
  (goal: >= 60 FPS at every zoom; open <= 500 ms). Twice: the graph as built (one deep column, so a fit view shows part of
  it) and the same nodes on a 40 x 25 grid (a fit view shows all 1,000 at once).
- check: p50/p99/throughput of ``POST /api/v1/check`` with the ResNet-50-sized graph under 50
  concurrent clients (goal: p99 <= 100 ms), against uvicorn in a subprocess; then, in process,
  where one request's time goes (parse + validate, the check, serializing the result).
- screenshot: docs/screenshot.png, 1440 x 900, the LeNet_bn template with shapes on the edges
  and the Summary tab.
- train: the time from pressing Start in the Train popover to the first metric in the browser
  (goal <= 2 s).

Prints figures; asserts nothing (tests assert behaviour). The server runs on a temp data dir.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402  (after the sys.path line, like bench/core.py)

from bench.graphs import resnet50, wide  # noqa: E402
from tests.e2e.support import CHROMIUM_ARGS, Server, sign_up  # noqa: E402  (the flags this machine's Chromium needs)
from tests.live_server import LiveServer  # noqa: E402

CHROMIUM = os.environ.get("TORCHCANVAS_CHROMIUM", "/usr/bin/chromium")
CLIENTS = 50


# --- server --------------------------------------------------------------------------------


@contextmanager
def server() -> Iterator[str]:
    with LiveServer(Path(tempfile.mkdtemp(prefix="torchcanvas-bench-"))) as live:
        yield live.url


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q / 100 * (len(xs) - 1)))]


# --- frames per second ---------------------------------------------------------------------

# Installed before the app loads: when the model's first node and first shape appear (ms since
# the navigation to it), and a requestAnimationFrame loop that records frame times on demand. Far
# out, a big graph is one canvas (canvas/Overview.tsx): the first node is its first drawing, and
# the first shape the first drawing after the check (which colours errors). Only the model's own
# nodes count (open_model names them): the editor shows a new document (x, y) until it arrives,
# and its output node's "—" is text in a shape field.
PROBE = """
(() => {
  const t = { firstNode: null, firstShape: null, nav: 0, want: null, n: null };
  window.__tc = t;
  const ours = () => [...document.querySelectorAll('.react-flow__node')].filter(e => t.want && t.want.has(e.dataset.id));
  new MutationObserver(() => {
    if (t.want === null) return;
    const o = document.querySelector('.tc-overview[data-nodes]');
    const drawn = o && o.dataset.nodes === String(t.n);
    const nodes = ours();
    if (t.firstNode === null && (nodes.length || drawn)) t.firstNode = performance.now();
    if (t.firstShape === null) {
      const shaped = nodes.some(e => (e.querySelector('.tc-node-shape')?.textContent || '').startsWith('('));
      if (shaped || (drawn && o.dataset.checked === '1')) t.firstShape = performance.now();
    }
  }).observe(document, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['data-nodes', 'data-checked'] });
  window.__frames = null;
  const tick = (now) => { if (window.__frames) window.__frames.push(now); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})();
"""


def grid(doc: dict[str, Any], cols: int = 40) -> dict[str, Any]:
    """The same graph with its nodes on a grid (row-major, in document order)."""
    doc = copy.deepcopy(doc)
    for i, n in enumerate(doc["nodes"]):
        n["position"] = {"x": (i % cols) * 240, "y": (i // cols) * 140}
    return doc


def open_model(page: Any, url: str, doc: dict[str, Any]) -> dict[str, float]:
    """Go to the model ``doc`` at ``url`` in the loaded app (a same-document navigation: the
    times count from it, not from the page's load) until its first node and shape show."""
    ids = [n["id"] for n in doc["nodes"] if n["id"] not in ("x", "y")]  # not the new document's
    page.evaluate(
        "([ids, n]) => Object.assign(window.__tc, "
        "{ want: new Set(ids), n, firstNode: null, firstShape: null, nav: performance.now() })",
        [ids, len(doc["nodes"])],
    )
    page.goto(url)
    page.wait_for_function("window.__tc.firstNode !== null && window.__tc.firstShape !== null", timeout=120_000)
    first_node, first_shape = page.evaluate(
        "[window.__tc.firstNode - window.__tc.nav, window.__tc.firstShape - window.__tc.nav]"
    )
    page.wait_for_timeout(800)  # the initial fit-view animation
    return {"first_node_ms": first_node, "first_shape_ms": first_shape}


_EMPTY_POINT = """b => {
    // A point of the bare pane near its centre: a drag that starts on a node moves the node.
    for (let r = 0; r <= 0.45; r += 0.05)
        for (let a = 0; a < 2 * Math.PI; a += Math.PI / 8) {
            const x = b.x + b.width * (0.5 + r * Math.cos(a)), y = b.y + b.height * (0.5 + r * Math.sin(a));
            const el = document.elementFromPoint(x, y);
            if (el && el.classList.contains('react-flow__pane')) return [x, y];
        }
    return null;
}"""
_TRANSFORM = "getComputedStyle(document.querySelector('.react-flow__viewport')).transform"


def _pan_once(page: Any, seconds: float) -> dict[str, float] | None:
    box = page.locator(".react-flow__pane").bounding_box()
    point = page.evaluate(_EMPTY_POINT, box)
    if point is None:
        return None
    cx, cy = point
    before = page.evaluate(_TRANSFORM)
    page.evaluate("window.__frames = []")
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 40, cy + 30, steps=4)
    moved = page.evaluate(_TRANSFORM) != before
    t0 = time.perf_counter()
    i = 0
    while time.perf_counter() - t0 < seconds:
        i += 1
        dx, dy = 200 * ((i % 40) / 20 - 1), 150 * (((i + 10) % 40) / 20 - 1)
        page.mouse.move(cx + dx, cy + dy, steps=4)
    page.mouse.up()
    frames = page.evaluate("(() => { const f = window.__frames; window.__frames = null; return f; })()")
    if not moved or len(frames) < 2:
        return None  # nothing panned: frames of an idle page say nothing
    deltas = [b - a for a, b in itertools.pairwise(frames)]
    return {
        "fps": (len(frames) - 1) / ((frames[-1] - frames[0]) / 1e3),
        "p50_ms": statistics.median(deltas),
        "p95_ms": pct(deltas, 95),
        "max_ms": max(deltas),
    }


def pan(page: Any, seconds: float = 3.0, repeat: int = 3) -> dict[str, float]:
    """Drag the bare pane in a slow circle for ``seconds``, ``repeat`` times, recording
    requestAnimationFrame times; the median run's figures (one run varies by +-5 FPS here)."""
    rendered = page.locator(".react-flow__node").count()
    zoom = page.evaluate(f"+{_TRANSFORM}.split('(')[1].split(',')[0]")
    runs = [r for r in (_pan_once(page, seconds) for _ in range(repeat)) if r is not None]
    if not runs:
        return {
            "rendered": rendered,
            "zoom": zoom,
            "fps": float("nan"),
            "p50_ms": float("nan"),
            "p95_ms": float("nan"),
            "max_ms": float("nan"),
        }
    runs.sort(key=lambda r: r["fps"])
    return {"rendered": rendered, "zoom": zoom, **runs[len(runs) // 2]}


def _print_pan(label: str, r: dict[str, float]) -> None:
    print(
        f"    {label}: zoom {r['zoom']:.2f}, {r['rendered']} nodes in the DOM: {r['fps']:5.1f} FPS (goal >= 60), "
        f"frame p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, max {r['max_ms']:.0f} ms"
    )


def bench_fps(url: str) -> None:
    from playwright.sync_api import sync_playwright

    # Saving a model needs an account: a fresh one, its session cookie in each browser context.
    account = sign_up(Server(url=url, api=httpx.Client(base_url=f"{url}/api/v1", timeout=120)))
    api = account.api
    deep = wide(1000)
    cases = [("deep column (as built)", deep), ("40 x 25 grid (all on screen at fit)", grid(deep))]
    print(
        f"Editor on a {len(deep['nodes'])}-node graph ({len(deep['edges'])} edges), headless Chromium "
        "(software rendering, --disable-gpu), 1440 x 900; panning = 3 s of mouse drag"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM or None, args=CHROMIUM_ARGS, headless=True)
        for label, doc in cases:
            mid = api.post("/models", json={"name": doc["name"], "graph": doc}).json()["id"]
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            if account.cookies:
                context.add_cookies(account.cookies)  # type: ignore[arg-type]
            context.add_init_script(PROBE)
            page = context.new_page()
            page.goto(f"{url}/#/models")  # load the app once, so the figure is the model, not the bundle
            page.wait_for_load_state("networkidle")
            r = open_model(page, f"{url}/#/model/{mid}", doc)
            print(f"  {label}:")
            print(
                f"    navigation -> first nodes on screen: {r['first_node_ms']:.0f} ms "
                f"(shapes from the check in the same frame: {r['first_shape_ms']:.0f} ms)"
            )
            _print_pan("pan after fit view", pan(page))
            if doc is not deep:
                # Where the frame time goes: hide one layer of the view at a time (CSS only).
                for what, css in [
                    ("minimap", ".react-flow__minimap"),
                    ("edges", ".react-flow__edges"),
                    ("node contents (boxes kept)", ".tc-node > *"),
                ]:
                    page.get_by_test_id("fit-view").click()  # back to the whole graph: pans drift the view
                    page.wait_for_timeout(400)
                    tag = page.add_style_tag(content=f"{css} {{ visibility: hidden !important; }}")
                    _print_pan(f"same, {what} hidden", pan(page))
                    tag.evaluate("t => t.remove()")
                page.get_by_test_id("fit-view").click()
                page.wait_for_timeout(400)
                # Zoom in with the wheel over the middle of the graph (far out there are no DOM
                # nodes to click: the overview is one canvas).
                box = page.locator(".react-flow__pane").bounding_box()
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                for _ in range(5):
                    page.mouse.wheel(0, -250)
                    page.wait_for_timeout(80)
                _print_pan("pan zoomed in (edge labels on)", pan(page))
            context.close()
        browser.close()


# --- check latency -------------------------------------------------------------------------


def _bodies(doc: dict[str, Any], edits: bool) -> Iterator[bytes]:
    """The same document again and again, or each time a one-node edit of it (a user typing
    out_features into the last layer): a value no earlier request had, so that the server's
    per-node cache cannot answer for the edited node."""
    fc = next(n for n in doc["nodes"] if n["id"] == "fc")
    for i in itertools.count():
        if edits:
            fc["params"]["out_features"] = 10 + i
        yield json.dumps(doc).encode()


async def _client(c: httpx.AsyncClient, bodies: Iterator[bytes], n: int, out: list[float]) -> None:
    for _ in range(n):
        body = next(bodies)
        t = time.perf_counter()
        r = await c.post("/check", content=body, headers={"content-type": "application/json"})
        out.append((time.perf_counter() - t) * 1e3)
        assert r.status_code == 200, r.text[:300]


async def _load(url: str, bodies: Iterator[bytes], clients: int, per_client: int) -> tuple[list[float], float]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", limits=limits, timeout=120) as c:
        await asyncio.gather(*[_client(c, bodies, 2, []) for _ in range(clients)])  # warm: connections, caches
        out: list[float] = []
        t = time.perf_counter()
        await asyncio.gather(*[_client(c, bodies, per_client, out) for _ in range(clients)])
        return out, time.perf_counter() - t


def bench_check(url: str) -> None:
    doc = resnet50()
    body = json.dumps(doc).encode()
    api = httpx.Client(base_url=f"{url}/api/v1", timeout=120)
    for _ in range(10):  # warm up: imports, layer caches
        api.post("/check", content=body, headers={"content-type": "application/json"})
    serial = []
    for _ in range(30):
        t = time.perf_counter()
        r = api.post("/check", content=body, headers={"content-type": "application/json"})
        serial.append((time.perf_counter() - t) * 1e3)
    print(
        f"POST /api/v1/check, ResNet-50 graph ({len(doc['nodes'])} nodes, request {len(body) / 1e3:.0f} kB, "
        f"response {len(r.content) / 1e3:.0f} kB), uvicorn, 1 process, on {os.cpu_count()} CPU cores (shared with "
        "this load generator)"
    )
    print(f"  1 client:    p50 {statistics.median(serial):6.1f} ms   p99 {pct(serial, 99):6.1f} ms")
    for label, edits in (("same document", False), ("each request a one-node edit", True)):
        lat, wall = asyncio.run(_load(url, _bodies(copy.deepcopy(doc), edits), CLIENTS, 10))
        print(
            f"  {CLIENTS} clients, {label}: p50 {statistics.median(lat):6.1f} ms   p99 {pct(lat, 99):6.1f} ms   "
            f"(goal p99 <= 100 ms)   throughput {len(lat) / wall:5.1f} req/s"
        )
    profile_check(doc, body)


def profile_check(doc: dict[str, Any], body: bytes) -> None:
    """Where one request's server time goes, in process (the route's own steps)."""
    from torchcanvas import shapes
    from torchcanvas.graph.model import Graph

    def timed(fn: Any, n: int = 20) -> float:
        fn()
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t) * 1e3)
        return statistics.median(ts)

    graph = Graph.model_validate_json(body)
    result = shapes.check(graph)
    parse = timed(lambda: Graph.model_validate_json(body))
    check = timed(lambda: shapes.check(graph))
    dump = timed(lambda: result.model_dump_json())
    edited = copy.deepcopy(doc)
    fc = next(n for n in edited["nodes"] if n["id"] == "fc")
    state = {"i": 0}

    def edit() -> None:
        state["i"] += 1
        fc["params"]["out_features"] = 10 + state["i"]  # new each time: not a cache hit
        shapes.check(Graph.model_validate(edited))

    after_edit = timed(edit)
    total = parse + check + dump
    print(
        f"  one request's work in process (median): parse+validate {parse:.1f} ms, check {check:.1f} ms "
        f"(after a one-node edit: {after_edit:.1f} ms), serialize {dump:.1f} ms; sum {total:.1f} ms"
    )
    print(
        f"  => the check is CPU work under one GIL: {CLIENTS} requests in flight queue for about {CLIENTS} x "
        f"{total:.0f} ms = {CLIENTS * total:.0f} ms, plus HTTP; p99 <= 100 ms at {CLIENTS} clients needs several "
        "server processes, which the embedded job runner (one per data directory) rules out for `make run`"
    )


# --- train to first metric ----------------------------------------------------------------------------


def bench_train(url: str, repeat: int = 3) -> None:
    """From the click on Start in the Train popover to the first metric drawn in the browser
    (goal <= 2 s). The app is idle before each click, as when a user presses Train: the runner
    has had time to prepare its warm launcher (runner/launcher.py)."""
    from playwright.sync_api import expect, sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM or None, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{url}/#/quickstart")
        page.get_by_test_id("template-seed_mlp_weight_decay").click()
        expect(page.get_by_test_id("check-status")).to_have_text("✓", timeout=30_000)
        previous = "none"
        for _ in range(repeat):
            time.sleep(10)
            page.get_by_test_id("train-button").click()
            page.get_by_test_id("train-epochs").fill("2000")
            t = time.perf_counter()
            page.get_by_test_id("train-start").click()
            # The new run's detail (not the last, cancelled one) shows progress or a loss point.
            page.wait_for_function(
                """previous => {
                    const d = document.querySelector('[data-testid=run-detail]');
                    if (!d || d.dataset.run === previous) return false;
                    const c = d.querySelector('[data-testid=chart-loss]');
                    const p = d.querySelector('[data-testid=run-progress]');
                    return (c && +c.dataset.points > 0) || (p && +p.dataset.fraction > 0);
                }""",
                arg=previous,
                timeout=60_000,
                polling=10,
            )
            times.append(time.perf_counter() - t)
            previous = page.get_by_test_id("run-detail").get_attribute("data-run") or "none"
            page.get_by_test_id("run-cancel").click()
            expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "cancelled", timeout=30_000)
        browser.close()
    print(
        f"Train -> first metric in the browser (seed MLP; progress bar or loss chart): median "
        f"{statistics.median(times):.2f} s (runs: {', '.join(f'{x:.2f}' for x in times)}; goal <= 2 s)"
    )


# --- screenshot ----------------------------------------------------------------------------


def screenshot(url: str, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM or None, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{url}/#/quickstart")
        page.get_by_test_id("template-seed_lenet_bn").click()
        expect(page.get_by_test_id("node-shape-pool2")).to_have_text("(B, 16, 5, 5)")
        # The fit view of 17 layers is below zoom 0.4, where edge labels hide: zoom in on the
        # middle of the network (mouse wheel over pool2), with the Summary tab open.
        page.get_by_test_id("auto-layout").click()  # centred nodes: straight edges
        page.get_by_test_id("fit-view").click()
        page.wait_for_timeout(500)
        for _ in range(12):
            style = page.locator(".react-flow__viewport").get_attribute("style") or ""
            if float(style.split("scale(")[1].rstrip(");")) >= 0.7:
                break
            box = page.get_by_test_id("node-pool2").bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.wheel(0, -200)
            page.wait_for_timeout(120)
        expect(page.get_by_test_id("edge-label-pool2-flatten")).to_have_text("(B, 16, 5, 5)")
        page.mouse.move(5, 890)  # no hover highlight
        page.get_by_test_id("tab-summary").click()
        expect(page.get_by_test_id("summary-total-params")).not_to_be_empty()
        page.wait_for_timeout(600)
        page.screenshot(path=str(out))
        browser.close()
    print(f"wrote {out.relative_to(ROOT)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fps", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--screenshot", action="store_true")
    ap.add_argument("--train", action="store_true")
    args = ap.parse_args()
    everything = not (args.fps or args.check or args.screenshot or args.train)
    with server() as url:
        if args.fps or everything:
            bench_fps(url)
        if args.screenshot or everything:
            screenshot(url, ROOT / "docs" / "screenshot.png")
        if args.train or everything:
            bench_train(url)
    if args.check or everything:
        with server() as url:
            bench_check(url)


if __name__ == "__main__":
    main()
