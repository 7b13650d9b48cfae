"""Handing a job back at shutdown, so another worker takes it at once, not after lease expiry.

A worker that is told to stop and cannot finish its job within the grace period clears
both leases it holds for it: the job's (with a new token, so its own late finish is a
no-op) and the graph thread's (so its own next checkpoint write raises LeaseLost, I7).
"""

from __future__ import annotations

import logging

from sqlalchemy import update

from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob
from hatchway.store.models import GraphRun, Job, JobState, utcnow

__all__ = ["hand_back_job"]

log = logging.getLogger(__name__)


def hand_back_job(database: Database, job: ClaimedJob) -> bool:
    """Queue ``job`` again, due now, if we still hold it. False when our lease was lost."""
    with database.session() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.lease_token == job.lease_token)
            .values(
                state=JobState.QUEUED,
                lease_owner=None,
                lease_expires_at=None,
                lease_token=Job.lease_token + 1,
                run_after=utcnow(),
                # Being interrupted by a shutdown is not a failed attempt.
                attempts=Job.attempts - 1,
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        if job.inbound_message_id is not None:
            session.execute(
                update(GraphRun)
                .where(GraphRun.thread_id == str(job.inbound_message_id))
                .values(lease_owner=None, lease_expires_at=None)
            )
    log.warning("job %s (%s) handed back unfinished; another worker takes it", job.id, job.kind)
    return True
