"""Ops console fixtures: an app with the ops routers on each database, a fixed clock, users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hatchway.config import load_settings
from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.ui.app import create_app
from hatchway.ui.ops import OpsSettings
from hatchway.ui.settings import UiSettings
from tests.ui.conftest import login, make_users

LOGIN_AS = {"reviewer": "riley", "ops": "olive", "admin": "ada"}
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def fixed_now() -> datetime:
    """Today at noon UTC: close to the real clock (audit events carry real times)."""
    return datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


def build_app(database: Database, now: datetime, ops: OpsSettings | None = None) -> FastAPI:
    """The web app as it will ship, with the ops routers included and a fixed clock."""
    settings = load_settings(dev_mode=True, database_url=str(database.url))
    app = create_app(settings, database, ui_settings=UiSettings(), clock=lambda: now)
    app.state.ops_settings = ops or OpsSettings()
    return app


@dataclass
class OpsStack:
    """The app, its database and clock, the users and a signed-in client per user."""

    database: Database
    app: FastAPI
    now: datetime
    user_ids: dict[str, int]
    clients: list[TestClient] = field(default_factory=list)

    def client(self, username: str | None = None) -> TestClient:
        """A client, signed in as ``username`` when given."""
        client = TestClient(self.app, follow_redirects=False)
        self.clients.append(client)
        if username is not None:
            response = login(client, username)
            assert response.status_code == 303, response.text
        return client

    def as_role(self, role: str) -> TestClient:
        """A client signed in with ``role`` (reviewer, ops, admin) or anonymous."""
        return self.client(None if role == "anonymous" else LOGIN_AS[role])


def csrf(client: TestClient) -> str:
    """The session's CSRF token, read from an ops page."""
    match = _META.search(client.get("/ops/models").text)
    assert match is not None
    return match.group(1)


@pytest.fixture
def ops_stack(database: Database) -> Iterator[OpsStack]:
    with database.session() as session:
        ensure_categories(session)
    now = fixed_now()
    stack = OpsStack(database, build_app(database, now), now, make_users(database))
    yield stack
    for client in stack.clients:
        client.close()
