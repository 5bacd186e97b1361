"""Every page at a small laptop's 1280x720 (and the desktop's 1600x1000): nothing scrolls sideways,
and the editor keeps a usable canvas with the runs drawer open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import Account, Server, editor_page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SEED = json.loads((ROOT / "examples" / "seed_lenet_bn.json").read_text())


def _boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_no_page_scrolls_sideways(
    browser: Browser, artifacts: Path, server: Server, account: Account, viewport: tuple[int, int]
) -> None:
    """Signed in (the user's menu is the widest thing in the top bar), with a long model name."""
    created = account.api.post(
        "/models", json={"name": "A rather long model name, as people write them", "graph": SEED}
    )
    assert created.status_code == 201, created.text
    mid = created.json()["id"]
    market = server.api.get("/market").json()["items"]
    assert market, "the e2e server seeds the market with the examples"
    pages = {
        "editor": f"#/model/{mid}",
        "new_model": "#/",
        "my_models": "#/models",
        "quickstart": "#/quickstart",
        "lab": "#/lab",
        "market": "#/market",
        "market_model": f"#/market/{market[0]['id']}",
        "profile": f"#/u/{account.username}",
        "account": "#/account",
        "compare": "#/compare?ids=",
    }
    with editor_page(browser, artifacts, *viewport, account=account) as ed:
        for name, route in pages.items():
            ed.page.goto(f"{server.url}/{route}")
            expect(ed.page.locator("header").first).to_be_visible()
            ed.page.wait_for_load_state("networkidle")
            ed.shot(f"40_layout_{name}")
            ed.no_sideways_scroll()
        # The top bar's last control (the user's menu) is inside the window, not pushed off it.
        ed.page.goto(f"{server.url}/#/model/{mid}")
        expect(ed.tid("node-y")).to_be_visible()
        bar = ed.tid("topbar").bounding_box()
        assert bar and bar["x"] + bar["width"] <= viewport[0]
        last = ed.tid("topbar").locator(":scope > *").last.bounding_box()
        assert last and last["x"] + last["width"] <= viewport[0], f"the top bar overflows: {last}"


def test_runs_drawer_leaves_a_usable_canvas(
    browser: Browser, artifacts: Path, server: Server, account: Account, viewport: tuple[int, int]
) -> None:
    """With the drawer open the canvas keeps at least half the window's height, and the minimap
    is shown only where it covers no node after Fit view."""
    created = account.api.post("/models", json={"graph": SEED})
    assert created.status_code == 201, created.text
    with editor_page(browser, artifacts, *viewport, account=account) as ed:
        ed.page.goto(f"{server.url}/#/model/{created.json()['id']}")
        expect(ed.tid("node-shape-y")).to_have_text("(B, 2)")
        ed.tid("runs-toggle").click()
        expect(ed.tid("runs-drawer")).to_be_visible()
        ed.press("f")
        ed.page.wait_for_timeout(400)
        ed.shot("41_runs_drawer_open")
        ed.no_sideways_scroll()
        canvas = ed.tid("canvas").bounding_box()
        assert canvas and canvas["height"] >= viewport[1] / 2, f"the canvas is {canvas} with the drawer open"
        minimap = ed.page.locator(".react-flow__minimap")
        if minimap.is_visible():
            box = minimap.bounding_box()
            assert box
            covered = [
                n.get_attribute("data-id")
                for n in ed.page.locator(".react-flow__node").all()
                if (nb := n.bounding_box()) and _boxes_overlap(box, nb)
            ]
            assert not covered, f"the minimap covers {covered}"
        # The drawer's own controls are all on screen.
        for tid in ("experiment-open", "runs-close"):
            b = ed.tid(tid).bounding_box()
            assert b and b["y"] + b["height"] <= viewport[1] and b["x"] + b["width"] <= viewport[0]
