"""The account page in a real Chromium: a personal API token (shown once, works, revoked), the
password change, and deleting the account (typing the username to confirm)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import PASSWORD, Account, Editor, Server, editor_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def ed(browser: Browser, artifacts: Path, account: Account) -> Iterator[Editor]:
    with editor_page(browser, artifacts, width=1280, height=720, account=account) as editor:
        yield editor


def test_tokens_password_and_delete(ed: Editor, server: Server, account: Account) -> None:
    if not account.cookies:
        pytest.skip("this server has no accounts")
    ed.page.goto(f"{server.url}/#/")
    ed.tid("user-menu").click()
    ed.tid("menu-account").click()
    expect(ed.tid("account-page")).to_contain_text(account.username)

    # A token: its secret is shown once, it authenticates a script, and revoking it ends that.
    ed.tid("token-name").fill("laptop")
    ed.tid("token-create").click()
    secret = ed.tid("token-secret").inner_text()
    assert secret.startswith("tc_")
    row = ed.page.locator("[data-testid^=token-]").filter(has_text="laptop")
    expect(row).to_have_count(1)
    bearer = httpx.Client(base_url=str(server.api.base_url), headers={"Authorization": f"Bearer {secret}"})
    assert bearer.get("/models").status_code == 200
    ed.shot("31_account_token")
    ed.page.on("dialog", lambda d: d.accept())  # "Revoke “laptop”?"
    row.get_by_role("button", name="revoke").click()
    expect(row).to_have_count(0)
    assert bearer.get("/models").status_code == 401

    # The password: the old one no longer signs in, the new one does.
    ed.tid("password-current").fill(PASSWORD)
    ed.tid("password-new").fill("a brand new password")
    ed.tid("password-submit").click()
    expect(ed.tid("toast")).to_contain_text("Password changed")
    anon = httpx.Client(base_url=str(server.api.base_url))
    assert anon.post("/auth/login", json={"username": account.username, "password": PASSWORD}).status_code == 401
    assert (
        anon.post("/auth/login", json={"username": account.username, "password": "a brand new password"}).status_code
        == 200
    )

    # Deleting the account: the button waits for the username.
    ed.tid("delete-password").fill("a brand new password")
    ed.tid("delete-confirm").fill("someone-else")
    expect(ed.tid("delete-submit")).to_be_disabled()
    ed.tid("delete-confirm").fill(account.username)
    ed.tid("delete-submit").click()
    expect(ed.tid("toast")).to_contain_text("deleted")
    expect(ed.tid("market-page")).to_be_visible()
    expect(ed.tid("sign-in")).to_be_visible()
    assert (
        anon.post("/auth/login", json={"username": account.username, "password": "a brand new password"}).status_code
        == 401
    )
