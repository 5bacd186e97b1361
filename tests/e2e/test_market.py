"""The market in a real Chromium, with two people (issue 8's "Done when"):

1. Alice signs up, builds and saves a model, trains it and publishes it with a result.
2. Bob finds it by searching, stars it, comments, forks it, trains the fork and publishes it.
3. Alice sees the star, the comment and the fork.
4. Bob cannot see Alice's private model.

Each has a browser context of their own (their own session cookie). The model is the seed's small
MLP on 10 points, trained for one epoch, so a run takes seconds. Screenshots of the market, the
model page and a profile at 1600x1000 and 1280x720 go to test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import PASSWORD, Account, Editor, Server, editor_page, unique_name

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_MS = 120_000
SIZES = [(1600, 1000), (1280, 720)]


@pytest.fixture
def alice(browser: Browser, artifacts: Path, site_admin: Account) -> Iterator[Editor]:
    with editor_page(browser, artifacts, width=1600, height=1000, timeout_ms=15_000) as editor:
        yield editor


@pytest.fixture
def bob(browser: Browser, artifacts: Path, site_admin: Account) -> Iterator[Editor]:
    with editor_page(browser, artifacts, width=1600, height=1000, timeout_ms=15_000) as editor:
        yield editor


def sign_up_in_dialog(ed: Editor, username: str) -> None:
    """Fill the open sign-in dialog's Sign up tab; waits until the user's menu shows the name."""
    expect(ed.tid("auth-dialog")).to_be_visible()
    ed.tid("auth-tab-signup").click()
    ed.tid("auth-username").fill(username)
    ed.tid("auth-password").fill(PASSWORD)
    ed.tid("auth-submit").click()
    expect(ed.tid("auth-dialog")).to_have_count(0)
    expect(ed.tid("user-menu")).to_contain_text(username)


def open_my_models(ed: Editor) -> None:
    ed.tid("user-menu").click()
    ed.tid("menu-models").click()
    expect(ed.tid("models-page")).to_be_visible()


def train_one_epoch(ed: Editor) -> int:
    """Train the open (saved) model for one epoch; the run's id once it succeeded."""
    ed.tid("train-button").click()
    expect(ed.tid("train-warnings")).to_have_count(0)
    ed.tid("train-epochs").fill("1")
    ed.tid("train-start").click()
    detail = ed.tid("run-detail")
    expect(detail).to_be_visible()
    expect(ed.tid("run-status")).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    return int(detail.get_attribute("data-run") or 0)


def publish(ed: Editor, model_id: str, run_id: int, title: str, notes: str) -> None:
    """Publish from My models, with the run as the result."""
    open_my_models(ed)
    ed.tid(f"publish-{model_id}").click()
    dialog = ed.tid("publish-dialog")
    expect(dialog).to_be_visible()
    ed.tid("publish-title").fill(title)
    ed.tid("publish-description").fill(f"# {title}\n\nA **tiny** MLP on ten points. <script>alert(1)</script>")
    expect(ed.tid("publish-description-preview").locator("strong")).to_have_text("tiny")
    expect(ed.tid("publish-description-preview").locator("script")).to_have_count(0)
    ed.tid("publish-tags").fill("mlp, tiny")
    ed.tid("publish-task").select_option("regression")
    ed.tid("publish-notes").fill(notes)
    expect(ed.tid("publish-run").locator(f"option[value='{run_id}']")).to_have_count(1)
    ed.tid("publish-run").select_option(str(run_id))
    ed.tid("publish-submit").click()
    expect(dialog).to_have_count(0, timeout=60_000)
    expect(ed.tid("toast")).to_contain_text(f"Published “{title}”")


def csrf(page: Page, url: str) -> str:
    token = page.request.get(f"{url}/api/v1/auth/me").json()["csrf_token"]
    assert token
    return str(token)


def shots(ed: Editor, name: str) -> None:
    ed.page.evaluate("window.scrollTo(0, 0)")
    for w, h in SIZES:
        ed.page.set_viewport_size({"width": w, "height": h})
        ed.page.wait_for_timeout(300)
        assert ed.page.evaluate("document.documentElement.scrollWidth") <= w, f"{name}: horizontal scroll at {w}px"
        ed.shot(f"30_{name}_{w}x{h}")
    ed.page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})


