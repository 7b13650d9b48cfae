"""IMAP ingest's storage step (DESIGN.md step 1): a fetched chunk's raw bytes and jobs, batched.

No parsing here: each stored message gets a triage job whose first step parses it
(:func:`hatchway.intake.parse_for_triage`). Core INSERTs, no ORM objects, so storing a
chunk costs little more than the fetch that brought it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hatchway.intake import TRIAGE_JOB
from hatchway.mail.raw_headers import message_id_of
from hatchway.store.models import InboundMessage, InboundSource, Job, Lane

__all__ = ["FetchedRaw", "StoredChunk", "store_fetched"]

_MESSAGES = cast(Table, InboundMessage.__table__)  # Core: no ORM objects for a chunk's rows
_JOBS = cast(Table, Job.__table__)


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


def store_fetched(
    session: Session,
    *,
    mailbox_id: int,
    uidvalidity: int,
    messages: Sequence[FetchedRaw],
    resync: bool = False,
) -> StoredChunk:
    """Store fetched messages unparsed, each with its triage job, in the caller's transaction.

    Two batched INSERTs (messages, jobs), no parsing: the job's first step parses
    (:func:`parse_for_triage`). A (mailbox, UIDVALIDITY, UID) stored already is skipped by
    the unique key (ON CONFLICT DO NOTHING), so a refetch can never store it twice.
    ``resync``: the mailbox has messages stored under an earlier UIDVALIDITY; one query
    finds those among them (same sha256 of the bytes, else the same Message-ID, read from
    the raw header block) and re-keys them to their new UID instead of storing them again.
    """
    rows: list[dict[str, Any]] = [
        {
            "uid": message.uid,
            "raw": message.raw,
            "content_sha256": hashlib.sha256(message.raw).hexdigest(),
            "message_id": message_id_of(message.raw),
            "lane": message.lane,
        }
        for message in messages
    ]
    renumbered = _renumber(session, mailbox_id, uidvalidity, rows) if resync and rows else set()
    new_rows = [row for row in rows if row["uid"] not in renumbered]
    if not new_rows:
        return StoredChunk(stored=0, already_stored=len(rows))
    lanes = {row["uid"]: row["lane"] for row in new_rows}
    inserted = _insert_ignoring_stored(
        session,
        [
            {
                "source": InboundSource.IMAP,
                "mailbox_id": mailbox_id,
                "uidvalidity": uidvalidity,
                "uid": row["uid"],
                "raw": row["raw"],
                "content_sha256": row["content_sha256"],
                "message_id": row["message_id"],
                "parsed_at": None,
            }
            for row in new_rows
        ],
    )
    if inserted:
        session.execute(
            insert(_JOBS),
            [
                {"kind": TRIAGE_JOB, "inbound_message_id": message_id, "lane": int(lanes[uid])}
                for uid, message_id in sorted(inserted.items())
            ],
        )
    return StoredChunk(stored=len(inserted), already_stored=len(rows) - len(inserted))


def _insert_ignoring_stored(session: Session, rows: list[dict[str, Any]]) -> dict[int, int]:
    """One multi-row INSERT of new messages, skipping keys stored already; {uid: id}."""
    dialect = session.get_bind().dialect.name
    key = ["mailbox_id", "uidvalidity", "uid"]
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(_MESSAGES).on_conflict_do_nothing(index_elements=key)
    elif dialect == "sqlite":
        statement = sqlite.insert(_MESSAGES).on_conflict_do_nothing(index_elements=key)
    else:  # pragma: no cover - hatchway supports these two
        raise NotImplementedError(f"no conflict-ignoring insert for {dialect}")
    returned = session.execute(statement.returning(_MESSAGES.c.uid, _MESSAGES.c.id), rows)
    return {int(row.uid): int(row.id) for row in returned}


def _renumber(
    session: Session, mailbox_id: int, uidvalidity: int, rows: list[dict[str, Any]]
) -> set[int]:
    """After a UIDVALIDITY change: re-key messages stored before to their new UIDs.

    One query for the chunk; a stored message matches one new UID at most (same bytes
    first, else the same Message-ID). Returns the UIDs that were stored already."""
    digests = [row["content_sha256"] for row in rows]
    message_ids = [row["message_id"] for row in rows if row["message_id"]]
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
        candidates = by_digest.get(row["content_sha256"], []) + by_message_id.get(
            row["message_id"] or "", []
        )
        match = next((found for found in candidates if found not in taken), None)
        if match is not None:
            taken.add(match)
            rekeys.append({"row_id": match, "new_uid": row["uid"]})
    if rekeys:
        session.execute(
            update(_MESSAGES)
            .where(_MESSAGES.c.id == bindparam("row_id"))
            .values(uidvalidity=uidvalidity, uid=bindparam("new_uid")),
            rekeys,
        )
    return {rekey["new_uid"] for rekey in rekeys}
