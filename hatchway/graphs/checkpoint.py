"""Checkpointer wiring: LangGraph's SQLite saver or Postgres saver, fenced by the thread lease.

On SQLite the checkpoints live in a file beside the main database (``x.db`` →
``x.checkpoints.db``); on PostgreSQL in LangGraph's own tables in the same database. Their
schema belongs to LangGraph (``setup()``), not to hatchway's Alembic migrations.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.sqlite import SqliteSaver

from hatchway.store import Database

__all__ = ["FencedSaver", "open_checkpointer", "sqlite_checkpoint_path"]


def sqlite_checkpoint_path(database: Database) -> Path:
    """Where the SQLite checkpoints of ``database`` are kept."""
    main = Path(database.url.database or "hatchway.db")
    return main.with_name(main.stem + ".checkpoints.db")


@contextmanager
def open_checkpointer(database: Database) -> Iterator[BaseCheckpointSaver[Any]]:
    """A ready (set-up) checkpointer for the database's kind; closed on exit."""
    if database.dialect == "sqlite":
        path = sqlite_checkpoint_path(database)
        connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            saver = SqliteSaver(connection)
            saver.setup()
            yield saver
        finally:
            connection.close()
        return
    from langgraph.checkpoint.postgres import PostgresSaver

    conninfo = database.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with PostgresSaver.from_conn_string(conninfo) as pg_saver:
        pg_saver.setup()
        yield pg_saver


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
