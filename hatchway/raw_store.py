"""IMAP ingest's storage step (DESIGN.md step 1): a fetched chunk's raw bytes and jobs, batched.

No parsing here: each stored message gets a triage job whose first step parses it
(:func:`hatchway.intake.parse_for_triage`). The chunk's rows go to a temporary staging
table in one bulk write (PostgreSQL: binary COPY; SQLite: one ``executemany``), then one
INSERT ... SELECT stores the messages and one their jobs: no ORM objects, no per-row work
in SQLAlchemy or in the driver's query handling, so storing a chunk costs little more
than the fetch that brought it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from hatchway.intake import TRIAGE_JOB
from hatchway.mail.raw_headers import message_id_of
from hatchway.store.models import InboundMessage, InboundSource, Lane
from hatchway.store.tables import JOBS as _JOBS
from hatchway.store.tables import MESSAGES as _MESSAGES

__all__ = ["FetchedRaw", "StoredChunk", "store_fetched"]


# One chunk's rows on their way in: a temporary table kept on the session's connection
# (PostgreSQL empties it at each commit, see _POSTGRESQL_STAGING; SQLite empties it after
# each chunk). Only the columns that differ per message: the rest are bound once.
_STAGING = Table(
    "hatchway_ingest_staging",
    MetaData(),
    Column("uid", BigInteger, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("content_sha256", Text, nullable=False),
    Column("message_id", Text),
    Column("lane", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
_STAGING_COLUMNS = ", ".join(column.name for column in _STAGING.columns)
_STAGING_PG_TYPES = ["int8", "bytea", "text", "text", "int4"]  # binary COPY needs them
_KEY = ["mailbox_id", "uidvalidity", "uid"]
# Made once per connection, emptied by each commit (a rollback of the transaction that made
# it drops it, and the next chunk makes it again): no catalog writes per chunk. raw is
# staged as it came, uncompressed (STORAGE EXTERNAL) and inline up to a page
# (toast_tuple_target): compressing or TOASTing it here would only be undone by the INSERT.
_POSTGRESQL_STAGING = """DO $$ BEGIN
IF to_regclass('pg_temp.hatchway_ingest_staging') IS NULL THEN
    CREATE TEMPORARY TABLE hatchway_ingest_staging (uid int8 NOT NULL, raw bytea NOT NULL,
        content_sha256 text NOT NULL, message_id text, lane int4 NOT NULL)
        WITH (toast_tuple_target = 8160) ON COMMIT DELETE ROWS;
    ALTER TABLE hatchway_ingest_staging ALTER raw SET STORAGE EXTERNAL;
END IF;
END $$"""


@dataclass(frozen=True, slots=True)
class FetchedRaw:
    """One message fetched from a mailbox, as :func:`store_fetched` stores it."""

    uid: int
    raw: bytes
    lane: Lane = Lane.LIVE


@dataclass(frozen=True)
class StoredChunk:
    """What :func:`store_fetched` did: rows stored new, and messages it had already."""

    stored: int
    already_stored: int


class _Row(NamedTuple):
    """A staging row, in ``_STAGING``'s column order."""

    uid: int
    raw: bytes
    content_sha256: str
    message_id: str | None
    lane: int


def store_fetched(
    session: Session,
    *,
    mailbox_id: int,
    uidvalidity: int,
    messages: Sequence[FetchedRaw],
    resync: bool = False,
) -> StoredChunk:
    """Store fetched messages unparsed, each with its triage job, in the caller's transaction.

    No parsing: the job's first step parses (:func:`parse_for_triage`). A (mailbox,
    UIDVALIDITY, UID) stored already is skipped, never stored twice (the unique key).
    ``resync``: the mailbox has messages stored under an earlier UIDVALIDITY; one query
    finds those among them (same sha256 of the bytes, else the same Message-ID, read from
    the raw header block) and re-keys them to their new UID instead of storing them again.
    """
    rows = [
        _Row(
            message.uid,
            message.raw,
            hashlib.sha256(message.raw).hexdigest(),
            message_id_of(message.raw),
            int(message.lane),
        )
        for message in messages
    ]
    renumbered = _renumber(session, mailbox_id, uidvalidity, rows) if resync and rows else set()
    new_rows = [row for row in rows if row.uid not in renumbered]
    if not new_rows:
        return StoredChunk(stored=0, already_stored=len(rows))
    if session.get_bind().dialect.name == "postgresql":
        stored = _store_postgresql(session, mailbox_id, uidvalidity, new_rows)
    else:
        stored = _store_sqlite(session, mailbox_id, uidvalidity, new_rows)
    return StoredChunk(stored=stored, already_stored=len(rows) - stored)


def _store_postgresql(session: Session, mailbox_id: int, uidvalidity: int, rows: list[_Row]) -> int:
    """Binary COPY to staging; one statement stores the messages not stored yet (ON CONFLICT
    DO NOTHING on the key) and drops the others from staging; one more adds their jobs."""
    driver: Any = session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # psycopg, inside the session's transaction
        cursor.execute(_POSTGRESQL_STAGING)
        copy_sql = f"COPY hatchway_ingest_staging ({_STAGING_COLUMNS}) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(copy_sql) as copy:
            copy.set_types(_STAGING_PG_TYPES)
            for row in rows:
                copy.write_row(row)
    new = (
        postgresql.insert(_MESSAGES)
        .from_select(*_messages_from_staging(mailbox_id, uidvalidity))
        .on_conflict_do_nothing(index_elements=_KEY)
        .returning(_MESSAGES.c.uid)
        .cte("new")
    )
    connection = session.connection()
    already = connection.execute(
        delete(_STAGING).where(_STAGING.c.uid.not_in(select(new.c.uid))).add_cte(new)
    ).rowcount
    # The jobs in a second statement: SQLAlchemy binds the defaults of one INSERT a statement.
    connection.execute(_jobs_for_staged(mailbox_id, uidvalidity))
    return len(rows) - already


