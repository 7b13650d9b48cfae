"""The worker's triage handler as ``open_handlers`` builds it (offline pinned models): a
message ingest stored unparsed is parsed by its triage job first, then triaged; loop mail
and broken mail end at the parse step, with their reason, and no graph runs for them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hatchway.config import Settings, load_settings
from hatchway.demo import find_demo_data, train_demo_classifier
from hatchway.handlers import open_handlers
from hatchway.intake import TRIAGE_JOB
from hatchway.policies.categories import ensure_categories
from hatchway.raw_store import FetchedRaw, store_fetched
from hatchway.store import Database
from hatchway.store.jobs import claim_job
from hatchway.store.models import Draft, GraphRun, InboundMessage, InboundStatus, Mailbox
from hatchway.worker import JobHandler

QUESTION = (
    b"From: Emma Hughes <emma@example.com>\r\nTo: support@shop.example\r\n"
    b"Subject: Where is order NW-100231?\r\nMessage-ID: <h1@example.com>\r\n"
    b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\n"
    b"Hi, my order NW-100231 has not arrived yet. Where is my parcel?\r\n"
)
OUT_OF_OFFICE = (
    b"From: Jo <jo@example.com>\r\nTo: support@shop.example\r\nSubject: Out of office\r\n"
    b"Message-ID: <h2@example.com>\r\nAuto-Submitted: auto-replied\r\n"
    b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nI am away until Monday.\r\n"
)
NO_SENDER = b"Subject: no sender here\r\nMessage-ID: <h3@example.com>\r\n\r\nbody\r\n"


@pytest.fixture(scope="module")
def classifier_pin(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    models_dir = tmp_path_factory.mktemp("models")
    return train_demo_classifier(find_demo_data(), models_dir), models_dir


@pytest.fixture
def handlers(database: Database, classifier_pin: tuple[str, Path]) -> Iterator[JobHandler]:
    """The triage handler exactly as a worker process builds it, with local models pinned."""
    pin, models_dir = classifier_pin
    settings: Settings = load_settings(
        dev_mode=True,
        database_url=database.url.render_as_string(hide_password=False),
        own_domains=["shop.example"],
        models_dir=models_dir,
        models={"pins": {"classify": pin}},
    )
    with database.session() as session:
        ensure_categories(session)
    with open_handlers(settings, database, owner="test-worker") as built:
        yield built[TRIAGE_JOB]


def _ingested(database: Database, *mails: bytes) -> dict[bytes, int]:
    """Store ``mails`` as IMAP ingest does (raw bytes and a triage job each, no parse)."""
    with database.session() as session:
        mailbox = Mailbox(name="support", folder="INBOX", uidvalidity=1)
        session.add(mailbox)
        session.flush()
        store_fetched(
            session,
            mailbox_id=mailbox.id,
            uidvalidity=1,
            messages=[FetchedRaw(uid=uid, raw=raw) for uid, raw in enumerate(mails, 1)],
        )
    with database.session() as session:
        rows = session.execute(select(InboundMessage.raw, InboundMessage.id, InboundMessage.status))
        stored = {raw: (message_id, status) for raw, message_id, status in rows}
    assert {status for _, status in stored.values()} == {InboundStatus.RECEIVED}
    return {raw: message_id for raw, (message_id, _) in stored.items()}


def _run_triage_jobs(database: Database, triage: JobHandler) -> int:
    """Claim and run every triage job, as a worker slot does; returns how many ran."""
    ran = 0
    while job := claim_job(
        database, owner="test-worker", kinds=[TRIAGE_JOB], lease=timedelta(minutes=5)
    ):
        triage(job)
        ran += 1
    return ran


def test_the_triage_job_parses_an_unparsed_message_then_runs_its_graph_to_review(
    database: Database, handlers: JobHandler
) -> None:
    ids = _ingested(database, QUESTION)
    assert _run_triage_jobs(database, handlers) == 1
    with database.session() as session:
        message = session.get_one(InboundMessage, ids[QUESTION])
        assert message.parsed_at is not None
        assert message.subject == "Where is order NW-100231?"
        assert message.thread_id is not None
        assert message.status == InboundStatus.IN_REVIEW, message.status_reason
        runs = session.scalar(
            select(func.count())
            .select_from(GraphRun)
            .where(GraphRun.inbound_message_id == message.id)
        )
        drafts = session.scalar(
            select(func.count()).select_from(Draft).where(Draft.inbound_message_id == message.id)
        )
    assert runs == 1
    assert drafts == 1


def test_loop_mail_and_broken_mail_end_at_the_parse_step_with_their_reason(
    database: Database, handlers: JobHandler
) -> None:
    ids = _ingested(database, OUT_OF_OFFICE, NO_SENDER)
    assert _run_triage_jobs(database, handlers) == 2
    with database.session() as session:
        auto = session.get_one(InboundMessage, ids[OUT_OF_OFFICE])
        broken = session.get_one(InboundMessage, ids[NO_SENDER])
        assert auto.status == InboundStatus.IGNORED
        assert auto.status_reason and "auto" in auto.status_reason.lower()
        assert broken.status == InboundStatus.QUARANTINED
        assert broken.status_reason
        assert broken.raw == NO_SENDER  # the bytes are kept
        runs = session.scalar(select(func.count()).select_from(GraphRun))
        drafts = session.scalar(select(func.count()).select_from(Draft))
    assert (runs, drafts) == (0, 0)
