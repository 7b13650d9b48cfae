"""The overview pages (signed in) and health endpoints, on a real database of each kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hatchway.config import load_settings
from hatchway.intake import accept_raw_message
from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.store.models import InboundSource
from hatchway.ui.app import create_app
from tests.ui.conftest import login, make_users

CUSTOMER_MAIL = (
    b"From: Jo Bloggs <jo@example.com>\r\nTo: support@shop.example\r\n"
    b"Subject: Where is my order <NW-1>?\r\nMessage-ID: <a1@example.com>\r\n"
    b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nHello, <script>alert(1)</script> any news?\r\n"
)


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    settings = load_settings(dev_mode=True, database_url=str(database.url))
    make_users(database)
    with TestClient(create_app(settings, database)) as client:
        login(client, "riley")
        yield client


def test_overview_lists_stored_messages_escaped(client: TestClient, database: Database) -> None:
    with database.session() as session:
        ensure_categories(session)
        message_id = accept_raw_message(
            session, raw=CUSTOMER_MAIL, source=InboundSource.FILE
        ).message.id
    page = client.get("/")
    assert page.status_code == 200
    assert "Where is my order &lt;NW-1&gt;?" in page.text
    assert "order_status" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    detail = client.get(f"/messages/{message_id}")
    assert detail.status_code == 200
    assert "<script>" not in detail.text
    assert "&lt;script&gt;" in detail.text


def test_unknown_message_is_404(client: TestClient) -> None:
    assert client.get("/messages/424242").status_code == 404


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ok"


def test_not_ready_on_an_unmigrated_database(empty_database: Database) -> None:
    settings = load_settings(dev_mode=True)
    client = TestClient(create_app(settings, empty_database))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "hatchway db upgrade" in response.json()["database"]["fix"]