def test_alice_and_bob_in_the_market(alice: Editor, bob: Editor, server: Server) -> None:
    url = server.url
    a_name, b_name = unique_name("alice"), unique_name("bob")
    title = f"Tiny MLP {a_name}"

    # 1. Alice builds a model before she has an account: Save asks her to sign up, and the draft
    #    is saved to her new account.
    alice.page.goto(f"{url}/#/quickstart")
    alice.tid("template-seed_mlp_weight_decay").click()
    expect(alice.tid("node-fc4")).to_be_visible()
    name = alice.tid("model-name")
    name.fill("alice_mlp")
    name.press("Enter")
    expect(alice.tid("sign-in")).to_be_visible()
    alice.tid("save").click()
    expect(alice.tid("auth-reason")).to_contain_text("ign in")
    sign_up_in_dialog(alice, a_name)
    expect(alice.tid("toast")).to_contain_text("was saved to your account")
    expect(alice.page).to_have_url(re.compile(r"#/model/[^/]+$"))
    model_id = alice.page.url.rsplit("/", 1)[1]
    shots(alice, "editor_signed_in")  # the top bar with the user's menu fits 1280 px

    run_id = train_one_epoch(alice)
    publish(alice, model_id, run_id, title, "first version")
    expect(alice.tid(f"visibility-{model_id}")).to_have_value("public")

    # A private model of Alice's, for step 4.
    secret = alice.page.request.post(
        f"{url}/api/v1/models",
        data={"name": "secret", "graph": json.loads((ROOT / "examples" / "seed_mlp_weight_decay.json").read_text())},
        headers={"X-CSRF-Token": csrf(alice.page, url)},
    )
    assert secret.status == 201, secret.text()
    secret_id = secret.json()["id"]

    # 2. Bob finds it by searching, and signs up from the market page.
    bob.page.goto(f"{url}/#/market")
    bob.tid("sign-in").click()
    sign_up_in_dialog(bob, b_name)
    bob.page.keyboard.press("/")
    expect(bob.tid("market-search")).to_be_focused()
    bob.page.keyboard.type(a_name)
    card = bob.tid(f"market-card-{model_id}")
    expect(card).to_be_visible()
    expect(bob.page.locator(".tc-market-card")).to_have_count(1)
    expect(card).to_contain_text(title)
    expect(card.get_by_test_id(f"author-{a_name}")).to_be_visible()
    shots(bob, "market")
    card.get_by_test_id("market-card-title").click()

    expect(bob.tid("market-model-title")).to_have_text(title)
    expect(bob.tid("market-diagram").locator(".react-flow__node")).to_have_count(9)
    expect(bob.tid("market-description").locator("strong")).to_have_text("tiny")
    expect(bob.tid("market-description").locator("script")).to_have_count(0)
    expect(bob.tid("published-result").first).to_have_attribute("href", f"#/compare?ids={run_id}")
    # The wheel over the embedded diagram scrolls the page, as anywhere on it; it does not zoom.
    viewport = bob.tid("market-diagram").locator(".react-flow__viewport")
    transform = viewport.get_attribute("style")
    bob.tid("market-diagram").hover()
    bob.page.mouse.wheel(0, 400)
    bob.page.wait_for_function("window.scrollY > 0")
    assert viewport.get_attribute("style") == transform
    bob.page.evaluate("window.scrollTo(0, 0)")
    bob.tid("market-diagram").locator(".react-flow__node").first.click()
    expect(bob.tid("node-info")).to_be_visible()
    expect(bob.tid("summary-panel")).to_be_visible()
    expect(bob.tid("market-code-model.py")).to_be_visible()

    bob.tid("star").click()
    expect(bob.tid("star-count")).to_have_text("1")
    bob.tid("comment-new").fill("Nice **model**, Alice")
    expect(bob.tid("comment-new-preview").locator("strong")).to_have_text("model")
    bob.tid("comment-new-submit").click()
    comment = bob.page.locator("[data-testid^=comment-body-]")
    expect(comment).to_have_count(1)
    expect(comment.locator("strong")).to_have_text("model")
    # His own comment: he may edit it (Markdown again, with its preview).
    cid = (comment.get_attribute("data-testid") or "").rsplit("-", 1)[1]
    bob.tid(f"comment-edit-{cid}").click()
    bob.tid(f"comment-edit-body-{cid}").fill("Nice **model**, Alice! `fc4` is neat")
    bob.tid(f"comment-edit-body-{cid}-submit").click()
    expect(comment.locator("code")).to_have_text("fc4")
    shots(bob, "model_page")

    bob.tid("fork").click()
    expect(bob.page).to_have_url(re.compile(r"#/model/[^/]+$"))
    fork_id = bob.page.url.rsplit("/", 1)[1]
    assert fork_id != model_id
    expect(bob.tid("node-fc4")).to_be_visible()
    fork_run = train_one_epoch(bob)
    publish(bob, fork_id, fork_run, f"Fork of {title}", "forked and retrained")
    expect(bob.tid(f"model-{fork_id}").get_by_test_id("forked-from")).to_contain_text(f"{a_name}/")

    # 3. Alice sees the star, the comment and the fork.
    alice.page.goto(f"{url}/#/market/{model_id}")
    expect(alice.tid("star-count")).to_have_text("1")
    expect(alice.tid("fork-count")).to_have_text("1")
    expect(alice.tid("forks")).to_contain_text(f"{b_name}/")
    expect(alice.page.locator("[data-testid^=comment-body-]")).to_contain_text("Nice model, Alice")
    # The owner of the model may delete any comment on it; only its author may edit it.
    expect(alice.page.locator("[data-testid^=comment-delete-]")).to_have_count(1)
    expect(alice.page.locator("[data-testid^=comment-edit-]")).to_have_count(0)
    alice.page.on("dialog", lambda d: d.accept())  # "Delete this comment?"
    alice.page.locator("[data-testid^=comment-delete-]").click()
    expect(alice.page.locator("[data-testid^=comment-body-]")).to_have_count(0)
    open_my_models(alice)
    expect(alice.tid(f"stars-{model_id}")).to_contain_text("1")
    expect(alice.tid(f"forks-{model_id}")).to_contain_text("1")

    # Bob's profile: his published fork and the model he starred.
    alice.page.goto(f"{url}/#/u/{b_name}")
    expect(alice.tid("profile-models").get_by_test_id(f"market-card-{fork_id}")).to_be_visible()
    expect(alice.tid("profile-starred").get_by_test_id(f"market-card-{model_id}")).to_be_visible()
    shots(alice, "profile")

    # 4. Bob cannot see Alice's private model: 404, in the API and on the page.
    assert bob.page.request.get(f"{url}/api/v1/models/{secret_id}").status == 404
    assert bob.page.request.get(f"{url}/api/v1/market/{secret_id}").status == 404
    bob.page.goto(f"{url}/#/market/{secret_id}")
    expect(bob.tid("market-model-error")).to_contain_text("No such model")


