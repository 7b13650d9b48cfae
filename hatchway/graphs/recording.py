"""Every node run is recorded (invariant I5), and every node failure routes to review (I4).

A runner that saves its checkpoint only when the run stops (durability "exit", see
runner.py) also holds the node-run records back in a :class:`NodeRunBuffer` and writes them
in one transaction just before that checkpoint: the outputs a checkpoint keeps are never
saved without their records, and a run costs one records transaction, not one per node.
Before each node that writes outside the checkpoint (``reads_only=False``), a guard set by
the runner (:func:`guarded`) checks the thread's lease, so a worker whose lease was taken over
writes nothing more (I7); the nodes that only read and return state skip that read, and what
they return reaches the thread only through a checkpoint write, which the fence checks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, NamedTuple

from langgraph.errors import GraphBubbleUp
from sqlalchemy import insert

from hatchway.graphs.state import TriageState
from hatchway.store import Database
from hatchway.store.models import NodeRunStatus, utcnow
from hatchway.store.prepared import Prepared
from hatchway.store.tables import NODE_RUNS

__all__ = ["NodeRecord", "NodeResult", "NodeRunBuffer", "guarded", "recorded_node"]

log = logging.getLogger(__name__)

SUMMARY_LIMIT = 2000

# Core, not the ORM's bulk insert, which would group the rows by which of their values are
# None: a whole run's records go in one executemany.
_INSERT: Final = Prepared(insert(NODE_RUNS))


@dataclass(frozen=True)
class NodeRecord:
    """Who answered in a node: which pinned model, which prompt, what it cost."""

    provider: str | None = None
    model: str | None = None
    model_version: str | None = None
    prompt_hash: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: Decimal | None = None
    input_summary: str | None = None
    output_summary: str | None = None


NodeResult = tuple[dict[str, Any], NodeRecord]
NodeFunction = Callable[[TriageState], NodeResult]


class NodeRunBuffer:
    """Node-run records of one graph run, written together by :meth:`flush`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()  # nodes and the checkpoint writer run in pool threads

    def add(self, record: dict[str, Any]) -> None:
        """Hold a record (a node_runs row's values) until the next flush."""
        with self._lock:
            self._pending.append(record)

    def flush(self) -> None:
        """Write the records held so far in one transaction and one statement (nothing when
        there are none)."""
        with self._lock:
            pending, self._pending = self._pending, []
            if pending:
                with self.database.transaction() as connection:
                    _INSERT.run_many(connection, pending)


_buffer: ContextVar[NodeRunBuffer | None] = ContextVar("hatchway_node_runs", default=None)
_guard: ContextVar[Callable[[], None] | None] = ContextVar("hatchway_node_guard", default=None)


@contextmanager
def guarded(guard: Callable[[], None], buffer: NodeRunBuffer) -> Iterator[None]:
    """Within: ``guard`` runs before every node (raising stops the run), and node runs are
    held in ``buffer`` (the caller flushes it). Outside, each record is written at once."""
    guard_token, buffer_token = _guard.set(guard), _buffer.set(buffer)
    try:
        yield
    finally:
        _guard.reset(guard_token)
        _buffer.reset(buffer_token)


def recorded_node(
    name: str,
    database: Database,
    function: NodeFunction,
    *,
    runs_after_failure: bool = False,
    reads_only: bool = False,
) -> Callable[[TriageState], dict[str, Any]]:
    """Wrap a node: record a NodeRun, and turn any exception into a review reason.

    Model nodes skip once an earlier node failed (``runs_after_failure=False``); the nodes
    that route to review run regardless. Interrupts (GraphBubbleUp) pass through untouched.
    ``reads_only``: the node writes nothing but its returned state, so the lease guard is
    not needed before it.
    """

    def run(state: TriageState) -> dict[str, Any]:
        if not reads_only and (guard := _guard.get()) is not None:
            guard()  # outside the try: a lost lease ends the run, it is not a node failure
        if state.get("failure") and not runs_after_failure:
            return {}
        started = _Started(utcnow(), time.perf_counter())
        try:
            update, record = function(state)
        except GraphBubbleUp:
            raise
        except Exception as exc:
            reason = f"{name} failed: {type(exc).__name__}: {exc}"[:1000]
            log.warning("message %s: %s", state.get("message_id"), reason)
            _write(database, state, name, started, NodeRecord(), error=reason)
            return {"failure": reason, "review_reasons": [reason]}
        _write(database, state, name, started, record, error=None)
        return update

    run.__name__ = name
    return run


class _Started(NamedTuple):
    at: datetime
    clock: float  # time.perf_counter() then


def _write(
    database: Database,
    state: TriageState,
    node: str,
    started: _Started,
    record: NodeRecord,
    *,
    error: str | None,
) -> None:
    run: dict[str, Any] = {
        "graph_run_id": state["graph_run_id"],
        "node": node,
        "status": NodeRunStatus.ERROR if error else NodeRunStatus.OK,
        "provider": record.provider,
        "model": record.model,
        "model_version": record.model_version,
        "prompt_hash": record.prompt_hash,
        "input_tokens": record.input_tokens,
        "output_tokens": record.output_tokens,
        "cost_usd": record.cost_usd,
        "latency_ms": round((time.perf_counter() - started.clock) * 1000),
        "input_summary": _clip(record.input_summary),
        "output_summary": _clip(record.output_summary),
        "error": error,
        "started_at": started.at,
    }
    if (buffer := _buffer.get()) is not None:
        buffer.add(run)
        return
    with database.transaction() as connection:
        _INSERT.run_many(connection, [run])


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:SUMMARY_LIMIT]
