"""The job queue on both databases: lanes, leases, stale tokens, concurrent claimers."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from hatchway.store import Database
from hatchway.store.jobs import claim_job, enqueue, finish_job, retry_or_fail_job
from hatchway.store.models import Job, JobState, Lane

LEASE = timedelta(minutes=5)


def _enqueue(database: Database, count: int, lane: Lane = Lane.LIVE) -> list[int]:
    with database.session() as session:
        return [enqueue(session, kind="triage", lane=lane).id for _ in range(count)]


def test_live_lane_is_claimed_before_backfill(database: Database) -> None:
    backfill = _enqueue(database, 3, Lane.BACKFILL)
    live = _enqueue(database, 1, Lane.LIVE)
    first = claim_job(database, owner="w1", kinds={"triage"}, lease=LEASE)
    second = claim_job(database, owner="w1", kinds={"triage"}, lease=LEASE)
    assert first is not None and first.id == live[0]
    assert second is not None and second.id == backfill[0]


def test_other_kinds_are_not_claimed(database: Database) -> None:
    _enqueue(database, 1)
    assert claim_job(database, owner="w1", kinds={"send"}, lease=LEASE) is None


def test_expired_lease_is_taken_over_and_the_old_token_is_stale(database: Database) -> None:
    _enqueue(database, 1)
    first = claim_job(database, owner="w1", kinds={"triage"}, lease=timedelta(seconds=-1))
    second = claim_job(database, owner="w2", kinds={"triage"}, lease=LEASE)
    assert first is not None and second is not None and first.id == second.id
    assert second.lease_token == first.lease_token + 1
    with database.session() as session:
        assert finish_job(session, first) is False
        assert finish_job(session, second) is True
    with database.session() as session:
        assert session.get(Job, second.id).state == JobState.DONE  # type: ignore[union-attr]


def test_retry_then_fail_when_attempts_are_used_up(database: Database) -> None:
    with database.session() as session:
        job_id = enqueue(session, kind="triage").id
        session.get(Job, job_id).max_attempts = 2  # type: ignore[union-attr]
    claimed = claim_job(database, owner="w", kinds={"triage"}, lease=LEASE)
    assert claimed is not None
    assert retry_or_fail_job(database, claimed, error="boom", retry_in=timedelta(0)) == "queued"
    claimed = claim_job(database, owner="w", kinds={"triage"}, lease=LEASE)
    assert claimed is not None and claimed.attempts == 2
    assert retry_or_fail_job(database, claimed, error="boom", retry_in=timedelta(0)) == "failed"
    assert claim_job(database, owner="w", kinds={"triage"}, lease=LEASE) is None


def test_concurrent_claimers_never_share_a_job(database: Database) -> None:
    job_ids = set(_enqueue(database, 40))
    claimed: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while (job := claim_job(database, owner=name, kinds={"triage"}, lease=LEASE)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == sorted(job_ids)
    with database.session() as session:
        states = set(session.scalars(select(Job.state)))
    assert states == {JobState.RUNNING}
