"""The worker: claims jobs under a lease, runs their handler, retries, and never drops work.

A job whose handler keeps failing ends, after its last attempt, with its message in the
review inbox and the reason shown (invariant I4), never silently dropped. :meth:`Worker.run`
keeps up to ``concurrency`` jobs in flight, each in its own thread (graph runs mostly wait
on model calls); a slot that frees is refilled at once, by the claim order of the queue
(live mail before backfill).
"""

from __future__ import annotations

import contextvars
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import timedelta
from types import FrameType

from sqlalchemy import update

from hatchway.graphs.lease import release_thread_lease
from hatchway.observability.context import log_context
from hatchway.store import Database
from hatchway.store.jobs import (
    ClaimedJob,
    claim_job,
    finish_job,
    job_in_hand,
    requeue_job,
    retry_or_fail_job,
)
from hatchway.store.models import InboundMessage, InboundStatus, JobState, Lane
from hatchway.webhooks.events import record_back_in_review

__all__ = ["JobHandler", "Worker", "worker_name"]

log = logging.getLogger(__name__)

JobHandler = Callable[[ClaimedJob], None]
"""Does one job's work; raises to have it retried. Must be safe to run again (at-least-once)."""


def worker_name() -> str:
    """host:pid:random, so leases in the database say which process holds them."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Claims and runs jobs of the kinds it has handlers for, up to ``concurrency`` at once,
    of which at most ``backfill_slots`` (default: all) from the backfill lane.

    ``stop_event`` (set by :meth:`stop`, a signal, or the caller) ends :meth:`run` after the
    jobs in hand; past ``shutdown_grace`` those still running are handed back instead.
    """

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
        stop_event: threading.Event | None = None,
        shutdown_grace: timedelta = timedelta(seconds=30),
        concurrency: int = 1,
        backfill_slots: int | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        if backfill_slots is not None and not 1 <= backfill_slots <= concurrency:
            raise ValueError(f"backfill_slots must be 1..{concurrency}, not {backfill_slots}")
        self.database = database
        self.handlers = dict(handlers)
        self.name = name or worker_name()
        self.lease = lease
        self.poll_interval = poll_interval
        self.retry_base = retry_base
        self.pollers = list(pollers)
        self.stop_event = stop_event if stop_event is not None else threading.Event()
        self.shutdown_grace = shutdown_grace
        self.concurrency = concurrency
        # At most this many backfill jobs at once: the other slots (and the CPU they would
        # take: graph runs are partly CPU-bound, under one GIL) stay free for live mail.
        self.backfill_slots = concurrency if backfill_slots is None else backfill_slots
        self._hurry = threading.Event()  # a second signal: hand back now
        self._slot_freed = threading.Event()  # a job in flight has finished
        # The threads whose job is over, by the time they set _slot_freed: the loop may
        # wake before such a thread has exited (is_alive() still True), and must free its
        # slot all the same, or with every slot taken it would wait for no one.
        self._finished: set[threading.Thread] = set()
        self._finished_lock = threading.Lock()

    def run_once(self) -> bool:
        """Claim and run at most one job, in this thread. True when a job was run."""
        job = self._claim()
        if job is None:
            return False
        self._execute(job)
        return True

    def run(self) -> bool:
        """Run until stopped; the jobs in hand are finished first, or handed back after the grace.

        Returns False when a job was handed back while its handler still runs (in a daemon
        thread): the caller should then exit the process rather than wait for it.
        """
        log.info(
            "worker %s started; job kinds: %s; concurrency %s",
            self.name,
            sorted(self.handlers) or "none",
            self.concurrency,
        )
        in_flight: dict[threading.Thread, ClaimedJob] = {}
        while not self.stop_event.is_set():
            queue_empty = self._fill(in_flight)
            self.poll()
            # Idle: look again after poll_interval. Full: as soon as a slot frees.
            self._wait_for_slot(self.poll_interval if queue_empty else None)
        handed_back = self._drain(in_flight)
        if handed_back:
            log.info("worker %s stopped; jobs %s handed back", self.name, handed_back)
            return False
        log.info("worker %s stopped", self.name)
        return True

    def _fill(self, in_flight: dict[threading.Thread, ClaimedJob]) -> bool:
        """Claim jobs into free slots; True when the queue had no more for us."""
        with self._finished_lock:
            finished, self._finished = self._finished, set()
        for thread in finished:  # one handed back by an earlier run() may finish late: pop
            in_flight.pop(thread, None)
        while len(in_flight) < self.concurrency and not self.stop_event.is_set():
            backfill = sum(job.lane != Lane.LIVE for job in in_flight.values())
            live_only = backfill >= self.backfill_slots
            job = self._claim(lanes=(Lane.LIVE,) if live_only else None)
            if job is None:
                return True
            in_flight[self._start(job)] = job
        return False

    def _start(self, job: ClaimedJob) -> threading.Thread:
        def target() -> None:
            try:
                self._execute(job)
            finally:
                with self._finished_lock:
                    self._finished.add(threading.current_thread())
                self._slot_freed.set()

        context = contextvars.copy_context()
        thread = threading.Thread(
            target=context.run, args=(target,), name=f"job-{job.id}", daemon=True
        )
        thread.start()
        return thread

    def _wait_for_slot(self, timeout: float | None) -> None:
        """Wait until a job finishes, the worker is stopped, or ``timeout`` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.stop_event.is_set():
            step = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if step <= 0:
                return
            if self._slot_freed.wait(step):
                self._slot_freed.clear()
                return

    def _drain(self, in_flight: dict[threading.Thread, ClaimedJob]) -> list[int]:
        """At stop: wait for the jobs in hand within the grace, then hand back the rest."""
        deadline = time.monotonic() + self.shutdown_grace.total_seconds()
        for thread in list(in_flight):
            while thread.is_alive() and not self._hurry.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                thread.join(min(0.1, remaining))
        unfinished = [job for thread, job in in_flight.items() if thread.is_alive()]
        return [job.id for job in unfinished if self._hand_back(job)]

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
        """SIGTERM and SIGINT stop the loop gracefully; a second one hands the job back now."""

        def _handle(signum: int, _frame: FrameType | None) -> None:
            if self.stop_event.is_set():
                log.info("signal %s again: handing the current job back now", signum)
                self._hurry.set()
                return
            log.info("signal %s: finishing the current job, then stopping", signum)
            self.stop()

        signal.signal(signal.SIGTERM, _handle)
        signal.signal(signal.SIGINT, _handle)

    def _claim(self, lanes: Collection[Lane] | None = None) -> ClaimedJob | None:
        if not self.handlers:
            return None
        return claim_job(
            self.database, owner=self.name, kinds=self.handlers, lease=self.lease, lanes=lanes
        )

    def _hand_back(self, job: ClaimedJob) -> bool:
        """At shutdown, past the grace: give the job and its graph thread back, so another
        worker takes them at once rather than after the leases expire. False if lost."""
        with self.database.session() as session:
            if not requeue_job(session, job):
                return False
            if job.inbound_message_id is not None:
                thread_id = str(job.inbound_message_id)
                release_thread_lease(session, thread_id, owner=self.name)
        log.warning("job %s (%s) handed back unfinished; another worker takes it", job.id, job.kind)
        return True

    def _execute(self, job: ClaimedJob) -> None:
        with log_context(item_id=job.inbound_message_id, job_id=job.id):
            log.info("job %s (%s) attempt %s started", job.id, job.kind, job.attempts)
            with job_in_hand(job) as held:
                try:
                    self.handlers[job.kind](job)
                except Exception as exc:  # a handler's failure must never kill the worker
                    if held.finished is None:
                        self._failed(job, exc)
                    else:  # its work committed, and the job with it: nothing to run again
                        log.exception("job %s: failed after its work was done", job.id)
                    return
            finished = held.finished
            if finished is None:  # the handler did not finish the job in its own transaction
                try:
                    with self.database.session() as session:
                        finished = finish_job(session, job)
                except Exception:  # e.g. the database busy: the job runs again when its lease ends
                    log.exception("job %s: done, but not marked done; it will run again", job.id)
                    return
            if not finished:
                log.warning("job %s: lease lost before finishing; another worker has it", job.id)
                return
            log.info("job %s (%s) done", job.id, job.kind)

    def _failed(self, job: ClaimedJob, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        delay = self.retry_base * (2 ** (job.attempts - 1))
        log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, error)
        state = retry_or_fail_job(self.database, job, error=error, retry_in=delay)
        if state == JobState.FAILED and job.inbound_message_id is not None:
            self._to_review(job, error)

    def _to_review(self, job: ClaimedJob, error: str) -> None:
        reason = f"{job.kind} failed: {error} (after {job.attempts} attempts)"
        with self.database.session() as session:
            session.execute(
                update(InboundMessage)
                .where(InboundMessage.id == job.inbound_message_id)
                .values(status=InboundStatus.IN_REVIEW, status_reason=reason[:4000])
            )
            if job.inbound_message_id is not None:
                record_back_in_review(session, job.inbound_message_id, reason=reason[:4000])
        log.error("message %s sent to the review inbox: %s", job.inbound_message_id, reason)
