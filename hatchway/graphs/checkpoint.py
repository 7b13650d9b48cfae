"""Checkpointer wiring: LangGraph's SQLite saver or Postgres saver, fenced by the thread lease.

On SQLite the checkpoints live in a file beside the main database (``x.db`` →
``x.checkpoints.db``); on PostgreSQL in LangGraph's own tables in the same database. Their
schema belongs to LangGraph (``setup()``), not to hatchway's Alembic migrations.

The fence before every checkpoint write reads the thread's lease row over the checkpointer's
own connection (:func:`lease_reader`): a graph run writes some twenty checkpoints, and a
pooled session each (on SQLite a ``BEGIN IMMEDIATE``, which takes the write lock) made the
fence reads the largest share of a run's transactions and, with many runs in flight, the
main cause of SQLite lock waits. The read is the same row, just as fresh: on SQLite a plain
WAL read of the main file (attached to the checkpoint connection), on PostgreSQL one
autocommit ``SELECT``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.sqlite import SqliteSaver
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random

from hatchway.graphs.lease import LeaseRow
from hatchway.store import Database

if TYPE_CHECKING:  # psycopg comes with the optional 'postgres' extra
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection

__all__ = [
    "FencedSaver",
    "LeaseReader",
    "lease_reader",
    "open_checkpointer",
    "sqlite_checkpoint_path",
]

SETUP_LOCK_ID = 0x68617463  # "hatc": any fixed number shared by all hatchway processes
SETUP_LOCK_TIMEOUT = 120.0
WAL_SWITCH_SECONDS = 30.0  # as long as the checkpoint connection's busy timeout
MAIN_SCHEMA = "hatchway_main"  # the main SQLite file, as attached to the checkpoint connection
LEASE_COLUMNS = "fencing_token, lease_owner, lease_expires_at"

LeaseReader = Callable[[str], LeaseRow | None]
"""Reads a thread's lease row (None: no such thread)."""


def sqlite_checkpoint_path(database: Database) -> Path:
    """Where the SQLite checkpoints of ``database`` are kept."""
    main = Path(database.url.database or "hatchway.db")
    return main.with_name(main.stem + ".checkpoints.db")


@contextmanager
def open_checkpointer(database: Database) -> Iterator[BaseCheckpointSaver[Any]]:
    """A ready (set-up) checkpointer for the database's kind; closed on exit."""
    opener = _sqlite_saver if database.dialect == "sqlite" else _postgres_saver
    with opener(database) as saver:
        yield saver


