"""The review inbox in headless Chromium: sign in, claim, edit and send, reject, undo, locks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hatchway.store.models import InboundStatus
from tests.ui.browser.conftest import HOLD_SECONDS, LiveServer
from tests.ui.conftest import PASSWORD

pytestmark = [pytest.mark.ui, pytest.mark.smtp, pytest.mark.slow]


@pytest.fixture
def open_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """Pages in fresh browser contexts (separate cookie jars), closed afterwards."""
    contexts: list[Any] = []

    def make(username: str) -> Any:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server.url, username)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/inbox")
    assert "/login" in page.url  # not signed in yet
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/inbox")


def open_item(page: Any, live: LiveServer, subject: str) -> int:
    message_id = live.ids[subject]
    page.click(f'a.subj[href="/inbox/{message_id}"]')
    page.wait_for_url(f"{live.url}/inbox/{message_id}")
    return message_id


def test_sign_in_claim_edit_and_send_reaches_smtp(
    open_page: Any, live_server: LiveServer, smtp_inbox: Any, tmp_path: Path
) -> None:
    page = open_page("riley")
    page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)
    message_id = open_item(page, live_server, "Where is order NW-100231?")
    assert page.inner_text("[data-claim]") == "you hold this item"
    page.screenshot(path=str(tmp_path / "item.png"), full_page=True)
    page.click("summary:has-text('Trace')")
    assert "openai:gpt-4.1-mini-2025-04-14" in page.inner_text("table.trace")
    page.screenshot(path=str(tmp_path / "item-trace.png"), full_page=True)
    page.keyboard.press("e")  # the shortcut puts the cursor in the editor
    assert page.evaluate("document.activeElement.name") == "body"
    page.fill("textarea[name=body]", "Hello Emma,\n\nNW-100231 ships today. Sorry!\n\nRiley")
    assert "Send edited" in page.inner_text("[data-send-label]")
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    page.wait_for_url(f"{live_server.url}/inbox**did=send**")
    assert "Reply queued" in page.inner_text(".flash")
    page.wait_for_selector(".flash [data-countdown]:has-text('sending in')")
    page.screenshot(path=str(tmp_path / "after-send.png"))
    [captured] = smtp_inbox.wait_for(1, timeout=HOLD_SECONDS + 15)
    assert "NW-100231 ships today. Sorry!" in captured.message.get_content()
    assert captured.message["To"] == "emma@example.com"
    live_server.wait_status(message_id, InboundStatus.SENT)
    page.wait_for_selector(".flash [data-countdown]:has-text('sent')")


def test_reject_with_a_reason(open_page: Any, live_server: LiveServer, smtp_inbox: Any) -> None:
    page = open_page("riley")
    message_id = open_item(page, live_server, "Invoice copy for March")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.select_option("#reject-reason", "Already answered elsewhere")
    page.fill("#reject-note", "sent by the accounts team")
    page.click("#reject button[type=submit]")
    page.wait_for_url(f"{live_server.url}/inbox**did=reject**")
    live_server.wait_status(message_id, InboundStatus.REJECTED)
    assert smtp_inbox.messages() == []


def test_undo_within_the_hold_window_sends_nothing(
    open_page: Any, live_server: LiveServer, smtp_inbox: Any
) -> None:
    page = open_page("riley")
    message_id = open_item(page, live_server, "Cancel my order please")
    page.click("button[data-send-label]")
    page.wait_for_url(f"{live_server.url}/inbox**did=send**")
    undo = page.locator(".flash form[data-undo] button")
    undo.wait_for(state="visible")  # shown once the worker has put the reply on hold
    page.keyboard.press("u")
    page.wait_for_url(f"{live_server.url}/inbox/{message_id}?did=undo*")
    live_server.wait_status(message_id, InboundStatus.IN_REVIEW)
    time.sleep(HOLD_SECONDS + 1.5)  # past the hold: the relay would have sent by now
    assert smtp_inbox.messages() == []
    page.reload()
    assert page.inner_text("[data-claim]") == "you hold this item"


def test_a_second_reviewer_sees_the_item_held(
    open_page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    riley, sam = open_page("riley"), open_page("sam")
    message_id = open_item(riley, live_server, "Is the 2-person tent back in stock?")
    sam.goto(f"{live_server.url}/inbox")
    row = sam.locator(f'tr[data-href="/inbox/{message_id}"]')
    assert "Riley Reviewer" in row.inner_text()
    sam.goto(f"{live_server.url}/inbox/{message_id}")
    assert "held by Riley Reviewer since" in sam.inner_text(".item-bar")
    assert sam.locator("textarea[name=body]").is_disabled()
    sam.keyboard.press("s")  # shortcuts do nothing while someone else holds the item
    time.sleep(0.5)
    assert sam.url == f"{live_server.url}/inbox/{message_id}"
    sam.screenshot(path=str(tmp_path / "held.png"))
    sam.click("text=Take over")
    sam.wait_for_selector("[data-claim]")
    riley.reload()
    assert "held by Sam Second since" in riley.inner_text(".item-bar")


def test_wrong_password_is_refused(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login")
        page.fill("#username", "riley")
        page.fill("#password", "not-the-password")
        page.click("button[type=submit]")
        assert "Wrong username or password." in page.inner_text(".error-box")
    finally:
        context.close()
