"""One writer per graph thread (invariant I7): a lease with a fencing token on graph_runs.

A worker takes the lease before it runs or resumes a thread and gives it back after. The
token grows with every acquisition; checkpoint writes check it (see checkpoint.py), so a
worker whose lease expired and was taken over cannot write into the thread any more.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple

from sqlalchemy import Connection, bindparam, or_, select, update
from sqlalchemy.orm import Session

from hatchway.errors import HatchwayError
from hatchway.store import Database
from hatchway.store.models import GraphRun, GraphRunStatus, utcnow
from hatchway.store.prepared import Prepared
from hatchway.store.tables import GRAPH_RUNS

__all__ = [
    "LeaseLost",
    "LeaseRow",
    "TakenLease",
    "ThreadBusy",
    "ThreadLease",
    "acquire_lease",
    "release_thread_lease",
    "take_lease",
]


class ThreadBusy(HatchwayError):
    """Another worker holds this thread's lease; try again later."""

    def __init__(self, thread_id: str, owner: str | None) -> None:
        self.thread_id = thread_id
        self.owner = owner
        super().__init__(f"graph thread {thread_id} is being worked on by {owner}")


class LeaseLost(HatchwayError):
    """Our lease on a thread expired and someone else took it: stop writing."""

    def __init__(self, thread_id: str) -> None:
        self.thread_id = thread_id
        super().__init__(f"lease on graph thread {thread_id} was lost; not writing")


class LeaseRow(NamedTuple):
    """A thread's lease columns as stored in graph_runs."""

    fencing_token: int
    lease_owner: str | None
    lease_expires_at: datetime | None


@dataclass
class ThreadLease:
    """Proof that ``owner`` may write to ``thread_id`` while ``token`` is current."""

    database: Database
    thread_id: str
    owner: str
    token: int
    released: bool = False

    def check(self) -> None:
        """Raise LeaseLost unless this lease is still the current one and not expired."""
        with self.database.session() as session:
            row = session.execute(
                select(
                    GraphRun.fencing_token, GraphRun.lease_owner, GraphRun.lease_expires_at
                ).where(GraphRun.thread_id == self.thread_id)
            ).one_or_none()
        self.check_row(None if row is None else LeaseRow(*row))

    def check_row(self, row: LeaseRow | None) -> None:
        """Raise LeaseLost unless ``row``, the thread's lease as just read, is this lease."""
        if row is None or row.fencing_token != self.token or row.lease_owner != self.owner:
            raise LeaseLost(self.thread_id)
        if row.lease_expires_at is None or row.lease_expires_at < utcnow():
            raise LeaseLost(self.thread_id)

    def release(
        self,
        *,
        status: GraphRunStatus | None = None,
        error: str | None = None,
        finished_at: datetime | None = None,
    ) -> None:
        """Give the lease back (only if it is still ours), and with it record where the run
        stopped: ``status`` and ``error``, ``finished_at`` when it ended. One statement."""
        with self.database.transaction() as connection:
            self.release_in(connection, status=status, error=error, finished_at=finished_at)
        self.released = True

    def release_in(
        self,
        session: Session | Connection,
        *,
        status: GraphRunStatus | None = None,
        error: str | None = None,
        finished_at: datetime | None = None,
    ) -> None:
        """:meth:`release` in the caller's transaction; the caller sets ``released`` once
        it commits."""
        values: dict[str, Any] = {}
        if status is not None:
            values.update(status=status, error=error)
        if finished_at is not None:
            values["finished_at"] = finished_at
        params = {"b_thread_id": self.thread_id, "b_token": self.token}
        params |= {f"b_{column}": value for column, value in values.items()}
        _release_statement(tuple(sorted(values))).run(session, params)


_TAKE: Final = Prepared(
    update(GRAPH_RUNS)
    .where(
        GRAPH_RUNS.c.thread_id == bindparam("b_thread_id"),
        or_(
            GRAPH_RUNS.c.lease_owner.is_(None),
            GRAPH_RUNS.c.lease_expires_at < bindparam("b_now"),
        ),
    )
    .values(
        lease_owner=bindparam("b_owner"),
        lease_expires_at=bindparam("b_expires"),
        fencing_token=GRAPH_RUNS.c.fencing_token + 1,
    )
    .returning(GRAPH_RUNS.c.fencing_token, GRAPH_RUNS.c.id)
)
_HOLDER: Final = Prepared(
    select(GRAPH_RUNS.c.lease_owner).where(GRAPH_RUNS.c.thread_id == bindparam("b_thread_id"))
)


@functools.cache
def _release_statement(columns: tuple[str, ...]) -> Prepared:
    """Clear the lease (if the token is still ours), and set ``columns`` (bound as b_...)."""
    values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
    values |= {column: bindparam(f"b_{column}") for column in columns}
    return Prepared(
        update(GRAPH_RUNS)
        .where(
            GRAPH_RUNS.c.thread_id == bindparam("b_thread_id"),
            GRAPH_RUNS.c.fencing_token == bindparam("b_token"),
        )
        .values(**values)
    )


def acquire_lease(
    database: Database, thread_id: str, owner: str, duration: timedelta
) -> ThreadLease:
    """Take the thread's lease, or raise ThreadBusy when another live worker holds it."""
    with database.transaction() as connection:
        return take_lease(connection, database, thread_id, owner, duration).lease


class TakenLease(NamedTuple):
    """A lease just taken, and the id of the graph run it is on."""

    lease: ThreadLease
    graph_run_id: int


def take_lease(
    session: Session | Connection,
    database: Database,
    thread_id: str,
    owner: str,
    duration: timedelta,
) -> TakenLease:
    """:func:`acquire_lease` in the caller's transaction (the lease holds once it commits).

    Raises ThreadBusy when another live worker holds the lease (or the thread has no
    graph run)."""
    now = utcnow()
    params = {"b_thread_id": thread_id, "b_now": now, "b_owner": owner, "b_expires": now + duration}
    taken = _TAKE.first(session, params)
    if taken is not None:
        token, run_id = taken
        return TakenLease(ThreadLease(database, thread_id, owner, token), run_id)
    holder = _HOLDER.scalar(session, {"b_thread_id": thread_id})
    raise ThreadBusy(thread_id, holder)


def release_thread_lease(session: Session, thread_id: str, *, owner: str) -> None:
    """Clear ``owner``'s lease on the thread (its next checkpoint write raises LeaseLost);
    a lease someone else holds is left alone."""
    session.execute(
        update(GraphRun)
        .where(GraphRun.thread_id == thread_id, GraphRun.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
    )