@contextmanager
def _sqlite_saver(database: Database) -> Iterator[BaseCheckpointSaver[Any]]:
    connection = sqlite3.connect(
        sqlite_checkpoint_path(database), check_same_thread=False, timeout=30
    )
    try:
        _use_wal(connection)
        # As the main file (store/database.py): in WAL mode a commit then waits for no fsync;
        # at FULL each of a run's ~17 checkpoint commits did, most of a run's time on disk.
        connection.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(connection)
        saver.setup()
        yield saver
    finally:
        connection.close()


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the checkpoint file in WAL mode (kept in the file), and wait while another
    connection does so: workers opening a new file at once both try, and SQLite answers
    one "database is locked" at once rather than after its busy timeout (that stopped a
    worker starting beside another on a fresh install)."""
    retrying = Retrying(
        stop=stop_after_delay(WAL_SWITCH_SECONDS),
        wait=wait_random(0.01, 0.05),
        retry=retry_if_exception(_locked),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                connection.execute("PRAGMA journal_mode=WAL")


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


@contextmanager
def _postgres_saver(database: Database) -> Iterator[BaseCheckpointSaver[Any]]:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection
    from psycopg.rows import dict_row

    conninfo = database.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with Connection.connect(
        conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row
    ) as connection:
        saver = PostgresSaver(connection)
        _setup_serialised(connection, saver)
        yield saver


def _setup_serialised(connection: Connection[Any], saver: PostgresSaver) -> None:
    """Workers starting together would race to create LangGraph's tables: one at a time.

    Polls pg_try_advisory_lock instead of waiting in pg_advisory_lock: setup builds indexes
    CONCURRENTLY, which waits for every open transaction, including a blocked lock wait.
    """
    deadline = time.monotonic() + SETUP_LOCK_TIMEOUT
    while not _try_lock(connection):
        if time.monotonic() > deadline:
            raise TimeoutError("another process has been setting up the checkpointer too long")
        time.sleep(0.2)
    try:
        saver.setup()
    finally:
        connection.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_ID,))


def _try_lock(connection: Connection[Any]) -> bool:
    row = connection.execute(
        "SELECT pg_try_advisory_lock(%s) AS taken", (SETUP_LOCK_ID,)
    ).fetchone()
    return bool(row and row["taken"])


def lease_reader(checkpointer: BaseCheckpointSaver[Any], database: Database) -> LeaseReader | None:
    """A reader of lease rows over ``checkpointer``'s own connection, or None when it is not
    one :func:`open_checkpointer` makes (the caller then reads through a session)."""
    if isinstance(checkpointer, SqliteSaver) and database.dialect == "sqlite":
        return _SqliteLeaseReader(checkpointer, Path(database.url.database or "hatchway.db"))
    if database.dialect == "postgresql":
        from langgraph.checkpoint.postgres import PostgresSaver

        if isinstance(checkpointer, PostgresSaver) and not checkpointer.pipe:
            return _PostgresLeaseReader(checkpointer)
    return None


class _SqliteLeaseReader:
    """Reads graph_runs in the main file, attached read-only-by-use to the checkpoint
    connection; a plain SELECT outside a transaction takes no lock in WAL mode."""

    _QUERY = f"SELECT {LEASE_COLUMNS} FROM {MAIN_SCHEMA}.graph_runs WHERE thread_id = ?"

    def __init__(self, saver: SqliteSaver, main: Path) -> None:
        self.saver = saver
        self.main = main.resolve()
        with saver.cursor(transaction=False) as cursor:
            # The attachment belongs to the saver's connection, which several readers (one
            # per runner) may share, and lasts as long as it: attach once per connection.
            attached = {row[1] for row in cursor.execute("PRAGMA database_list")}
            if MAIN_SCHEMA not in attached:
                cursor.execute(f"ATTACH DATABASE ? AS {MAIN_SCHEMA}", (str(self.main),))

    def __call__(self, thread_id: str) -> LeaseRow | None:
        with self.saver.cursor(transaction=False) as cursor:
            row = cursor.execute(self._QUERY, (thread_id,)).fetchone()
        if row is None:
            return None
        token, owner, expires = row
        return LeaseRow(token, owner, None if expires is None else _utc(expires))


class _PostgresLeaseReader:
    """One autocommit SELECT on the checkpointer's connection, under its lock."""

    def __init__(self, saver: PostgresSaver) -> None:
        self.saver = saver

    def __call__(self, thread_id: str) -> LeaseRow | None:
        query = f"SELECT {LEASE_COLUMNS} FROM graph_runs WHERE thread_id = %s"
        with self.saver.lock:
            row = self.saver.conn.execute(query, (thread_id,)).fetchone()  # type: ignore[union-attr]
        if row is None:
            return None
        expires = row["lease_expires_at"]
        return LeaseRow(
            row["fencing_token"], row["lease_owner"], None if expires is None else _utc(expires)
        )


def _utc(value: datetime | str) -> datetime:
    """A stored timestamp as aware UTC (SQLite keeps UTC text without a zone)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class FencedSaver(BaseCheckpointSaver[Any]):
    """Delegates to ``inner``; every write first calls ``fence`` (raises if our lease is gone)."""

    def __init__(self, inner: BaseCheckpointSaver[Any], fence: Callable[[], None]) -> None:
        super().__init__(serde=inner.serde)
        self.inner = inner
        self.fence = fence

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.inner.get_tuple(config)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        return self.inner.list(config, filter=filter, before=before, limit=limit)

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        self.fence()
        return self.inner.put(config, checkpoint, metadata, new_versions)

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self.fence()
        self.inner.put_writes(config, writes, task_id, task_path)

    def delete_thread(self, thread_id: str) -> None:
        self.fence()
        self.inner.delete_thread(thread_id)

    def get_next_version(self, current: Any, channel: None) -> Any:
        return self.inner.get_next_version(current, channel)
