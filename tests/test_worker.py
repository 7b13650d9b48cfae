"""The worker loop: runs handlers, retries failures, and sends exhausted work to review (I4)."""

from __future__ import annotations

import threading
from datetime import timedelta

from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob, enqueue
from hatchway.store.models import InboundMessage, InboundSource, InboundStatus, Job, JobState
from hatchway.worker import Worker


def _message_with_job(database: Database, max_attempts: int = 3) -> tuple[int, int]:
    with database.session() as session:
        message = InboundMessage(
            source=InboundSource.FILE, raw=b"Subject: x\n\nhi", content_sha256="a" * 64
        )
        session.add(message)
        session.flush()
        job = enqueue(session, kind="triage", inbound_message_id=message.id)
        job.max_attempts = max_attempts
        return message.id, job.id


def test_successful_job_is_done(database: Database) -> None:
    _, job_id = _message_with_job(database)
    seen: list[int] = []
    worker = Worker(database, {"triage": lambda job: seen.append(job.id)})
    assert worker.run_once() is True
    assert worker.run_once() is False
    assert seen == [job_id]
    with database.session() as session:
        assert session.get(Job, job_id).state == JobState.DONE  # type: ignore[union-attr]


def test_failing_job_retries_then_lands_in_review_with_reason(database: Database) -> None:
    message_id, job_id = _message_with_job(database, max_attempts=2)

    def broken(job: ClaimedJob) -> None:
        raise RuntimeError("model provider down")

    worker = Worker(database, {"triage": broken}, retry_base=timedelta(0))
    assert worker.run_once() is True
    with database.session() as session:
        assert session.get(Job, job_id).state == JobState.QUEUED  # type: ignore[union-attr]
    assert worker.run_once() is True
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        assert message.status == InboundStatus.IN_REVIEW
        assert "model provider down" in (message.status_reason or "")
        assert session.get(Job, job_id).state == JobState.FAILED  # type: ignore[union-attr]


def test_run_stops_when_asked(database: Database) -> None:
    worker = Worker(database, {"triage": lambda job: None}, poll_interval=0.01)
    thread = threading.Thread(target=worker.run)
    thread.start()
    worker.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_pollers_run_every_loop_and_a_failing_one_is_not_fatal(database: Database) -> None:
    calls: list[str] = []

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("smtp down")

    worker = Worker(database, {}, poll_interval=0.01, pollers=[broken, lambda: calls.append("ok")])
    thread = threading.Thread(target=worker.run)
    thread.start()
    while calls.count("ok") < 3:
        threading.Event().wait(0.01)
    worker.stop()
    thread.join(timeout=10)
    assert calls.count("broken") >= 3
