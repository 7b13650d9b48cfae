"""The worker loop: runs handlers, retries failures, and sends exhausted work to review (I4)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo
from sqlalchemy import event, select

from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.runner import TriageRunner
from hatchway.graphs.services import TriageSettings
from hatchway.intake import TRIAGE_JOB, accept_raw_message
from hatchway.policies.categories import ensure_categories
from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob, current_job, enqueue, finish_job
from hatchway.store.models import InboundMessage, InboundSource, InboundStatus, Job, JobState
from hatchway.worker import Worker
from tests.graphs.conftest import DRAFT, make_services


def _mail(n: int) -> bytes:
    return (
        f"From: Emma Hughes <emma@example.com>\r\nTo: support@shop.example\r\n"
        f"Subject: Where is order NW-10023{n}?\r\nMessage-ID: <w{n}@example.com>\r\n\r\n"
        f"Hi, my order NW-10023{n} has not arrived.\r\n"
    ).encode()


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


def test_a_stop_event_passed_in_stops_the_loop(database: Database) -> None:
    stop = threading.Event()
    worker = Worker(database, {"triage": lambda job: None}, poll_interval=0.01, stop_event=stop)
    thread = threading.Thread(target=worker.run)
    thread.start()
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def _run_until_stopped_while_busy(worker: Worker, started: threading.Event) -> list[bool]:
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(worker.run()))
    thread.start()
    assert started.wait(10)
    worker.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    return result


def test_stopping_waits_for_the_job_in_hand_within_the_grace(database: Database) -> None:
    _, job_id = _message_with_job(database)
    started = threading.Event()

    def slow(job: ClaimedJob) -> None:
        started.set()
        threading.Event().wait(0.3)

    worker = Worker(database, {"triage": slow}, poll_interval=0.01,
                    shutdown_grace=timedelta(seconds=10))  # fmt: skip
    assert _run_until_stopped_while_busy(worker, started) == [True]
    with database.session() as session:
        assert session.get(Job, job_id).state == JobState.DONE  # type: ignore[union-attr]


def test_a_job_outlasting_the_grace_is_handed_back_and_its_late_finish_ignored(
    database: Database,
) -> None:
    _, job_id = _message_with_job(database)
    started, release = threading.Event(), threading.Event()

    def stuck(job: ClaimedJob) -> None:
        started.set()
        release.wait(10)

    worker = Worker(database, {"triage": stuck}, poll_interval=0.01,
                    shutdown_grace=timedelta(seconds=0.2))  # fmt: skip
    assert _run_until_stopped_while_busy(worker, started) == [False]
    release.set()  # the abandoned handler returns; its finish must not count
    threading.Event().wait(0.3)
    with database.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.state, job.lease_owner, job.attempts) == (JobState.QUEUED, None, 0)
    assert Worker(database, {"triage": lambda job: None}).run_once() is True


def test_graph_runs_overlap_up_to_the_concurrency_and_never_beyond(database: Database) -> None:
    """Six triage jobs through the real graph at concurrency 3: each draft call waits on the
    shared model loop until three are in flight (then a while longer, so a fourth claimed job
    would reach it too); the most in flight at once must be exactly 3."""
    with database.session() as session:
        ensure_categories(session)
        ids = [
            accept_raw_message(session, raw=_mail(n), source=InboundSource.FILE).message.id
            for n in range(6)
        ]
    inside, most, calls = [0], [0], [0]

    async def slow_draft(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        inside[0] += 1
        calls[0] += 1
        most[0] = max(most[0], inside[0])
        try:
            for _ in range(200):  # until three have been in flight at once (10 s at most)
                if most[0] >= 3:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
        finally:
            inside[0] -= 1
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, dict(DRAFT))])

    settings = TriageSettings(model_attempts=1, node_timeout_seconds=30)
    services = make_services(database, draft=slow_draft, settings=settings)  # type: ignore[arg-type]
    with open_checkpointer(database) as checkpointer:
        runner = TriageRunner(services, checkpointer, owner="worker-c")
        worker = Worker(
            database,
            {TRIAGE_JOB: lambda job: runner.start(job.inbound_message_id or 0)},
            concurrency=3,
            poll_interval=0.01,
        )
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        try:
            for _ in range(1200):
                with database.session() as session:
                    states = session.scalars(select(Job.state)).all()
                if all(state == JobState.DONE for state in states):
                    break
                assert thread.is_alive()
                threading.Event().wait(0.05)
        finally:
            worker.stop()
            thread.join(timeout=30)
    assert calls[0] == 6 and most[0] == 3
    with database.session() as session:
        statuses = {m.id: m.status for m in session.scalars(select(InboundMessage))}
    assert statuses == dict.fromkeys(ids, InboundStatus.IN_REVIEW)


def test_a_handler_may_finish_its_job_in_its_own_last_transaction(database: Database) -> None:
    """The job is done exactly when the work's result commits: the worker adds nothing."""
    _, job_id = _message_with_job(database)
    statements: list[str] = []

    def work(job: ClaimedJob) -> None:
        held = current_job()
        assert held is not None and held.job.id == job.id
        with database.session() as session:
            done = finish_job(session, held.job)
        assert done
        held.finished = done
        event.listen(database.engine, "before_cursor_execute", _collect)

    def _collect(*args: object) -> None:
        statements.append(str(args[2]))

    try:
        assert Worker(database, {"triage": work}).run_once() is True
    finally:
        event.remove(database.engine, "before_cursor_execute", _collect)
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE JOBS")]
    with database.session() as session:
        assert session.get(Job, job_id).state == JobState.DONE  # type: ignore[union-attr]


def test_a_failure_after_the_job_was_finished_does_not_run_it_again(database: Database) -> None:
    _, job_id = _message_with_job(database)

    def work(job: ClaimedJob) -> None:
        held = current_job()
        assert held is not None
        with database.session() as session:
            held.finished = finish_job(session, held.job)
        raise RuntimeError("after the work")

    assert Worker(database, {"triage": work}, retry_base=timedelta(0)).run_once() is True
    with database.session() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == JobState.DONE and job.last_error is None


def test_a_finish_rolled_back_with_the_work_leaves_the_job_to_be_retried(
    database: Database,
) -> None:
    _, job_id = _message_with_job(database)

    def work(job: ClaimedJob) -> None:
        held = current_job()
        assert held is not None
        with database.session() as session:
            finish_job(session, held.job)
            raise RuntimeError("the work's transaction failed")

    assert Worker(database, {"triage": work}, retry_base=timedelta(0)).run_once() is True
    with database.session() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.state == JobState.QUEUED
        assert "the work's transaction failed" in (job.last_error or "")
    assert current_job() is None  # only within the worker's job
