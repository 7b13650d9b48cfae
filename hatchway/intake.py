"""Inbound mail in: store the raw bytes, parse them, thread them, queue triage.

Two ways in, one parse step. IMAP ingest (:func:`hatchway.raw_store.store_fetched`) does
only DESIGN.md's step 1 in its transaction: the raw bytes, their sha256 and a triage job
per message, in two batched INSERTs per chunk; the job's first step
(:func:`parse_for_triage`, run by the worker) parses, threads, and quarantines or ignores
the message with its reason. The API and the demo's .eml files (:func:`accept_raw_message`)
store and parse at once, in the caller's transaction, so they can answer with the result.
Both parse through :func:`parse_stored`: a stored message's raw bytes in, its fields,
thread and status out. Either way the raw bytes and the job commit together or not at all
(invariant I1).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, case, select
from sqlalchemy.orm import Session

from hatchway.known_messages import already_stored, earlier_copy
from hatchway.mail.parse import ParsedEmail, Quarantined, parse_message
from hatchway.mail.raw_headers import MESSAGE_ID_LIMIT, message_id_of
from hatchway.mail.signals import should_never_answer
from hatchway.mail.threads import normalise_subject, subject_fallback_allowed, thread_keys
from hatchway.store import Database
from hatchway.store.jobs import enqueue
from hatchway.store.models import (
    InboundMessage,
    InboundSource,
    InboundStatus,
    Lane,
    OutboxEntry,
    Thread,
    utcnow,
)
from hatchway.store.serial import serialise_transaction
from hatchway.store.tables import MESSAGES as _MESSAGES

__all__ = [
    "TRIAGE_JOB",
    "Accepted",
    "accept_raw_message",
    "parse_for_triage",
    "parse_stored",
    "reparse",
]

log = logging.getLogger(__name__)

TRIAGE_JOB = "triage"

# PostgreSQL: parse steps that thread take this transaction-scoped advisory lock, so two
# workers never both create a thread for one conversation (SQLite's BEGIN IMMEDIATE
# serialises them already). The number is arbitrary; it only has to be the same everywhere.
_THREADING_LOCK = 0x6861746368  # "hatch"
# How far a parse step follows links to messages stored but not parsed yet (see _thread_for).
_LINKED_DEPTH = 3


@dataclass(frozen=True)
class Accepted:
    """The stored message, and whether this call stored it (False: it was there already)."""

    message: InboundMessage
    is_new: bool


def accept_raw_message(
    session: Session,
    *,
    raw: bytes,
    source: InboundSource,
    own_domains: frozenset[str] = frozenset(),
    mailbox_id: int | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
    lane: Lane = Lane.LIVE,
) -> Accepted:
    """Store ``raw`` with its parse result; queue triage when it may be answered.

    Idempotent: the same bytes from the same source (or the same mailbox UID) return the
    message stored the first time.
    """
    digest = hashlib.sha256(raw).hexdigest()
    existing = already_stored(
        session,
        digest=digest,
        source=source,
        mailbox_id=mailbox_id,
        uidvalidity=uidvalidity,
        uid=uid,
    )
    if existing is not None:
        return Accepted(existing, is_new=False)
    message = InboundMessage(
        source=source,
        mailbox_id=mailbox_id,
        uidvalidity=uidvalidity,
        uid=uid,
        raw=raw,
        content_sha256=digest,
        message_id=message_id_of(raw),
    )
    session.add(message)
    session.flush()
    if parse_stored(session, message, own_domains=own_domains) == InboundStatus.RECEIVED:
        enqueue(session, kind=TRIAGE_JOB, inbound_message_id=message.id, lane=lane)
    return Accepted(message, is_new=True)


# A message's status, and its raw bytes only while it is unparsed.
_STORED_FOR_TRIAGE: Final = select(
    case((_MESSAGES.c.parsed_at.is_(None), _MESSAGES.c.raw)).label("raw"),
    _MESSAGES.c.parsed_at,
    _MESSAGES.c.status,
).where(_MESSAGES.c.id == bindparam("b_id"))


def parse_for_triage(
    database: Database, message_id: int, *, own_domains: frozenset[str] = frozenset()
) -> InboundStatus | None:
    """The triage job's first step: parse the stored message unless that was done; its status.

    The parse (CPU only) runs outside any transaction; its result is applied in a short one
    that threads the message. RECEIVED: go on to the triage graph; QUARANTINED or IGNORED:
    the reason is on the row and there is nothing to triage. None: no such message.
    Safe to run again (a job retried after a crash): a parsed message is left as it is.
    """
    with database.reading() as connection:
        stored = connection.execute(_STORED_FOR_TRIAGE, {"b_id": message_id}).first()
    if stored is None:
        return None
    if stored.parsed_at is not None:
        return InboundStatus(stored.status)
    result = _safe_parse(stored.raw, own_domains)
    with database.session() as session:
        _serialise_threading(session)
        message = session.get(InboundMessage, message_id)
        if message is None:
            return None
        return parse_stored(session, message, own_domains=own_domains, result=result)


def parse_stored(
    session: Session,
    message: InboundMessage,
    *,
    own_domains: frozenset[str] = frozenset(),
    result: ParsedEmail | Quarantined | None = None,
    _depth: int = 0,
) -> InboundStatus:
    """DESIGN.md step 2 for a stored message, in the caller's transaction; its new status.

    Parses ``message.raw`` (or takes ``result``, its parse made earlier), then: quarantined
    with the reason, or the parsed fields and thread filled and, for mail never to be
    answered (loop signals, I6), IGNORED with the reason; else it stays RECEIVED. A message
    parsed before (``parsed_at`` set) is left alone. Queues nothing: the caller does.
    """
    if message.parsed_at is not None:
        return InboundStatus(message.status)
    _serialise_threading(session)
    if result is None:
        result = _safe_parse(message.raw, own_domains)
    _apply_parse(session, message, result, own_domains, _depth)
    message.parsed_at = utcnow()
    return InboundStatus(message.status)


def _serialise_threading(session: Session) -> None:
    serialise_transaction(session, _THREADING_LOCK)


def reparse(
    session: Session,
    message: InboundMessage,
    *,
    own_domains: frozenset[str] = frozenset(),
    lane: Lane = Lane.LIVE,
) -> InboundStatus:
    """Parse a stored message's raw bytes again, exactly as intake does; its new status.

    For quarantined mail (a fixed parser may read it now): on success the row gets the
    parsed fields and its thread, and triage is queued unless the mail is never answered;
    otherwise it stays quarantined with the new reason. In the caller's transaction.
    """
    message.status, message.status_reason = InboundStatus.RECEIVED, None
    message.parsed_at = None
    if parse_stored(session, message, own_domains=own_domains) == InboundStatus.RECEIVED:
        enqueue(session, kind=TRIAGE_JOB, inbound_message_id=message.id, lane=lane)
    return InboundStatus(message.status)


def _apply_parse(
    session: Session,
    message: InboundMessage,
    result: ParsedEmail | Quarantined,
    own_domains: frozenset[str],
    depth: int,
) -> None:
    """Status, parsed fields and thread from a parse result (status left alone if answerable)."""
    if isinstance(result, Quarantined):
        message.status = InboundStatus.QUARANTINED
        message.status_reason = result.reason
        message.subject = result.subject
        return
    _fill_parsed(message, result)
    message.thread_id = _thread_for(session, message, result, own_domains, depth).id
    if should_never_answer(result):
        message.status = InboundStatus.IGNORED
        message.status_reason = "never answered: " + "; ".join(
            f"{signal.kind}: {signal.evidence}" for signal in result.loop_signals
        )
    elif (original := earlier_copy(session, message)) is not None:
        message.status = InboundStatus.IGNORED
        message.status_reason = (
            f"a copy of message {original}: the same email (Message-ID {message.message_id}, "
            "same sender and subject) reached another of our mailboxes, and is handled there"
        )


def _safe_parse(raw: bytes, own_domains: frozenset[str]) -> ParsedEmail | Quarantined:
    # parse_message never raises by contract; if a bug makes it, the mail is still kept.
    try:
        return parse_message(raw, own_domains=own_domains)
    except Exception as exc:
        log.exception("parser failed; quarantining the message")
        return Quarantined(
            reason=f"parser error: {type(exc).__name__}: {exc}"[:300],
            content_sha256=hashlib.sha256(raw).hexdigest(),
        )


def _fill_parsed(message: InboundMessage, parsed: ParsedEmail) -> None:
    message.message_id = _fits(parsed.message_id)
    message.from_address = parsed.from_.address
    message.from_name = parsed.from_.name or None
    message.subject = parsed.subject
    message.sent_at = parsed.date
    message.to_addresses = [address.address for address in parsed.to]
    message.cc_addresses = [address.address for address in parsed.cc]
    message.reply_to = [address.address for address in parsed.reply_to]
    message.in_reply_to = _fits(parsed.in_reply_to)
    message.references = list(parsed.references)
    message.text_body = parsed.text
    message.html_body = parsed.html
    message.attachments = [asdict(attachment) for attachment in parsed.attachments]
    message.loop_signals = [
        {"kind": str(signal.kind), "evidence": signal.evidence} for signal in parsed.loop_signals
    ]
    message.defects = list(parsed.defects)


def _fits(message_id: str | None) -> str | None:
    """A Message-ID the column can hold (a longer one is no use as a link anyway)."""
    return message_id if message_id is None or len(message_id) <= MESSAGE_ID_LIMIT else None


def _thread_for(
    session: Session,
    message: InboundMessage,
    parsed: ParsedEmail,
    own_domains: frozenset[str],
    depth: int,
) -> Thread:
    """The thread this message belongs to: by Message-ID links, else a careful subject match.

    A linked message stored but not parsed yet (IMAP ingest stores a whole backlog before
    its jobs run, and jobs run side by side) is parsed first, so a reply never starts a
    thread of its own because the mail it answers was still waiting for its job.
    """
    if depth < _LINKED_DEPTH:
        _parse_linked_first(session, message, parsed, own_domains, depth)
    at = parsed.date or utcnow()
    thread = _thread_by_links(session, parsed) or _thread_by_subject(session, parsed, at)
    if thread is None:
        thread = Thread(
            subject_key=normalise_subject(parsed.subject)[:500],
            customer_address=parsed.from_.address,
            last_message_at=at,  # the message's time, not now: a backfill threads old mail too
        )
        session.add(thread)
        session.flush()
    thread.last_message_at = max(thread.last_message_at or at, at)
    return thread


def _parse_linked_first(
    session: Session,
    message: InboundMessage,
    parsed: ParsedEmail,
    own_domains: frozenset[str],
    depth: int,
) -> None:
    keys = list(thread_keys(parsed))
    if not keys:
        return
    waiting = session.scalars(
        select(InboundMessage)
        .where(
            InboundMessage.message_id.in_(keys),
            InboundMessage.parsed_at.is_(None),
            InboundMessage.id != message.id,
        )
        .order_by(InboundMessage.id)
    ).all()
    for linked in waiting:
        parse_stored(session, linked, own_domains=own_domains, _depth=depth + 1)


def _thread_by_links(session: Session, parsed: ParsedEmail) -> Thread | None:
    """The thread of the nearest linked message: In-Reply-To first, then References newest first.

    A link may name a message we received or a reply we sent (the customer answering our
    reply often names only its Message-ID); a reply sits in the thread of what it answered.
    """
    keys = list(thread_keys(parsed))
    if not keys:
        return None
    received = select(InboundMessage.message_id, InboundMessage.thread_id).where(
        InboundMessage.message_id.in_(keys), InboundMessage.thread_id.is_not(None)
    )
    sent = (
        select(OutboxEntry.message_id, InboundMessage.thread_id)
        .join(InboundMessage, InboundMessage.id == OutboxEntry.inbound_message_id)
        .where(OutboxEntry.message_id.in_(keys), InboundMessage.thread_id.is_not(None))
    )
    found: dict[str | None, int | None] = {}
    for query in (received, sent):
        for message_id, thread_id in session.execute(query):
            found.setdefault(message_id, thread_id)
    thread_id = next((found[key] for key in keys if key in found), None)
    return None if thread_id is None else session.get(Thread, thread_id)


def _thread_by_subject(session: Session, parsed: ParsedEmail, at: datetime) -> Thread | None:
    key = normalise_subject(parsed.subject)[:500]
    candidate = session.scalars(
        select(Thread)
        .where(Thread.subject_key == key, Thread.customer_address == parsed.from_.address)
        .order_by(Thread.last_message_at.desc())
        .limit(1)
    ).first()
    if candidate is None:
        return None
    allowed = subject_fallback_allowed(
        subject=parsed.subject,
        sender=parsed.from_.address,
        at=at,
        thread_subject=candidate.subject_key,
        thread_sender=candidate.customer_address or "",
        thread_at=candidate.last_message_at,
    )
    return candidate if allowed else None
