"""Every route × every role: who may do what, and CSRF on every state change."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from hatchway.intake import accept_raw_message
from hatchway.store.models import InboundSource
from tests.ui.conftest import UiStack, csrf_of

# (method, path, lowest role allowed); {id} is an item in review, {q} a quarantined message.
ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/", "reviewer"),
    ("GET", "/messages/{id}", "reviewer"),
    ("GET", "/inbox", "reviewer"),
    ("GET", "/inbox/{id}", "reviewer"),
    ("GET", "/inbox/{id}/body", "reviewer"),
    ("POST", "/inbox/{id}/claim", "reviewer"),
    ("POST", "/inbox/{id}/release", "reviewer"),
    ("POST", "/inbox/{id}/reject", "reviewer"),
    ("POST", "/inbox/{id}/escalate", "reviewer"),
    ("POST", "/inbox/{id}/reassign", "reviewer"),
    ("POST", "/inbox/{id}/send", "reviewer"),
    ("POST", "/inbox/{id}/undo", "reviewer"),
    ("POST", "/api/inbox/{id}/heartbeat", "reviewer"),
    ("POST", "/api/inbox/{id}/release", "reviewer"),
    ("GET", "/api/inbox/{id}/status", "reviewer"),
    ("GET", "/quarantine", "reviewer"),
    ("GET", "/quarantine/{q}", "reviewer"),
    ("POST", "/quarantine/{q}/retry", "reviewer"),
    ("POST", "/quarantine/{q}/dismiss", "ops"),
    ("POST", "/logout", "reviewer"),
]
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/healthz"), ("GET", "/readyz")}
PUBLIC |= {("GET", "/metrics")}  # open unless observability.metrics_token is set
RANK = {"reviewer": 0, "ops": 1, "admin": 2}
LOGIN_AS = {"reviewer": "riley", "ops": "olive", "admin": "ada"}
UNPARSEABLE = b"Subject: no sender at all\r\n\r\nwho wrote this?\r\n"


def _paths(stack: UiStack) -> dict[str, str]:
    item = stack.add_message(1)
    with stack.database.session() as session:
        quarantined = accept_raw_message(session, raw=UNPARSEABLE, source=InboundSource.FILE)
        assert quarantined.message.status.value == "quarantined"
        q = quarantined.message.id
    return {"{id}": str(item), "{q}": str(q)}


def _fill(path: str, ids: dict[str, str]) -> str:
    for key, value in ids.items():
        path = path.replace(key, value)
    return path


def _outcome(response: object) -> str:
    status = response.status_code  # type: ignore[attr-defined]
    location = response.headers.get("location", "")  # type: ignore[attr-defined]
    if status == 401 or (status == 303 and location.startswith("/login")):
        return "sign in"
    if status == 403:
        return "forbidden"
    assert status < 500, response.text  # type: ignore[attr-defined]
    return "allowed"


def _api_routes(routes: list[Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, APIRoute):
            found |= {(method, route.path) for method in route.methods}
        elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.120)
            found |= _api_routes(route.original_router.routes)
        else:
            # Mounts: static files, and the JSON API app with its own API keys (tests/api).
            assert getattr(route, "path", "/static") in {"/static", "/api/v1"}, route
    return found


def test_the_table_covers_every_route(ui_stack: UiStack) -> None:
    routes = _api_routes(ui_stack.app.routes)
    table = {(method, path.replace("{id}", "{message_id}").replace("{q}", "{message_id}"))
             for method, path, _ in ROUTES}  # fmt: skip
    # The ops console's routes have their own table in tests/ui/ops/test_authorisation.py.
    ops = {route for route in routes if route[1].startswith("/ops")}
    assert routes - PUBLIC - ops == table


@pytest.mark.parametrize("role", ["anonymous", "reviewer", "ops", "admin"])
def test_every_route_by_role(ui_stack: UiStack, role: str) -> None:
    ids = _paths(ui_stack)
    client = ui_stack.client(None if role == "anonymous" else LOGIN_AS[role])
    token = csrf_of(client) if role != "anonymous" else "none"
    expected, actual = {}, {}
    for method, path, needed in ROUTES:
        if path == "/logout":
            continue  # signs the client out; tested below
        if role == "anonymous":
            expected[path] = "sign in"
        else:
            expected[path] = "allowed" if RANK[role] >= RANK[needed] else "forbidden"
        url = _fill(path, ids)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        actual[path] = _outcome(response)
    assert actual == expected


def test_anonymous_pages_redirect_and_json_gets_401(ui_stack: UiStack) -> None:
    client = ui_stack.client()
    page = client.get("/inbox?category=order_status")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Finbox%3Fcategory%3Dorder_status&why=signin"
    api = client.get("/api/inbox/1/status")
    assert api.status_code == 401 and api.json()["detail"] == "not signed in"
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200


@pytest.mark.parametrize("token", ["missing", "wrong", "other-session"])
def test_every_post_checks_csrf(ui_stack: UiStack, token: str) -> None:
    ids = _paths(ui_stack)
    client = ui_stack.client("ada")
    other = csrf_of(ui_stack.client("olive"))
    data = {
        "missing": {},
        "wrong": {"csrf_token": "x" * 43},
        "other-session": {"csrf_token": other},
    }
    for method, path, _ in ROUTES:
        if method != "POST":
            continue
        response = client.post(_fill(path, ids), data=data[token])
        assert response.status_code == 403, path
    assert client.get("/inbox").status_code == 200  # still signed in: logout was refused too


def test_csrf_token_in_a_header_is_accepted(ui_stack: UiStack) -> None:
    ids = _paths(ui_stack)
    client = ui_stack.client("riley")
    url = f"/api/inbox/{ids['{id}']}/heartbeat"
    assert client.post(url).status_code == 403
    response = client.post(url, headers={"X-CSRF-Token": csrf_of(client)})
    assert response.status_code == 200 and response.json()["held"] is True


def test_login_form_needs_its_csrf_token(ui_stack: UiStack) -> None:
    client = ui_stack.client()
    response = client.post("/login", data={"username": "riley", "password": "x"})
    assert response.status_code == 403


def test_logout_ends_the_session(ui_stack: UiStack) -> None:
    client = ui_stack.client("riley")
    response = client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303 and response.headers["location"] == "/login?why=signed-out"
    assert client.get("/inbox").status_code == 303


def test_a_reviewer_gets_a_clear_403_page(ui_stack: UiStack) -> None:
    ids = _paths(ui_stack)
    client: TestClient = ui_stack.client("riley")
    url = f"/quarantine/{ids['{q}']}/dismiss"
    response = client.post(url, data={"csrf_token": csrf_of(client)})
    assert response.status_code == 403
    assert "This needs the ops role." in response.text
