"""A live hatchway for the browser: uvicorn on a free port, a worker thread, real SMTP.

The worker runs what `hatchway worker` runs (triage, review decisions, reopen; the outbox
relay as a poller) with scripted models, and the relay sends to the aiosmtpd test server.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo

from hatchway.config import load_settings
from hatchway.connectors.smtp import SmtplibMailSender, SmtpSettings
from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import TriageRunner
from hatchway.intake import TRIAGE_JOB, accept_raw_message
from hatchway.outbox import OutboxRelay, OutboxSettings
from hatchway.policies.categories import ensure_categories
from hatchway.review import REOPEN_REVIEW_JOB, REVIEW_DECISION_JOB
from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob
from hatchway.store.migrate import upgrade
from hatchway.store.models import InboundMessage, InboundSource, InboundStatus
from hatchway.ui.app import create_app
from hatchway.worker import Worker
from tests.graphs.conftest import CLASSIFICATION, make_services
from tests.ui.conftest import make_users

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HOLD_SECONDS = 6.0
SHOP = "support@shop.example"

MAILS = [
    ("Emma Hughes", "emma", "Where is order NW-100231?", "Hi, my order NW-100231 has not "
     "arrived yet. It was due on Tuesday. Can you check where it is?"),
    ("Liam Park", "liam", "Refund for the broken lantern", "The lantern NW-LANT-1 arrived "
     "cracked. I would like a refund please, photos attached."),
    ("Noah Fischer", "noah", "Is the 2-person tent back in stock?", "Hello, when will the "
     "NW-TENT-2P be available again? I need it before the 12th."),
    ("Olivia Brandt", "olivia", "Change delivery address", "Please send order NW-100250 to "
     "my office instead: 4 Harbour Street, Leith."),
    ("Mia Laurent", "mia", "Invoice copy for March", "Could you send me a copy of the invoice "
     "for my March order? Our accounts team needs it."),
    ("Ben Okafor", "ben", "Cancel my order please", "I ordered the wrong size, please cancel "
     "NW-100262 before it ships."),
]  # fmt: skip
CATEGORY_BY_WORD = {
    "refund please": "refund", "in stock": "product_availability",
    "delivery address": "address_change", "invoice for": "invoice_copy",
    "cancel nw-": "cancellation",
}  # fmt: skip


def _classify(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """Scripted classifier: the category from a keyword of the (fenced) email text."""
    request = messages[-1]
    parts = getattr(request, "parts", [])
    text = " ".join(str(p.content) for p in parts if isinstance(p, UserPromptPart)).lower()
    category = next((c for word, c in CATEGORY_BY_WORD.items() if word in text), "order_status")
    args = {**CLASSIFICATION, "category": category, "entities": {}}
    return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, args)])


def _mail(n: int, name: str, local: str, subject: str, text: str) -> bytes:
    return (
        f"From: {name} <{local}@example.com>\r\nTo: {SHOP}\r\nSubject: {subject}\r\n"
        f"Message-ID: <live-{n}@example.com>\r\nDate: Sun, 22 Nov 2026 09:{n:02d}:00 +0000\r\n"
        f"\r\n{text}\r\n\r\nThanks,\r\n{name.split()[0]}\r\n"
    ).encode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """The running app: its URL, database and the subjects of the items waiting."""

    url: str
    database: Database
    ids: dict[str, int]

    def status(self, message_id: int) -> InboundStatus:
        """The message's status now."""
        with self.database.session() as session:
            message = session.get(InboundMessage, message_id)
            assert message is not None
            return message.status

    def wait_status(self, message_id: int, status: InboundStatus, timeout: float = 20) -> None:
        """Wait until the worker has moved the message to ``status``."""
        deadline = time.monotonic() + timeout
        while self.status(message_id) != status:
            if time.monotonic() > deadline:
                pytest.fail(f"message {message_id} is {self.status(message_id)}, not {status}")
            time.sleep(0.1)


def _worker(database: Database, smtp_port: int, stop: threading.Event) -> None:
    outbox = OutboxSettings(hold_review_seconds=HOLD_SECONDS, retry_base_seconds=1)
    services = dataclasses.replace(make_services(database, classify=_classify), outbox=outbox)
    sender = SmtplibMailSender(
        SmtpSettings(host="127.0.0.1", port=smtp_port, security="none", from_address=SHOP)
    )
    relay = OutboxRelay(database, sender, outbox)
    with open_checkpointer(database) as checkpointer:
        runner = TriageRunner(services, checkpointer, owner="browser-worker")

        def decide(job: ClaimedJob) -> None:
            assert job.inbound_message_id is not None
            runner.resume(job.inbound_message_id, ReviewerDecision.model_validate(job.payload))

        handlers: dict[str, Any] = {
            TRIAGE_JOB: lambda job: runner.start(job.inbound_message_id),
            REVIEW_DECISION_JOB: decide,
            REOPEN_REVIEW_JOB: lambda job: runner.reopen(job.inbound_message_id),
        }
        worker = Worker(database, handlers, pollers=[relay.relay_once], poll_interval=0.2)
        worker.stop_event = stop
        worker.run()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, smtp_server: Any) -> Iterator[LiveServer]:
    """Migrate a SQLite database, load the mails, start the worker and uvicorn."""
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('live') / 'hatchway.db'}")
    upgrade(database)
    ids: dict[str, int] = {}
    with database.session() as session:
        ensure_categories(session)
        for n, (name, local, subject, text) in enumerate(MAILS):
            raw = _mail(n, name, local, subject, text)
            stored = accept_raw_message(session, raw=raw, source=InboundSource.FILE)
            ids[subject] = stored.message.id
    make_users(database)
    stop = threading.Event()
    worker = threading.Thread(target=_worker, args=(database, smtp_server.port, stop))
    worker.start()
    port = _free_port()
    settings = load_settings(dev_mode=True, database_url=str(database.url))
    config = uvicorn.Config(
        create_app(settings, database), host="127.0.0.1", port=port, log_level="warning",
        ws="none", lifespan="off",
    )  # fmt: skip
    server = uvicorn.Server(config)
    serving = threading.Thread(target=server.run)
    serving.start()
    try:
        live = LiveServer(f"http://127.0.0.1:{port}", database, ids)
        for message_id in ids.values():
            live.wait_status(message_id, InboundStatus.IN_REVIEW, timeout=60)
        while not server.started:
            time.sleep(0.05)
        yield live
    finally:
        server.should_exit = True
        serving.join(timeout=10)
        stop.set()
        worker.join(timeout=30)
        database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; skipped with the reason when either is missing."""
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed; pip install -e '.[dev]'")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("/usr/bin/chromium is missing; apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
