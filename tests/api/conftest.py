"""API fixtures: the web app (which mounts the API) on each database, with a key per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hatchway.api.keys import create_api_key
from hatchway.config import load_settings
from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.store.models import Role
from hatchway.ui.app import create_app
from tests.ui.conftest import UiStack, checkpointer, customer_mail, ui_stack

__all__ = ["ApiStack", "checkpointer", "customer_mail", "ui_stack"]

API = "/api/v1"


@dataclass
class ApiStack:
    """The web app over a migrated database, an API key per role; ``ui`` when items can be
    run to review (users, worker runner)."""

    database: Database
    app: FastAPI
    ui: UiStack | None = None
    tokens: dict[Role, str] = field(default_factory=dict)
    key_ids: dict[Role, int] = field(default_factory=dict)
    client: TestClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = TestClient(self.app, follow_redirects=False)
        with self.database.session() as session:
            for role in Role:
                key = create_api_key(
                    session, name=f"crm-{role.value}", role=role, created_by="test"
                )
                self.tokens[role], self.key_ids[role] = key.token, key.id

    @property
    def review(self) -> UiStack:
        assert self.ui is not None, "use the review_api fixture"
        return self.ui

    def headers(self, role: Role = Role.REVIEWER, **extra: str) -> dict[str, str]:
        """Authorization for a key of ``role``, plus ``extra`` headers."""
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def get(self, path: str, role: Role = Role.REVIEWER, **kwargs: Any) -> Any:
        return self.client.get(API + path, headers=self.headers(role), **kwargs)

    def post(self, path: str, role: Role = Role.REVIEWER, **kwargs: Any) -> Any:
        headers = {**self.headers(role), **kwargs.pop("headers", {})}
        return self.client.post(API + path, headers=headers, **kwargs)

    def submit_raw(self, raw: bytes, **headers: str) -> Any:
        return self.post("/messages", headers={"Content-Type": "message/rfc822", **headers},
                         content=raw)  # fmt: skip

    def count(self, model: Any) -> int:
        with self.database.session() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def api(database: Database) -> Iterator[ApiStack]:
    """The app with categories and API keys; no users, no graph (cheap)."""
    with database.session() as session:
        ensure_categories(session)
    settings = load_settings(dev_mode=True, database_url=str(database.url))
    stack = ApiStack(database, create_app(settings, database))
    yield stack
    stack.client.close()


@pytest.fixture
def review_api(ui_stack: UiStack) -> Iterator[ApiStack]:
    """The UI test stack (users, a graph runner to bring items to review) with API keys."""
    stack = ApiStack(ui_stack.database, ui_stack.app, ui_stack)
    yield stack
    stack.client.close()


def raw_mail(message_id: str, *, subject: str = "Where is my order?", body: str = "Hi") -> bytes:
    """A small, well-formed customer mail with the given Message-ID."""
    return (
        f"From: Casey <casey@example.com>\r\nTo: support@shop.example\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n"
    ).encode()
