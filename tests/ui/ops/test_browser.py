"""The ops console in headless Chromium: an ops user tries Promote → auto and reads why not;
a reviewer sees the numbers but no buttons. Screenshots land in the test's tmp dir."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.store.migrate import upgrade
from tests.ui.conftest import PASSWORD, make_users
from tests.ui.ops.conftest import build_app, fixed_now
from tests.ui.ops.seed import seed

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving the app with the ops routers over a seeded SQLite database."""
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('ops') / 'hatchway.db'}")
    upgrade(database)
    with database.session() as session:
        ensure_categories(session)
    make_users(database)
    now = fixed_now()
    seed(database, now)
    config = uvicorn.Config(
        build_app(database, now), host="127.0.0.1", port=_free_port(), log_level="warning",
        ws="none", lifespan="off",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; skipped with the reason when either is missing."""
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed; pip install -e '.[dev]'")
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing; apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _signed_in(browser: Any, url: str, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    # Only CSP violations count: a 409 page and a missing favicon also log "errors".
    page.on("console", lambda m: errors.append(m.text) if "Refused to" in m.text else None)
    page.goto(f"{url}/ops")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/ops")
    page.csp_violations = errors
    return page


def test_ops_user_tries_promote_to_auto_and_sees_what_is_missing(
    browser: Any, live_url: str, tmp_path: Path
) -> None:
    page = _signed_in(browser, live_url, "olive")
    row = page.locator('tr[data-category="order_status"]')
    assert row.locator('[data-col="volume"]').inner_text() == "5"
    assert row.locator('[data-col="reviewed"]').inner_text() == "80%"
    page.screenshot(path=str(tmp_path / "ops-console.png"), full_page=True)
    row.locator('button[data-promote="auto"]').click()
    page.wait_for_selector("[data-refused]")
    refused = page.inner_text("[data-refused]")
    assert "Not promoted: order status stays in review mode" in refused
    assert "run it in shadow mode first" in refused
    assert "no certification yet" in refused
    page.screenshot(path=str(tmp_path / "ops-refused.png"), full_page=True)
    assert page.csp_violations == []
    page.context.close()


def test_a_reviewer_sees_the_table_without_promote_buttons(
    browser: Any, live_url: str, tmp_path: Path
) -> None:
    page = _signed_in(browser, live_url, "riley")
    assert page.locator('tr[data-category="order_status"]').count() == 1
    assert page.locator("[data-promote]").count() == 0
    assert page.locator("text=read only").count() == 1
    page.screenshot(path=str(tmp_path / "ops-reviewer.png"), full_page=True)
    page.context.close()


def test_the_other_pages_render_for_ops(browser: Any, live_url: str, tmp_path: Path) -> None:
    page = _signed_in(browser, live_url, "ada")
    for path in ("audit", "models", "costs", "audit-log", "categories/order_status"):
        page.goto(f"{live_url}/ops/{path}")
        page.screenshot(path=str(tmp_path / f"ops-{path.replace('/', '-')}.png"), full_page=True)
    assert page.csp_violations == []
    page.context.close()


def test_ops_pages_work_from_the_keyboard(browser: Any, live_url: str, tmp_path: Path) -> None:
    page = _signed_in(browser, live_url, "olive")
    page.keyboard.press("4")
    page.wait_for_url(f"{live_url}/ops/costs")
    page.keyboard.press("1")
    page.wait_for_url(f"{live_url}/ops")
    page.keyboard.press("?")
    assert page.locator("dialog[data-help-dialog]").is_visible()
    page.keyboard.press("Escape")
    first = page.locator("tr[data-href]").first.get_attribute("data-href")
    page.keyboard.press("j")
    assert page.locator("tr.cursor").count() == 1
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}{first}")
    page.keyboard.press("2")
    page.wait_for_url(f"{live_url}/ops/audit")
    waiting = page.locator("article.audit-item.pending").count()
    assert waiting >= 1
    page.keyboard.press("c")  # the first waiting sample was correct
    page.wait_for_load_state()
    page.wait_for_function(
        f"document.querySelectorAll('article.audit-item.pending').length === {waiting - 1}"
    )
    page.screenshot(path=str(tmp_path / "ops-keys-audit.png"), full_page=True)
    assert page.csp_violations == []
    page.context.close()
