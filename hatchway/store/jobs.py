"""The job queue: enqueue in the caller's transaction, claim under a lease, finish or retry.

Claiming takes the lowest lane first (live mail before backfill), then the oldest job.
On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so any number of workers on any
number of machines share the queue; on SQLite every transaction is ``BEGIN IMMEDIATE``
(see database.py), which serialises claimers on one machine. Each claim bumps
``lease_token``; finishing with a stale token does nothing, so a worker whose lease
expired can never overwrite the work of the one that took the job over.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import Connection, and_, bindparam, or_, select, true, update
from sqlalchemy.orm import Session

from hatchway.store.database import Database
from hatchway.store.models import Job, JobState, Lane, utcnow
from hatchway.store.prepared import Prepared
from hatchway.store.tables import JOBS

__all__ = [
    "ClaimedJob",
    "JobInHand",
    "claim_job",
    "current_job",
    "enqueue",
    "finish_job",
    "job_in_hand",
    "requeue_job",
    "retry_or_fail_job",
]


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker holds, with the token that proves it."""

    id: int
    kind: str
    inbound_message_id: int | None
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    lease_token: int
    lane: int = Lane.LIVE


def enqueue(
    session: Session,
    *,
    kind: str,
    inbound_message_id: int | None = None,
    payload: dict[str, Any] | None = None,
    lane: Lane = Lane.LIVE,
) -> Job:
    """Add a job in the caller's transaction (so it commits with the data it is about)."""
    job = Job(kind=kind, inbound_message_id=inbound_message_id, payload=payload or {}, lane=lane)
    session.add(job)
    session.flush()
    return job


def _claim_statement(*, in_lanes: bool) -> Any:
    """UPDATE the next runnable job (queued, or running with an expired lease) to ours,
    RETURNING it: pick, lock and take in one statement."""
    now = bindparam("now", type_=JOBS.c.run_after.type)
    runnable = or_(
        and_(JOBS.c.state == JobState.QUEUED, JOBS.c.run_after <= now),
        and_(JOBS.c.state == JobState.RUNNING, JOBS.c.lease_expires_at < now),
    )
    lanes = JOBS.c.lane.in_(bindparam("lanes", expanding=True)) if in_lanes else true()
    next_job = (
        select(JOBS.c.id)
        .where(runnable, JOBS.c.kind.in_(bindparam("kinds", expanding=True)), lanes)
        .order_by(JOBS.c.lane, JOBS.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        update(JOBS)
        .where(JOBS.c.id == next_job)
        .values(
            state=JobState.RUNNING,
            lease_owner=bindparam("owner"),
            lease_expires_at=bindparam("expires"),
            lease_token=JOBS.c.lease_token + 1,
            attempts=JOBS.c.attempts + 1,
        )
        .returning(
            JOBS.c.id,
            JOBS.c.kind,
            JOBS.c.inbound_message_id,
            JOBS.c.payload,
            JOBS.c.attempts,
            JOBS.c.max_attempts,
            JOBS.c.lease_token,
            JOBS.c.lane,
        )
    )


_CLAIM_ANY_LANE: Final = Prepared(_claim_statement(in_lanes=False))
_CLAIM_IN_LANES: Final = Prepared(_claim_statement(in_lanes=True))
_FINISH: Final = Prepared(
    update(JOBS)
    .where(JOBS.c.id == bindparam("b_id"), JOBS.c.lease_token == bindparam("b_token"))
    .values(
        state=JobState.DONE,
        finished_at=bindparam("b_finished_at"),
        lease_owner=None,
        lease_expires_at=None,
    )
)


def claim_job(
    database: Database,
    *,
    owner: str,
    kinds: Collection[str],
    lease: timedelta,
    lanes: Collection[Lane] | None = None,
) -> ClaimedJob | None:
    """Take the next runnable job (queued, or running with an expired lease), or None;
    only from ``lanes`` when given."""
    now = utcnow()
    params: dict[str, Any] = {
        "now": now,
        "kinds": list(kinds),
        "owner": owner,
        "expires": now + lease,
    }
    claim = _CLAIM_ANY_LANE
    if lanes is not None:
        claim, params["lanes"] = _CLAIM_IN_LANES, [int(lane) for lane in lanes]
    with database.transaction() as connection:
        row = claim.first(connection, params)
    if row is None:
        return None
    return ClaimedJob(
        id=row.id,
        kind=row.kind,
        inbound_message_id=row.inbound_message_id,
        payload=dict(row.payload),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        lease_token=row.lease_token,
        lane=row.lane,
    )


def finish_job(session: Session | Connection, job: ClaimedJob) -> bool:
    """Mark the job done, in the caller's transaction. False when our lease was lost."""
    params = {"b_id": job.id, "b_token": job.lease_token, "b_finished_at": utcnow()}
    return bool(_FINISH.run(session, params))


@dataclass
class JobInHand:
    """The job a worker thread is running. A handler whose last transaction completes the
    work may mark the job done in that same transaction (:func:`finish_job`) and, once it
    committed, set ``finished``: the job is then done exactly when the work's result
    commits, and the worker spends no transaction on it."""

    job: ClaimedJob
    finished: bool | None = None
    """None: not finished by the handler (the worker does it); True: done; False: our lease
    on the job was lost by then."""


_job_in_hand: ContextVar[JobInHand | None] = ContextVar("hatchway_job_in_hand", default=None)


@contextmanager
def job_in_hand(job: ClaimedJob) -> Iterator[JobInHand]:
    """Within: :func:`current_job` is ``job`` (the worker sets it around its handler)."""
    held = JobInHand(job)
    token = _job_in_hand.set(held)
    try:
        yield held
    finally:
        _job_in_hand.reset(token)


def current_job() -> JobInHand | None:
    """The job this thread's worker is running, or None outside a worker's job."""
    return _job_in_hand.get()


def retry_or_fail_job(
    database: Database, job: ClaimedJob, *, error: str, retry_in: timedelta
) -> JobState | None:
    """Queue the job again after ``retry_in``, or mark it failed when attempts are used up.

    Returns the new state, or None when our lease was lost (someone else owns the job now).
    """
    final = job.attempts >= job.max_attempts
    state = JobState.FAILED if final else JobState.QUEUED
    values: dict[str, Any] = {
        "state": state,
        "last_error": error[:4000],
        "lease_owner": None,
        "lease_expires_at": None,
        "run_after": utcnow() + retry_in,
    }
    if final:
        values["finished_at"] = utcnow()
    with database.session() as session:
        result = session.execute(
            update(Job).where(Job.id == job.id, Job.lease_token == job.lease_token).values(**values)
        )
        return state if result.rowcount else None  # type: ignore[attr-defined]


def requeue_job(session: Session, job: ClaimedJob) -> bool:
    """Queue ``job`` again, due now, with a new token (the holder's late finish is a no-op);
    not counted as an attempt. False when our lease was lost."""
    result = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.lease_token == job.lease_token)
        .values(
            state=JobState.QUEUED,
            lease_owner=None,
            lease_expires_at=None,
            lease_token=Job.lease_token + 1,
            run_after=utcnow(),
            attempts=Job.attempts - 1,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
