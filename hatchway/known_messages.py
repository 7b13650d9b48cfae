"""Is this a message we have already? Two questions, asked at two moments.

At store (:func:`already_stored`): the same bytes from the same source, the same mailbox
UID, or, after a UIDVALIDITY change, the same bytes under an old UID (re-keyed then). At
parse (:func:`earlier_copy`): the same email delivered to another of our mailboxes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.store.models import InboundMessage, InboundSource, InboundStatus

__all__ = ["already_stored", "earlier_copy"]


def already_stored(
    session: Session,
    *,
    digest: str,
    source: InboundSource,
    mailbox_id: int | None,
    uidvalidity: int | None,
    uid: int | None,
) -> InboundMessage | None:
    """The stored message these bytes (sha256 ``digest``) or this mailbox UID already are."""
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


def earlier_copy(session: Session, message: InboundMessage) -> int | None:
    """The earlier message this one is a copy of, delivered to another of our mailboxes.

    One email sent to two of our addresses arrives in both mailboxes, with the same
    Message-ID but different bytes (each delivery adds its own headers): answering both
    would send the customer two replies. A copy needs the same Message-ID, sender and
    subject (senders of spam reuse Message-IDs), and an earlier copy that was parsed; the
    parses are serialised (``hatchway.intake``'s threading lock, SQLite's write lock), so of two
    copies exactly one is answered.
    """
    if message.mailbox_id is None or not message.message_id:
        return None
    return session.scalar(
        select(InboundMessage.id)
        .where(
            InboundMessage.message_id == message.message_id,
            InboundMessage.id != message.id,
            InboundMessage.mailbox_id.is_not(None),
            InboundMessage.mailbox_id != message.mailbox_id,
            InboundMessage.parsed_at.is_not(None),
            InboundMessage.status != InboundStatus.QUARANTINED,
            InboundMessage.from_address == message.from_address,
            InboundMessage.subject == message.subject,
        )
        .order_by(InboundMessage.id)
        .limit(1)
    )