def test_open_in_editor_is_a_draft_kept_in_the_browser_until_sign_up_saves_it(
    browser: Browser, artifacts: Path, server: Server, site_admin: Account
) -> None:
    with editor_page(browser, artifacts, width=1280, height=720, timeout_ms=15_000) as ed:
        # The examples the server publishes on first start: a newcomer's market is never empty.
        ed.page.goto(f"{server.url}/#/market")
        card = ed.page.locator(".tc-market-card").first
        title = card.get_by_test_id("market-card-title").inner_text()
        card.get_by_test_id("market-card-title").click()
        expect(ed.tid("market-model-title")).to_have_text(title)
        diagram = ed.tid("market-diagram").locator(".react-flow__node")
        expect(diagram.first).to_be_visible()
        count = diagram.count()

        ed.tid("open-in-editor").click()
        expect(ed.page).to_have_url(re.compile(r"#/$"))
        expect(ed.tid("dirty")).to_be_visible()
        expect(ed.page.locator(".tc-canvas .react-flow__node")).to_have_count(count)

        # Kept in the browser: a reload brings the draft back, still unsaved.
        ed.page.on("dialog", lambda d: d.accept())  # "leave the page with unsaved changes?"
        ed.page.reload()
        expect(ed.tid("model-name")).to_have_value(title)
        expect(ed.tid("dirty")).to_be_visible()
        expect(ed.page.locator(".tc-canvas .react-flow__node")).to_have_count(count)

        # Signing up saves it to the new account.
        ed.tid("sign-in").click()
        sign_up_in_dialog(ed, unique_name("carol"))
        expect(ed.tid("toast")).to_contain_text("was saved to your account")
        expect(ed.page).to_have_url(re.compile(r"#/model/[^/]+$"))
        expect(ed.tid("dirty")).to_have_count(0)
        saved = ed.page.request.get(f"{server.url}/api/v1/models/{ed.page.url.rsplit('/', 1)[1]}")
        assert saved.status == 200 and saved.json()["name"] == title
        assert saved.json()["visibility"] == "private"
