"""The worker: claims jobs under a lease, runs their handler, retries, and never drops work.

A job whose handler keeps failing ends, after its last attempt, with its message in the
review inbox and the reason shown (invariant I4), never silently dropped.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from types import FrameType

from sqlalchemy import update

from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob, claim_job, finish_job, retry_or_fail_job
from hatchway.store.models import InboundMessage, InboundStatus, JobState

__all__ = ["JobHandler", "Worker", "worker_name"]

log = logging.getLogger(__name__)

JobHandler = Callable[[ClaimedJob], None]
"""Does one job's work; raises to have it retried. Must be safe to run again (at-least-once)."""


def worker_name() -> str:
    """host:pid:random, so leases in the database say which process holds them."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Claims and runs jobs of the kinds it has handlers for."""

    def __init__(
        self,
        database: Database,
        handlers: Mapping[str, JobHandler],
        *,
        name: str | None = None,
        lease: timedelta = timedelta(minutes=5),
        poll_interval: float = 1.0,
        retry_base: timedelta = timedelta(seconds=5),
        pollers: Sequence[Callable[[], object]] = (),
    ) -> None:
        self.database = database
        self.handlers = dict(handlers)
        self.name = name or worker_name()
        self.lease = lease
        self.poll_interval = poll_interval
        self.retry_base = retry_base
        self.pollers = list(pollers)
        self.stop_event = threading.Event()

    def run_once(self) -> bool:
        """Claim and run at most one job. True when a job was run."""
        if not self.handlers:
            return False
        job = claim_job(self.database, owner=self.name, kinds=self.handlers, lease=self.lease)
        if job is None:
            return False
        try:
            self.handlers[job.kind](job)
        except Exception as exc:  # a handler's failure must never kill the worker
            self._failed(job, exc)
        else:
            with self.database.session() as session:
                if not finish_job(session, job):
                    log.warning(
                        "job %s: lease lost before finishing; another worker has it", job.id
                    )
        return True

    def run(self) -> None:
        """Run until stop() or SIGTERM/SIGINT; the job in hand is finished first."""
        log.info("worker %s started; job kinds: %s", self.name, sorted(self.handlers) or "none")
        while not self.stop_event.is_set():
            busy = self.run_once()
            self.poll()
            if not busy:
                self.stop_event.wait(self.poll_interval)
        log.info("worker %s stopped", self.name)

    def poll(self) -> None:
        """Run each poller once (e.g. the outbox relay); a failing poller is logged, not fatal."""
        for poller in self.pollers:
            try:
                poller()
            except Exception:
                log.exception("poller %r failed; will run again", poller)

    def stop(self) -> None:
        """Ask the loop to stop after the current job."""
        self.stop_event.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop the loop gracefully."""

        def _handle(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: finishing the current job, then stopping", signum)
            self.stop()

        signal.signal(signal.SIGTERM, _handle)
        signal.signal(signal.SIGINT, _handle)

    def _failed(self, job: ClaimedJob, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        delay = self.retry_base * (2 ** (job.attempts - 1))
        log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, error)
        state = retry_or_fail_job(self.database, job, error=error, retry_in=delay)
        if state == JobState.FAILED and job.inbound_message_id is not None:
            self._to_review(job, error)

    def _to_review(self, job: ClaimedJob, error: str) -> None:
        reason = f"{job.kind} failed after {job.attempts} attempts: {error}"
        with self.database.session() as session:
            session.execute(
                update(InboundMessage)
                .where(InboundMessage.id == job.inbound_message_id)
                .values(status=InboundStatus.IN_REVIEW, status_reason=reason[:4000])
            )
        log.error("message %s sent to the review inbox: %s", job.inbound_message_id, reason)
