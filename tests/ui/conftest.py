"""UI fixtures: an app on each database with users, items waiting for review, signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from langgraph.checkpoint.base import BaseCheckpointSaver

from hatchway.accounts import create_or_reset_user
from hatchway.config import load_settings
from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import TriageRunner
from hatchway.intake import accept_raw_message
from hatchway.policies.categories import ensure_categories
from hatchway.review import REOPEN_REVIEW_JOB, REVIEW_DECISION_JOB
from hatchway.store import Database
from hatchway.store.jobs import claim_job, finish_job
from hatchway.store.models import InboundSource, Role, utcnow
from hatchway.ui.app import create_app
from hatchway.ui.settings import UiSettings
from tests.graphs.conftest import make_services

PASSWORD = "correct-horse-battery"
USERS = {
    "riley": (Role.REVIEWER, "Riley Reviewer"),
    "sam": (Role.REVIEWER, "Sam Second"),
    "olive": (Role.OPS, "Olive Ops"),
    "ada": (Role.ADMIN, "Ada Admin"),
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def customer_mail(n: int, *, subject: str | None = None, html: bool = False) -> bytes:
    """A customer's question about an order; ``html`` adds an HTML part with a link."""
    subject = subject or f"Where is order NW-{100230 + n}?"
    head = (
        f"From: Customer {n} <customer{n}@example.com>\r\nTo: support@shop.example\r\n"
        f"Subject: {subject}\r\nMessage-ID: <c{n}-{utcnow().timestamp()}@example.com>\r\n"
        f"Date: Sun, 22 Nov 2026 10:{n % 60:02d}:00 +0000\r\n"
    ).encode()
    if not html:
        return head + f"\r\nHi, my order NW-{100230 + n} has not arrived.\r\n".encode()
    return head + (
        b'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nHi, see https://evil.example/x\r\n"
        b'--b\r\nContent-Type: text/html\r\n\r\n<p>Hi, <a href="https://evil.example/x">see'
        b' this</a><img src="https://tracker.example/p.gif" alt="pixel"></p>\r\n--b--\r\n'
    )


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@dataclass
class UiStack:
    """An app over a migrated database, with users and a way to run the worker's jobs."""

    database: Database
    app: FastAPI
    runner: TriageRunner
    clock: Clock
    user_ids: dict[str, int] = field(default_factory=dict)
    clients: list[TestClient] = field(default_factory=list)

    def add_message(self, n: int, **kwargs: Any) -> int:
        """Store a customer mail and run its graph to the review interrupt."""
        with self.database.session() as session:
            message_id = accept_raw_message(
                session, raw=customer_mail(n, **kwargs), source=InboundSource.FILE
            ).message.id
        self.runner.start(message_id)
        return message_id

    def client(self, username: str | None = None) -> TestClient:
        """A client of the app, signed in as ``username`` when given."""
        client = TestClient(self.app, follow_redirects=False)
        self.clients.append(client)
        if username is not None:
            response = login(client, username)
            assert response.status_code == 303, response.text
        return client

    def work(self) -> None:
        """What a worker does with queued decisions and reopen jobs."""
        kinds = {REVIEW_DECISION_JOB, REOPEN_REVIEW_JOB}
        while job := claim_job(self.database, owner="w", kinds=kinds, lease=timedelta(minutes=1)):
            assert job.inbound_message_id is not None
            if job.kind == REVIEW_DECISION_JOB:
                decision = ReviewerDecision.model_validate(job.payload)
                self.runner.resume(job.inbound_message_id, decision)
            else:
                self.runner.reopen(job.inbound_message_id)
            with self.database.session() as session:
                finish_job(session, job)


def login_form(client: TestClient) -> str:
    """GET /login and return the form's CSRF token (its cookie is now set)."""
    page = client.get("/login")
    match = _CSRF.search(page.text)
    assert match is not None
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the form, as a browser does."""
    token = login_form(client)
    form = {"username": username, "password": password, "csrf_token": token}
    return client.post("/login", data=form)


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token, read from a page."""
    match = _META.search(client.get("/inbox").text)
    assert match is not None
    return match.group(1)


def make_users(database: Database) -> dict[str, int]:
    """The four test users, one password."""
    ids = {}
    with database.session() as session:
        for username, (role, name) in USERS.items():
            user = create_or_reset_user(
                session, username=username, password=PASSWORD, role=role, display_name=name
            )
            ids[username] = user.id
    return ids


@pytest.fixture
def checkpointer(database: Database) -> Iterator[BaseCheckpointSaver[Any]]:
    with open_checkpointer(database) as saver:
        yield saver


@pytest.fixture
def ui_stack(database: Database, checkpointer: BaseCheckpointSaver[Any]) -> Iterator[UiStack]:
    with database.session() as session:
        ensure_categories(session)
    settings = load_settings(dev_mode=True, database_url=str(database.url))
    clock = Clock()
    app = create_app(
        settings, database, ui_settings=UiSettings(counts_cache_seconds=0), clock=clock
    )
    runner = TriageRunner(make_services(database), checkpointer, owner="worker-ui")
    stack = UiStack(database, app, runner, clock, make_users(database))
    yield stack
    for client in stack.clients:
        client.close()


ClientFactory = Callable[[str | None], TestClient]
