"""Every ops route × every role, and CSRF on every ops POST."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response

from hatchway.ui.ops import ops_routers
from tests.ui.ops.conftest import OpsStack, csrf
from tests.ui.ops.seed import seed

# (method, path, lowest role allowed, form). Reviewers may read the console, not change it.
ROUTES: list[tuple[str, str, str, dict[str, str]]] = [
    ("GET", "/ops", "reviewer", {}),
    ("GET", "/ops/categories/order_status", "reviewer", {}),
    ("GET", "/ops/models", "reviewer", {}),
    ("GET", "/ops/costs", "reviewer", {}),
    ("GET", "/ops/audit", "ops", {}),
    ("GET", "/ops/audit-log", "ops", {}),
    ("POST", "/ops/categories/order_status/promote", "ops", {"to": "shadow"}),
    ("POST", "/ops/categories/order_status/demote", "ops", {"reason": "test"}),
    ("POST", "/ops/categories/order_status/kill-switch", "ops", {"enabled": "on", "reason": "t"}),
    ("POST", "/ops/kill-switch", "ops", {"enabled": "on", "reason": "test"}),
    ("POST", "/ops/audit/{sample}/verdict", "ops", {"verdict": "correct"}),
]
RANK = {"reviewer": 0, "ops": 1, "admin": 2}
TEMPLATE_PATHS = {
    "/ops/categories/order_status": "/ops/categories/{name}",
    "/ops/categories/order_status/promote": "/ops/categories/{name}/promote",
    "/ops/categories/order_status/demote": "/ops/categories/{name}/demote",
    "/ops/categories/order_status/kill-switch": "/ops/categories/{name}/kill-switch",
    "/ops/audit/{sample}/verdict": "/ops/audit/{sample_id}/verdict",
}


def _outcome(response: Response) -> str:
    location = response.headers.get("location", "")
    if response.status_code == 401 or (response.status_code == 303 and "/login" in location):
        return "sign in"
    if response.status_code == 403:
        return "forbidden"
    assert response.status_code < 500, response.text
    return "allowed"


def _call(client: TestClient, method: str, path: str, data: dict[str, str]) -> Response:
    return client.get(path) if method == "GET" else client.post(path, data=data)


def test_the_table_covers_every_ops_route() -> None:
    routes = {
        (method, route.path)
        for router in ops_routers()
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert routes == {(m, TEMPLATE_PATHS.get(p, p)) for m, p, _, _ in ROUTES}


@pytest.mark.parametrize("role", ["anonymous", "reviewer", "ops", "admin"])
def test_every_ops_route_by_role(ops_stack: OpsStack, role: str) -> None:
    sample = seed(ops_stack.database, ops_stack.now).samples[0]
    client = ops_stack.as_role(role)
    token = "none" if role == "anonymous" else csrf(client)
    expected, actual = {}, {}
    for method, path, needed, form in ROUTES:
        url = path.replace("{sample}", str(sample))
        if role == "anonymous":
            expected[(method, path)] = "sign in"
        else:
            expected[(method, path)] = "allowed" if RANK[role] >= RANK[needed] else "forbidden"
        actual[(method, path)] = _outcome(_call(client, method, url, {**form, "csrf_token": token}))
    assert actual == expected


def test_a_reviewer_sees_no_change_buttons(ops_stack: OpsStack) -> None:
    client = ops_stack.as_role("reviewer")
    for page in ("/ops", "/ops/categories/order_status", "/ops/models"):
        html = client.get(page).text
        assert 'method="post" action="/ops' not in html, page
        assert "data-promote" not in html and "Demote" not in html
    assert "read only" in client.get("/ops").text
    ops = ops_stack.as_role("ops").get("/ops").text
    assert 'data-promote="shadow"' in ops and 'data-promote="auto"' in ops


def test_anonymous_is_sent_to_sign_in_with_the_page_to_come_back_to(ops_stack: OpsStack) -> None:
    response = ops_stack.client().get("/ops/costs")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fops%2Fcosts&why=signin"


@pytest.mark.parametrize("token", ["missing", "wrong", "other-session"])
def test_every_ops_post_checks_csrf(ops_stack: OpsStack, token: str) -> None:
    sample = seed(ops_stack.database, ops_stack.now).samples[0]
    client = ops_stack.as_role("admin")
    tokens = {"missing": None, "wrong": "x" * 43, "other-session": csrf(ops_stack.as_role("ops"))}
    for method, path, _, form in ROUTES:
        if method != "POST":
            continue
        data = dict(form) if tokens[token] is None else {**form, "csrf_token": tokens[token]}
        response = client.post(path.replace("{sample}", str(sample)), data=data)
        assert response.status_code == 403, path
    # Nothing changed: no mode change, no switch, no verdict.
    log = client.get("/ops/audit-log").text
    assert "kill_switch.on" not in log and "category.mode_" not in log
    assert "audit.verdict" not in log


def test_every_ops_form_carries_the_session_csrf_token(ops_stack: OpsStack) -> None:
    seed(ops_stack.database, ops_stack.now)
    client = ops_stack.as_role("admin")
    token = csrf(client)
    pages = ("/ops", "/ops/categories/order_status", "/ops/models", "/ops/audit")
    forms = 0
    for page in pages:
        for form in re.findall(r'<form method="post".*?</form>', client.get(page).text, re.S):
            forms += 1
            assert f'name="csrf_token" value="{token}"' in form, (page, form[:200])
    assert forms > 20