def _store_sqlite(session: Session, mailbox_id: int, uidvalidity: int, rows: list[_Row]) -> int:
    """executemany to staging, drop the rows stored already, then INSERT ... SELECT the
    messages and their jobs. Exact because every SQLite transaction of hatchway begins
    IMMEDIATE (hatchway.store.database): no other writer can store one meanwhile."""
    connection = session.connection()
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS hatchway_ingest_staging (uid INTEGER NOT NULL, "
        "raw BLOB NOT NULL, content_sha256 TEXT NOT NULL, message_id TEXT, "
        "lane INTEGER NOT NULL)"
    )
    placeholders = ", ".join("?" for _ in _STAGING.columns)
    driver: Any = connection.connection.driver_connection
    driver.executemany(  # sqlite3: one C loop, no per-row work in Python
        f"INSERT INTO temp.hatchway_ingest_staging ({_STAGING_COLUMNS}) VALUES ({placeholders})",
        rows,
    )
    connection.execute(
        delete(_STAGING).where(
            select(_MESSAGES.c.id).where(_stored_key(mailbox_id, uidvalidity)).exists()
        )
    )
    stored = connection.execute(
        insert(_MESSAGES).from_select(*_messages_from_staging(mailbox_id, uidvalidity))
    ).rowcount
    connection.execute(_jobs_for_staged(mailbox_id, uidvalidity))
    # The connection keeps the table, not the bytes (a rollback drops them as well).
    connection.execute(delete(_STAGING))
    return int(stored)


def _stored_key(mailbox_id: int, uidvalidity: int) -> ColumnElement[bool]:
    """The stored message with a staged row's key."""
    return and_(
        _MESSAGES.c.mailbox_id == mailbox_id,
        _MESSAGES.c.uidvalidity == uidvalidity,
        _MESSAGES.c.uid == _STAGING.c.uid,
    )


def _jobs_for_staged(mailbox_id: int, uidvalidity: int) -> Any:
    """A triage job for each staged message (staging holds only the new ones by then)."""
    return insert(_JOBS).from_select(
        ["kind", "inbound_message_id", "lane"],
        select(literal(TRIAGE_JOB), _MESSAGES.c.id, _STAGING.c.lane).join_from(
            _STAGING, _MESSAGES, _stored_key(mailbox_id, uidvalidity)
        ),
    )


def _messages_from_staging(mailbox_id: int, uidvalidity: int) -> tuple[list[str], Any]:
    """The INSERT ... SELECT of the staged messages: the columns and the SELECT. Every other
    column takes its default (from_select binds Python-side defaults once, for all rows);
    ``parsed_at`` stays NULL: the triage job has not parsed the message yet."""
    columns = ["source", "mailbox_id", "uidvalidity", *(c.name for c in _STAGING.columns)]
    columns.remove("lane")  # a job's column, not the message's
    values = select(
        literal(InboundSource.IMAP, _MESSAGES.c.source.type),
        literal(mailbox_id, _MESSAGES.c.mailbox_id.type),
        literal(uidvalidity, _MESSAGES.c.uidvalidity.type),
        _STAGING.c.uid,
        _STAGING.c.raw,
        _STAGING.c.content_sha256,
        _STAGING.c.message_id,
    ).where(true())  # SQLite: WHERE keeps a later ON CONFLICT from reading as a join's ON
    return columns, values


def _renumber(session: Session, mailbox_id: int, uidvalidity: int, rows: list[_Row]) -> set[int]:
    """After a UIDVALIDITY change: re-key messages stored before to their new UIDs.

    One query for the chunk; a stored message matches one new UID at most (same bytes
    first, else the same Message-ID). Returns the UIDs that were stored already."""
    digests = [row.content_sha256 for row in rows]
    message_ids = [row.message_id for row in rows if row.message_id]
    same: ColumnElement[bool] = InboundMessage.content_sha256.in_(digests)
    if message_ids:
        same = or_(same, InboundMessage.message_id.in_(message_ids))
    earlier = session.execute(
        select(InboundMessage.id, InboundMessage.content_sha256, InboundMessage.message_id)
        .where(
            InboundMessage.mailbox_id == mailbox_id,
            InboundMessage.uidvalidity != uidvalidity,
            same,
        )
        .order_by(InboundMessage.id)
    ).all()
    by_digest: dict[str, list[int]] = {}
    by_message_id: dict[str, list[int]] = {}
    for found_id, digest, message_id in earlier:
        by_digest.setdefault(digest, []).append(found_id)
        if message_id:
            by_message_id.setdefault(message_id, []).append(found_id)
    taken: set[int] = set()
    rekeys: list[dict[str, int]] = []
    for row in rows:
        candidates = by_digest.get(row.content_sha256, []) + by_message_id.get(
            row.message_id or "", []
        )
        match = next((found for found in candidates if found not in taken), None)
        if match is not None:
            taken.add(match)
            rekeys.append({"row_id": match, "new_uid": row.uid})
    if rekeys:
        session.execute(
            update(_MESSAGES)
            .where(_MESSAGES.c.id == bindparam("row_id"))
            .values(uidvalidity=uidvalidity, uid=bindparam("new_uid")),
            rekeys,
        )
    return {rekey["new_uid"] for rekey in rekeys}
