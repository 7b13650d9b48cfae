"""Accepting one raw inbound message: store it, parse it, thread it, queue its triage.

Every path that brings mail in (IMAP ingest, the API, the demo's .eml files) goes
through :func:`accept_raw_message`, in the caller's transaction, so the raw bytes, the
parse result and the triage job commit together or not at all (invariant I1).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.mail.parse import ParsedEmail, Quarantined, parse_message
from hatchway.mail.signals import should_never_answer
from hatchway.mail.threads import normalise_subject, subject_fallback_allowed, thread_keys
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

__all__ = ["TRIAGE_JOB", "Accepted", "accept_raw_message", "reparse"]

log = logging.getLogger(__name__)

TRIAGE_JOB = "triage"


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
    existing = _already_stored(session, raw, source, mailbox_id, uidvalidity, uid)
    if existing is not None:
        return Accepted(existing, is_new=False)
    result = _safe_parse(raw, own_domains)
    message = InboundMessage(
        source=source,
        mailbox_id=mailbox_id,
        uidvalidity=uidvalidity,
        uid=uid,
        raw=raw,
        content_sha256=result.content_sha256,
    )
    _apply_parse(session, message, result)
    session.add(message)
    session.flush()
    if message.status == InboundStatus.RECEIVED:
        enqueue(session, kind=TRIAGE_JOB, inbound_message_id=message.id, lane=lane)
    return Accepted(message, is_new=True)


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
    _apply_parse(session, message, _safe_parse(message.raw, own_domains))
    if message.status == InboundStatus.RECEIVED:
        enqueue(session, kind=TRIAGE_JOB, inbound_message_id=message.id, lane=lane)
    return message.status


def _apply_parse(
    session: Session, message: InboundMessage, result: ParsedEmail | Quarantined
) -> None:
    """Status, parsed fields and thread from a parse result (status left alone if answerable)."""
    if isinstance(result, Quarantined):
        message.status = InboundStatus.QUARANTINED
        message.status_reason = result.reason
        message.subject = result.subject
        return
    _fill_parsed(message, result)
    message.thread_id = _thread_for(session, result).id
    if should_never_answer(result):
        message.status = InboundStatus.IGNORED
        message.status_reason = "never answered: " + "; ".join(
            f"{signal.kind}: {signal.evidence}" for signal in result.loop_signals
        )


def _already_stored(
    session: Session,
    raw: bytes,
    source: InboundSource,
    mailbox_id: int | None,
    uidvalidity: int | None,
    uid: int | None,
) -> InboundMessage | None:
    digest = hashlib.sha256(raw).hexdigest()
    if mailbox_id is None or uid is None:
        same_bytes = select(InboundMessage).where(
            InboundMessage.source == source, InboundMessage.content_sha256 == digest
        )
        return session.scalars(same_bytes.limit(1)).first()
    same_uid = select(InboundMessage).where(
        InboundMessage.mailbox_id == mailbox_id,
        InboundMessage.uidvalidity == uidvalidity,
        InboundMessage.uid == uid,
    )
    found = session.scalars(same_uid.limit(1)).first()
    if found is not None:
        return found
    # After a UIDVALIDITY change the server re-numbers everything: the same bytes in the
    # same mailbox are the message we already have. Re-key it to its new UID.
    renumbered = select(InboundMessage).where(
        InboundMessage.mailbox_id == mailbox_id,
        InboundMessage.content_sha256 == digest,
        InboundMessage.uidvalidity != uidvalidity,
    )
    found = session.scalars(renumbered.limit(1)).first()
    if found is not None:
        found.uidvalidity, found.uid = uidvalidity, uid
    return found


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
    message.message_id = parsed.message_id
    message.from_address = parsed.from_.address
    message.from_name = parsed.from_.name or None
    message.subject = parsed.subject
    message.sent_at = parsed.date
    message.to_addresses = [address.address for address in parsed.to]
    message.cc_addresses = [address.address for address in parsed.cc]
    message.reply_to = [address.address for address in parsed.reply_to]
    message.in_reply_to = parsed.in_reply_to
    message.references = list(parsed.references)
    message.text_body = parsed.text
    message.html_body = parsed.html
    message.attachments = [asdict(attachment) for attachment in parsed.attachments]
    message.loop_signals = [
        {"kind": str(signal.kind), "evidence": signal.evidence} for signal in parsed.loop_signals
    ]
    message.defects = list(parsed.defects)


def _thread_for(session: Session, parsed: ParsedEmail) -> Thread:
    """The thread this message belongs to: by Message-ID links, else a careful subject match."""
    at = parsed.date or utcnow()
    thread = _thread_by_links(session, parsed) or _thread_by_subject(session, parsed, at)
    if thread is None:
        thread = Thread(
            subject_key=normalise_subject(parsed.subject)[:500],
            customer_address=parsed.from_.address,
        )
        session.add(thread)
        session.flush()
    thread.last_message_at = max(thread.last_message_at or at, at)
    return thread


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
