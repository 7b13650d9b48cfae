"""Running triage threads: start one for a new message, resume one with a reviewer's decision.

Both happen under the thread's lease (invariant I7): it is checked before every node and
before every checkpoint write. A run saves its checkpoint when it stops (see DURABILITY),
so a worker that crashes mid-run leaves the thread at its previous stop (new, or waiting
at review); the job is claimed again and the run starts over from there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, Final

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command, Durability
from sqlalchemy import Connection, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite

from hatchway.errors import HatchwayError
from hatchway.graphs.checkpoint import FencedSaver, LeaseReader, lease_reader
from hatchway.graphs.lease import LeaseLost, ThreadLease, take_lease
from hatchway.graphs.nodes.common import messages_cached
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.recording import NodeRunBuffer, guarded
from hatchway.graphs.services import TriageServices
from hatchway.graphs.state import TriageState
from hatchway.graphs.triage import GRAPH_NAME, GRAPH_VERSION, build_triage_graph
from hatchway.observability.context import log_context
from hatchway.per_email import one_email
from hatchway.store.jobs import current_job, finish_job
from hatchway.store.models import GraphRunStatus, InboundStatus, utcnow
from hatchway.store.prepared import Prepared
from hatchway.store.tables import GRAPH_RUNS
from hatchway.store.tables import MESSAGES as _MESSAGES

__all__ = ["DecisionRefused", "TriageRunner", "ensure_graph_run", "thread_config"]

log = logging.getLogger(__name__)

_current_lease: ContextVar[ThreadLease | None] = ContextVar("hatchway_thread_lease", default=None)
_current_records: ContextVar[NodeRunBuffer | None] = ContextVar(
    "hatchway_run_records", default=None
)

# A run's checkpoint is saved when it stops (at the review interrupt, at its end, or on an
# error), not after every step: one checkpoint write instead of some seventeen. A worker
# that dies mid-run leaves the thread as it was, and the job's next attempt runs it again
# from there; the nodes before review only read and record, and dispatch is idempotent.
DURABILITY: Final[Durability] = "exit"

# The key under which ``invoke`` returns the interrupts a run stopped at (LangGraph's
# documented output; the constant itself is private since LangGraph 1.0).
INTERRUPT: Final = "__interrupt__"


class DecisionRefused(HatchwayError):
    """A decision arrived for a thread that is not waiting for one."""

    def __init__(self, message_id: int, reason: str) -> None:
        self.message_id = message_id
        self.reason = reason
        super().__init__(f"message {message_id}: {reason}")


def thread_config(message_id: int) -> RunnableConfig:
    """The LangGraph config of a message's thread (thread_id = the message id).

    ``max_concurrency`` 1: every step of the triage graph runs one node, in the caller's
    thread, so LangGraph's per-run thread pool only carries the checkpoint writes when the
    run stops; capped at one thread, a run starts one thread for them instead of two (5–7%
    of a run's CPU with offline models, see BENCHMARKS.md)."""
    return {"configurable": {"thread_id": str(message_id)}, "max_concurrency": 1}


def _guard_with(read: LeaseReader | None) -> Callable[[], None]:
    """The check before every node: raise LeaseLost unless our lease is current."""

    def guard() -> None:
        lease = _current_lease.get()
        if lease is None:
            raise LeaseLost("<none>")
        if read is None:
            lease.check()
        else:
            lease.check_row(read(lease.thread_id))

    return guard


def _fence_with(guard: Callable[[], None]) -> Callable[[], None]:
    """The check before every checkpoint write: the lease, then the run's held node-run
    records are written, so no checkpoint keeps an output whose record is not stored (I5)."""

    def fence() -> None:
        guard()
        if (records := _current_records.get()) is not None:
            records.flush()

    return fence


class TriageRunner:
    """Owns the compiled graph of one process; runs and resumes threads under their lease."""

    def __init__(
        self, services: TriageServices, checkpointer: BaseCheckpointSaver[Any], owner: str
    ) -> None:
        self.services = services
        self.database = services.database
        self.owner = owner
        self.guard = _guard_with(lease_reader(checkpointer, services.database))
        fence = _fence_with(self.guard)
        self.graph = build_triage_graph(services, FencedSaver(checkpointer, fence))

    def start(self, message_id: int) -> GraphRunStatus:
        """Run a new message's thread until it ends or waits for review (idempotent)."""
        with self._leased(message_id, new=True) as (lease, run_id):
            config = thread_config(message_id)
            snapshot = self.graph.get_state(config)
            output: dict[str, Any] | None = None
            if snapshot.created_at is None:
                start: TriageState = {"message_id": message_id, "graph_run_id": run_id}
                output = self._run_new(start, config)
            elif snapshot.next and not snapshot.interrupts:
                output = self.graph.invoke(None, config, durability=DURABILITY)  # after a crash
            return self._finish(lease, output)

    def _run_new(self, start: TriageState, config: RunnableConfig) -> dict[str, Any]:
        """Run a new thread from ``start``; what :meth:`_finish` needs of its output.

        Streams each node's update, not the whole state after every step as ``invoke``
        does (about 3% of a run): all of a new thread's state comes from this run, so its
        updates say whether it stopped at the review interrupt and what failed (the state's
        ``failure`` keeps the last node failure, as here)."""
        output: dict[str, Any] = {}
        updates = self.graph.stream(start, config, stream_mode="updates", durability=DURABILITY)
        for chunk in updates:
            for name, written in chunk.items():
                if name == INTERRUPT:
                    output[INTERRUPT] = written
                elif isinstance(written, dict) and "failure" in written:
                    output["failure"] = written["failure"]
        return output

    def resume(self, message_id: int, decision: ReviewerDecision) -> GraphRunStatus:
        """Resume a thread waiting at review with the reviewer's decision."""
        with self._leased(message_id) as (lease, _):
            config = thread_config(message_id)
            snapshot = self.graph.get_state(config)
            if "review" not in snapshot.next or not snapshot.interrupts:
                raise DecisionRefused(message_id, "it is not waiting for a review decision")
            resume: Command[Any] = Command(resume=decision.model_dump(mode="json"))
            return self._finish(lease, self.graph.invoke(resume, config, durability=DURABILITY))

    def reopen(self, message_id: int) -> GraphRunStatus:
        """Put a thread whose send was undone back at the review step."""
        with self._leased(message_id) as (lease, _):
            config = thread_config(message_id)
            if self.graph.get_state(config).next:
                raise DecisionRefused(
                    message_id, "it is not finished, so there is nothing to reopen"
                )
            reset = {"decision": None, "outbox_entry_id": None, "outcome": "reopened"}
            self.graph.update_state(config, reset, as_node="reassign")
            return self._finish(lease, self.graph.invoke(None, config, durability=DURABILITY))

    def waiting_for_review(self, message_id: int) -> bool:
        """True when the thread is stopped at the review interrupt."""
        snapshot = self.graph.get_state(thread_config(message_id))
        return "review" in snapshot.next and bool(snapshot.interrupts)

    @contextmanager
    def _leased(self, message_id: int, *, new: bool = False) -> Iterator[tuple[ThreadLease, int]]:
        """The thread's lease (and its graph run's id) while the block runs; given back after
        it, unless :meth:`_finish` gave it back already with the run's status.

        ``new``: a triage start, which creates the graph run if there is none and marks a
        message still waiting (RECEIVED) as TRIAGING, in the lease's transaction."""
        duration = timedelta(minutes=self.services.settings.lease_minutes)
        with self.database.transaction() as connection:
            if new:
                ensure_graph_run(connection, message_id)
                _MARK_TRIAGING.run(connection, {"row_id": message_id})
            lease, run_id = take_lease(
                connection, self.database, str(message_id), self.owner, duration
            )
        records = NodeRunBuffer(self.database)
        token, records_token = _current_lease.set(lease), _current_records.set(records)
        try:
            # Every node's log lines name the item; nodes share one load of the message.
            with (
                log_context(item_id=message_id),
                messages_cached(),
                one_email(),
                guarded(self.guard, records),
            ):
                yield lease, run_id
        finally:
            records.flush()  # what ran is recorded, also when the run stopped on an error
            _current_records.reset(records_token)
            _current_lease.reset(token)
            if not lease.released:
                lease.release()

    def _finish(self, lease: ThreadLease, output: dict[str, Any] | None) -> GraphRunStatus:
        """Record where the run stopped and give the lease back, in one statement.

        ``output``: what ``invoke`` returned (an interrupted run's holds ``__interrupt__``);
        None when nothing ran, and the checkpoint says where the thread stands.
        """
        records = _current_records.get()
        if records is not None:
            records.flush()  # the run's records first: no status without them (I5)
        if output is None:
            snapshot = self.graph.get_state(thread_config(int(lease.thread_id)))
            interrupted, failure = bool(snapshot.interrupts), snapshot.values.get("failure")
        else:
            interrupted, failure = INTERRUPT in output, output.get("failure")
        # A failure is not an end state: it was routed to review like anything uncertain.
        status = GraphRunStatus.INTERRUPTED if interrupted else GraphRunStatus.COMPLETED
        finished = None if interrupted else utcnow()
        # The run's end, the lease given back and the worker's job done: one transaction.
        held = current_job()
        with self.database.transaction() as connection:
            lease.release_in(connection, status=status, error=failure, finished_at=finished)
            job_done = None if held is None else finish_job(connection, held.job)
        lease.released = True
        if held is not None:
            held.finished = job_done
        return status


def ensure_graph_run(connection: Connection, message_id: int) -> None:
    """Create the graph run of a message's thread unless it exists (a concurrent creator's
    row wins the unique thread_id), in the caller's transaction."""
    params = {"b_thread_id": str(message_id), "b_message_id": message_id}
    _CREATE_RUN[connection.dialect.name].run(connection, params)


def _create_run(insert: Any) -> Any:
    return (
        insert(GRAPH_RUNS)
        .values(
            thread_id=bindparam("b_thread_id"),
            inbound_message_id=bindparam("b_message_id"),
            graph_name=GRAPH_NAME,
            graph_version=GRAPH_VERSION,
        )
        .on_conflict_do_nothing(index_elements=[GRAPH_RUNS.c.thread_id])
    )


_CREATE_RUN: Final = {
    "postgresql": Prepared(_create_run(postgresql.insert)),
    "sqlite": Prepared(_create_run(sqlite.insert)),
}
# Only a message still waiting: a thread already past its start keeps the status it has.
_MARK_TRIAGING: Final = Prepared(
    update(_MESSAGES)
    .where(
        _MESSAGES.c.id == bindparam("row_id"),
        _MESSAGES.c.status == InboundStatus.RECEIVED,
    )
    .values(status=InboundStatus.TRIAGING)
)
