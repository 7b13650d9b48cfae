"""JSON errors everywhere under /api/v1 (and nowhere else); the schema and the docs page."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from hatchway.api.routes import categories
from hatchway.store.models import Role
from tests.api.conftest import API, ApiStack


def test_a_query_validation_error_names_the_parameter(api: ApiStack) -> None:
    response = api.get("/messages", params={"limit": 0})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "limit"
    assert set(response.json()) == {"error"}
    assert set(response.json()["error"]) == {"code", "message", "field"}


def test_a_path_validation_error_names_the_parameter(api: ApiStack) -> None:
    response = api.get("/messages/abc")
    assert response.status_code == 422 and response.json()["error"]["field"] == "message_id"
    too_big = api.get(f"/messages/{2**70}")
    assert too_big.status_code == 422


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/nowhere", 404),
                                                        ("DELETE", "/messages", 405)])  # fmt: skip
def test_unknown_paths_and_methods_are_json(
    api: ApiStack, method: str, path: str, status: int
) -> None:
    response = api.client.request(method, API + path, headers=api.headers())
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] in {"not_found", "method_not_allowed"}


def test_an_unexpected_failure_is_a_plain_500_without_the_details(
    api: ApiStack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("password=hunter2 in a stack frame")

    monkeypatch.setattr(categories, "current_gate_version", explode)
    response = api.get("/categories", Role.ADMIN)
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on our side.",
            "field": None,
        }
    }
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "hunter2" in caplog.text  # logged for the operator


def test_the_html_app_keeps_its_own_errors(api: ApiStack) -> None:
    # Outside /api/v1 nothing changes: the web app's own formats, its own /api routes.
    assert api.client.get("/no-such-page").json() == {"detail": "Not Found"}
    inbox_api = api.client.get("/api/inbox/1/status", headers=api.headers())
    assert inbox_api.status_code == 401 and inbox_api.json()["detail"] == "not signed in"
    page = api.client.get("/inbox", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert api.client.get("/openapi.json").status_code == 404  # the HTML app has no schema


def test_the_openapi_schema_documents_the_api(api: ApiStack) -> None:
    schema = api.client.get(f"{API}/openapi.json").json()
    assert schema["info"]["title"] == "hatchway API"
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    submit = schema["paths"]["/messages"]["post"]
    assert set(submit["requestBody"]["content"]) == {"application/json", "message/rfc822"}
    assert {"200", "201", "401", "415", "422"} <= set(submit["responses"])
    error = schema["components"]["schemas"]["ErrorBody"]
    assert set(error["properties"]) == {"code", "message", "field"}


def test_the_docs_page_allows_exactly_its_own_inline_script(api: ApiStack) -> None:
    response = api.client.get(f"{API}/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(scripts) == 1 and f"url: '{API}/openapi.json'" in scripts[0]
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy
    remote = set(re.findall(r'(?:src|href)="(https?://[^"]+)"', response.text))
    assert remote and all(
        url.startswith("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.") for url in remote
    )
    # Other API answers keep the web app's strict policy.
    other = api.get("/categories").headers["content-security-policy"]
    assert "script-src 'self'" in other
