"""The docs page in Chromium: its CSP lets Swagger UI start, and blocks what it should.

No network here: requests to this server are answered by the app (TestClient) and
requests to the CDN by a stand-in Swagger UI, so what is tested is the browser's
enforcement of the page's real Content-Security-Policy header.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hatchway.api.docs import SWAGGER_UI_CDN
from hatchway.ui.app import CONTENT_SECURITY_POLICY
from tests.api.conftest import API, ApiStack

pytestmark = pytest.mark.ui

CHROMIUM = Path("/usr/bin/chromium")
ORIGIN = "http://hatchway.test"
# Stands in for swagger-ui-bundle.js: records the spec URL it was started with.
FAKE_BUNDLE = (
    "window.SwaggerUIBundle = function (options) { document.body.dataset.spec = options.url; };"
    "SwaggerUIBundle.presets = {apis: {}}; window.SwaggerUIStandalonePreset = {};"
)
WATCH_VIOLATIONS = (
    "window.violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.add_init_script(WATCH_VIOLATIONS)
        try:
            yield page
        finally:
            browser.close()


def _serve(page: Any, api: ApiStack, *, policy: str | None = None) -> None:
    def app(route: Any) -> None:
        response = api.client.get(route.request.url.removeprefix(ORIGIN))
        headers = dict(response.headers)
        if policy is not None:
            headers["content-security-policy"] = policy
        route.fulfill(status=response.status_code, headers=headers, body=response.content)

    def cdn(route: Any) -> None:
        js = route.request.url.endswith(".js")
        route.fulfill(status=200, content_type="text/javascript" if js else "text/css",
                      body=FAKE_BUNDLE if js else "")  # fmt: skip

    page.route(f"{ORIGIN}/**", app)
    page.route(f"{SWAGGER_UI_CDN}/**", cdn)


def test_swagger_ui_starts_under_the_docs_pages_own_policy(
    browser_page: Any, api: ApiStack
) -> None:
    _serve(browser_page, api)
    browser_page.goto(f"{ORIGIN}{API}/docs")
    browser_page.wait_for_function("document.body.dataset.spec !== undefined")
    assert browser_page.evaluate("document.body.dataset.spec") == f"{API}/openapi.json"
    assert browser_page.evaluate("window.violations") == []


def test_the_web_apps_policy_would_have_blocked_it(browser_page: Any, api: ApiStack) -> None:
    # The control: the same page under the UI's self-only policy does not start.
    _serve(browser_page, api, policy=CONTENT_SECURITY_POLICY)
    browser_page.goto(f"{ORIGIN}{API}/docs")
    browser_page.wait_for_function("window.violations.length >= 2")
    assert browser_page.evaluate("document.body.dataset.spec") is None
    directives = " ".join(browser_page.evaluate("window.violations"))
    assert "script-src" in directives and "cdn.jsdelivr.net" in directives
