"""The worker keeps up to ``concurrency`` jobs in flight, live lane first, and hands back
every unfinished one at shutdown."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob, enqueue
from hatchway.store.models import Job, JobState, Lane
from hatchway.worker import Worker


def _jobs(database: Database, count: int, lane: Lane = Lane.LIVE) -> list[int]:
    with database.session() as session:
        return [enqueue(session, kind="triage", lane=lane).id for _ in range(count)]


def _states(database: Database) -> dict[int, JobState]:
    with database.session() as session:
        return {job.id: job.state for job in session.scalars(select(Job))}


def _run(worker: Worker) -> tuple[threading.Thread, list[bool]]:
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(worker.run()), daemon=True)
    thread.start()
    return thread, result


def test_jobs_run_side_by_side_up_to_the_concurrency(database: Database) -> None:
    ids = _jobs(database, 6)
    lock, in_flight, most = threading.Lock(), [0], [0]
    together = threading.Barrier(3, timeout=20)  # passes only with three running at once

    def handler(job: ClaimedJob) -> None:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        together.wait()
        with lock:
            in_flight[0] -= 1

    worker = Worker(database, {"triage": handler}, concurrency=3, poll_interval=0.01)
    thread, result = _run(worker)
    deadline = threading.Event()
    while any(state != JobState.DONE for state in _states(database).values()):
        assert not deadline.wait(0.05) and thread.is_alive()
    worker.stop()
    thread.join(timeout=10)
    assert result == [True]
    assert most[0] == 3
    assert set(_states(database)) == set(ids)


def test_a_freed_slot_takes_live_mail_before_the_backfill(database: Database) -> None:
    backfill = _jobs(database, 4, Lane.BACKFILL)
    order: list[int] = []
    first_started, release = threading.Event(), threading.Event()
    live: list[int] = []

    def handler(job: ClaimedJob) -> None:
        order.append(job.id)
        if job.id == backfill[0]:
            first_started.set()
            assert release.wait(10)

    worker = Worker(database, {"triage": handler}, concurrency=1, poll_interval=0.01)
    thread, _ = _run(worker)
    assert first_started.wait(10)
    live += _jobs(database, 1, Lane.LIVE)  # arrives while the only slot is busy
    release.set()
    while any(state != JobState.DONE for state in _states(database).values()):
        threading.Event().wait(0.05)
    worker.stop()
    thread.join(timeout=10)
    assert order[:2] == [backfill[0], live[0]]


def test_stopping_hands_back_every_job_still_running_after_the_grace(database: Database) -> None:
    ids = _jobs(database, 3)
    started = threading.Semaphore(0)
    release = threading.Event()

    def stuck(job: ClaimedJob) -> None:
        started.release()
        release.wait(10)

    worker = Worker(database, {"triage": stuck}, concurrency=3, poll_interval=0.01,
                    shutdown_grace=timedelta(seconds=0.2))  # fmt: skip
    thread, result = _run(worker)
    for _ in ids:
        assert started.acquire(timeout=10)
    worker.stop()
    thread.join(timeout=10)
    release.set()
    assert result == [False]
    threading.Event().wait(0.3)  # the abandoned handlers return; their finish must not count
    assert set(_states(database).values()) == {JobState.QUEUED}


def test_concurrency_below_one_is_refused(database: Database) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Worker(database, {}, concurrency=0)


def test_backfill_holds_at_most_its_slots_and_live_mail_takes_the_rest(database: Database) -> None:
    backfill = _jobs(database, 3, Lane.BACKFILL)
    live = _jobs(database, 2, Lane.LIVE)
    lanes = dict.fromkeys(backfill, Lane.BACKFILL) | dict.fromkeys(live, Lane.LIVE)
    lock, running, most_backfill = threading.Lock(), [0, 0], [0]
    both_live = threading.Barrier(2, timeout=20)  # the two live jobs run side by side

    def handler(job: ClaimedJob) -> None:
        is_backfill = lanes[job.id] == Lane.BACKFILL
        with lock:
            running[is_backfill] += 1
            most_backfill[0] = max(most_backfill[0], running[True])
        if not is_backfill:
            both_live.wait()
        threading.Event().wait(0.05)
        with lock:
            running[is_backfill] -= 1

    worker = Worker(
        database, {"triage": handler}, concurrency=3, backfill_slots=1, poll_interval=0.01
    )
    thread, result = _run(worker)
    while any(state != JobState.DONE for state in _states(database).values()):
        assert thread.is_alive()
        threading.Event().wait(0.05)
    worker.stop()
    thread.join(timeout=10)
    assert result == [True]
    assert most_backfill[0] == 1
    with pytest.raises(ValueError, match="backfill_slots"):
        Worker(database, {}, concurrency=2, backfill_slots=3)


class _SlowToExit(threading.Event):
    """A slot-freed event whose setter lingers (its thread still alive) after setting it,
    as a finishing job thread may when the loop wakes before it has exited."""

    def set(self) -> None:
        super().set()
        if threading.current_thread().name.startswith("job-"):
            threading.Event().wait(0.3)


def test_a_slot_frees_when_its_job_is_done_even_before_its_thread_has_exited(
    database: Database,
) -> None:
    ids = _jobs(database, 3)
    worker = Worker(database, {"triage": lambda job: None}, concurrency=1, poll_interval=0.01)
    worker._slot_freed = _SlowToExit()
    thread, result = _run(worker)
    deadline = threading.Event()
    for _ in range(100):  # 5 s; each job takes 0.3 s to leave its thread
        if all(state == JobState.DONE for state in _states(database).values()):
            break
        deadline.wait(0.05)
    worker.stop()
    thread.join(timeout=10)
    assert result == [True]
    assert _states(database) == dict.fromkeys(ids, JobState.DONE)
