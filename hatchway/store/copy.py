"""Moving from SQLite to PostgreSQL: copy every table and the LangGraph checkpoints (db copy).

The target must be a new PostgreSQL database migrated to the same revision
(``hatchway db upgrade``, whose seeded categories are replaced by the source's). Tables are
copied in foreign-key order, in chunks, in one transaction; the checkpoints are read with
LangGraph's SQLite saver and written with its Postgres saver in a second transaction, so
threads waiting at the review interrupt resume on PostgreSQL. Sequences are reset at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple
from sqlalchemy import Connection, Table, delete, func, inspect, select, text

from hatchway.errors import DatabaseError
from hatchway.graphs.checkpoint import open_checkpointer, sqlite_checkpoint_path
from hatchway.store.database import Database
from hatchway.store.migrate import require_current
from hatchway.store.models import Base

if TYPE_CHECKING:  # psycopg comes with the optional 'postgres' extra
    from langgraph.checkpoint.postgres import PostgresSaver

__all__ = ["DEFAULT_CHUNK_SIZE", "CopyReport", "copy_database"]

DEFAULT_CHUNK_SIZE = 1000
# `hatchway db upgrade` seeds this table; a target holding only these rows still counts as empty.
SEEDED_TABLE = "categories"
_NOT_COPIED = frozenset({"alembic_version"})  # written by the target's own migrations

Progress = Callable[[str, int], None]


@dataclass
class CopyReport:
    """What was copied: rows per table, checkpoints and their pending writes."""

    rows: dict[str, int] = field(default_factory=dict)
    checkpoints: int = 0
    checkpoint_writes: int = 0

    def summary(self) -> str:
        """One line for the operator."""
        return (
            f"{sum(self.rows.values())} rows in {len(self.rows)} tables, "
            f"{self.checkpoints} checkpoints with {self.checkpoint_writes} pending writes"
        )


def copy_database(
    source: Database,
    target: Database,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy ``source`` (SQLite) into ``target`` (an empty, migrated PostgreSQL database).

    Raises DatabaseError, with the fix, when the kinds, revisions or tables do not fit or the
    target is not empty. Nothing is left half-copied when a table fails.
    """
    _require_sqlite_to_postgres(source, target)
    require_current(source)
    require_current(target)
    tables = _tables_to_copy(source)
    report = CopyReport()
    # Reading starts with BEGIN IMMEDIATE (see Database): writers wait, the copy is consistent.
    with source.engine.connect() as reading, target.engine.begin() as writing:
        _require_empty(writing, target)
        with _checkpoint_writer(target) as saver:
            for table in tables:
                report.rows[table.name] = _copy_table(reading, writing, table, chunk_size)
                if progress is not None:
                    progress(table.name, report.rows[table.name])
            _reset_sequences(writing, tables)
            report.checkpoints, report.checkpoint_writes = _copy_checkpoints(source, saver)
    return report


def _require_sqlite_to_postgres(source: Database, target: Database) -> None:
    if source.dialect != "sqlite":
        raise DatabaseError(
            source.display_url,
            "is not a SQLite database",
            "run `hatchway db copy` with the settings of the SQLite installation",
        )
    if target.dialect != "postgresql":
        raise DatabaseError(
            target.display_url,
            "is not a PostgreSQL database",
            "give --to postgresql+psycopg://user:password@host:5432/dbname",
        )


def _tables_to_copy(source: Database) -> list[Table]:
    """Every hatchway table in foreign-key order; refuses tables this code does not know."""
    tables = Base.metadata.sorted_tables
    known = {table.name for table in tables} | _NOT_COPIED
    unknown = sorted(set(inspect(source.engine).get_table_names()) - known)
    if unknown:
        raise DatabaseError(
            source.display_url,
            f"has tables this version of hatchway does not know: {', '.join(unknown)}",
            "copy with the hatchway version that created them",
        )
    return tables


def _require_empty(writing: Connection, target: Database) -> None:
    for table in Base.metadata.sorted_tables:
        count = writing.scalar(select(func.count()).select_from(table)) or 0
        if count and table.name != SEEDED_TABLE:
            raise DatabaseError(
                target.display_url,
                f"is not empty ({table.name} has {count} rows)",
                "copy into a new database: createdb, then `hatchway db upgrade` with "
                "HATCHWAY_DATABASE_URL set to it",
            )
    # Only `db upgrade` can have written them (nothing else has rows): the source's replace them.
    writing.execute(delete(Base.metadata.tables[SEEDED_TABLE]))


def _copy_table(reading: Connection, writing: Connection, table: Table, chunk_size: int) -> int:
    """Stream the rows in primary-key order, ``chunk_size`` at a time; the row count."""
    query = select(table).order_by(*table.primary_key.columns)
    result = reading.execution_options(yield_per=chunk_size).execute(query)
    copied = 0
    for chunk in result.partitions():
        writing.execute(table.insert(), [row._asdict() for row in chunk])
        copied += len(chunk)
    return copied


def _reset_sequences(writing: Connection, tables: list[Table]) -> None:
    """Rows were inserted with their ids: move each sequence past the largest one."""
    quote = writing.dialect.identifier_preparer.quote
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        writing.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({quote(column.name)}) FROM {quote(table.name)}), 0) + 1, "
                "false)"
            ),
            {"table": quote(table.name), "column": column.name},
        )


@contextmanager
def _checkpoint_writer(target: Database) -> Iterator[PostgresSaver]:
    """A Postgres saver writing in one transaction, committed when the block succeeds."""
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection as PgConnection
    from psycopg.rows import dict_row

    with open_checkpointer(target):
        pass  # creates LangGraph's tables, one process at a time
    conninfo = target.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with PgConnection.connect(conninfo, prepare_threshold=0, row_factory=dict_row) as connection:
        row = connection.execute("SELECT EXISTS (SELECT 1 FROM checkpoints) AS found").fetchone()
        if row and row["found"]:
            raise DatabaseError(
                target.display_url,
                "already holds LangGraph checkpoints",
                "copy into a new database: createdb, then `hatchway db upgrade`",
            )
        yield PostgresSaver(connection)  # the connection commits on leaving its block


def _copy_checkpoints(source: Database, saver: BaseCheckpointSaver[Any]) -> tuple[int, int]:
    """Every checkpoint and pending write of the SQLite saver, re-put through ``saver``."""
    if not sqlite_checkpoint_path(source).exists():
        return 0, 0  # no graph ever ran
    checkpoints = writes = 0
    with open_checkpointer(source) as reader:
        for item in reader.list(None):
            _put_checkpoint(saver, item)
            checkpoints += 1
            writes += len(item.pending_writes or [])
    return checkpoints, writes


def _put_checkpoint(saver: BaseCheckpointSaver[Any], item: CheckpointTuple) -> None:
    configurable = item.config["configurable"]
    parent: dict[str, Any] = {
        "thread_id": configurable["thread_id"],
        "checkpoint_ns": configurable.get("checkpoint_ns", ""),
    }
    if item.parent_config is not None:
        parent["checkpoint_id"] = item.parent_config["configurable"]["checkpoint_id"]
    # All channel versions: the Postgres saver stores a blob for each one named as new.
    versions = dict(item.checkpoint["channel_versions"])
    saved = saver.put({"configurable": parent}, item.checkpoint, item.metadata, versions)
    by_task: dict[str, list[tuple[str, Any]]] = {}
    for task_id, channel, value in item.pending_writes or []:
        by_task.setdefault(task_id, []).append((channel, value))
    for task_id, task_writes in by_task.items():
        saver.put_writes(saved, task_writes, task_id)
