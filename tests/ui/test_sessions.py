"""Sign-in sessions: new id on login, stored hashed, timeouts, cookie flags, rate limits."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hatchway.config import load_settings
from hatchway.store.models import LoginAttempt, UiSession
from hatchway.ui.app import create_app
from hatchway.ui.auth.deps import SESSION_COOKIE
from hatchway.ui.auth.tokens import token_hash
from tests.ui.conftest import UiStack, login


def _sessions(stack: UiStack) -> list[UiSession]:
    with stack.database.session() as session:
        return list(session.scalars(select(UiSession)).all())


def test_login_makes_a_new_session_id_stored_only_hashed(ui_stack: UiStack) -> None:
    client = ui_stack.client("riley")
    first = client.cookies[SESSION_COOKIE]
    assert login(client, "riley").status_code == 303
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    hashes = [row.token_hash for row in _sessions(ui_stack)]
    assert hashes == [token_hash("change-me", second)]  # the old session is gone
    assert second not in hashes and first not in hashes
    stale = ui_stack.client()
    stale.cookies.set(SESSION_COOKIE, first, domain="testserver.local")
    assert stale.get("/inbox").status_code == 303


def test_a_session_planted_before_login_is_not_kept(ui_stack: UiStack) -> None:
    client = ui_stack.client()
    client.cookies.set(SESSION_COOKIE, "attacker-chosen-value", domain="testserver.local")
    login(client, "riley")
    assert client.cookies[SESSION_COOKIE] != "attacker-chosen-value"


def test_idle_timeout_and_renewal_while_active(ui_stack: UiStack) -> None:
    client = ui_stack.client("riley")
    for _ in range(3):  # active every 29 minutes: stays signed in past the idle limit
        ui_stack.clock.offset += timedelta(minutes=29)
        assert client.get("/inbox").status_code == 200
    ui_stack.clock.offset += timedelta(minutes=31)
    response = client.get("/inbox")
    assert response.status_code == 303 and "why=idle" in response.headers["location"]
    assert _sessions(ui_stack) == []
    page = client.get(response.headers["location"])
    assert "signed out after a period of inactivity" in page.text


def test_absolute_timeout_even_when_active(ui_stack: UiStack) -> None:
    client = ui_stack.client("riley")
    long_ago = ui_stack.clock() - timedelta(hours=12, minutes=1)
    with ui_stack.database.session() as session:
        session.execute(update(UiSession).values(created_at=long_ago))
    response = client.get("/inbox")
    assert response.status_code == 303 and "why=expired" in response.headers["location"]


def test_cookie_flags_secure_outside_dev_mode(ui_stack: UiStack) -> None:
    dev = ui_stack.client()
    login(dev, "riley")
    settings = load_settings(
        dev_mode=False, database_url=str(ui_stack.database.url), secret_key="s" * 40
    )
    app = create_app(settings, ui_stack.database)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as prod:
        response = login(prod, "riley")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    dev_response = login(ui_stack.client(), "riley")
    dev_cookie = dev_response.headers["set-cookie"].lower()
    assert "httponly" in dev_cookie and "secure" not in dev_cookie


def test_five_failures_lock_the_account_for_the_window(ui_stack: UiStack) -> None:
    client = ui_stack.client()
    for _ in range(5):
        assert login(client, "riley", "wrong").status_code == 401
    locked = login(client, "riley")  # even the right password
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account" in locked.text
    assert int(locked.headers["retry-after"]) == 15 * 60
    assert login(client, "sam").status_code == 303  # others are not locked out
    ui_stack.clock.offset += timedelta(minutes=16)
    assert login(client, "riley").status_code == 303


def test_failures_from_one_address_are_limited_too(ui_stack: UiStack) -> None:
    client = ui_stack.client()
    for n in range(20):
        assert login(client, f"nobody{n}", "guess").status_code == 401
    refused = login(client, "riley")
    assert refused.status_code == 429 and "network address" in refused.text
    with ui_stack.database.session() as session:
        failures = session.scalars(select(LoginAttempt).where(LoginAttempt.succeeded.is_(False)))
        assert len(failures.all()) == 20


def test_wrong_password_and_unknown_user_look_the_same(ui_stack: UiStack) -> None:
    client = ui_stack.client()
    wrong, unknown = login(client, "riley", "nope"), login(client, "nobody", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong username or password." in wrong.text
    assert "Wrong username or password." in unknown.text


def test_next_only_goes_to_local_pages(ui_stack: UiStack) -> None:
    from tests.ui.conftest import login_form

    client = ui_stack.client()
    for target, expected in (("/inbox/5", "/inbox/5"), ("//evil.example", "/inbox"),
                             ("https://evil.example", "/inbox")):  # fmt: skip
        token = login_form(client)
        form = {"username": "riley", "password": "correct-horse-battery", "csrf_token": token,
                "next": target}  # fmt: skip
        assert client.post("/login", data=form).headers["location"] == expected
