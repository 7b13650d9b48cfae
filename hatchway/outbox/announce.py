"""What follows from a reply having gone out, wherever that was established."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hatchway.policies.audit import maybe_sample
from hatchway.store.models import Approval, OutboxEntry
from hatchway.webhooks.events import record_event, reply_event_type, reply_payload

__all__ = ["announce_sent"]


def announce_sent(session: Session, entry: OutboxEntry, *, audit_share: float) -> None:
    """In the transaction that records the send: audit sampling (auto-sends), the event.

    The relay calls it when SMTP accepted the message, recovery when the Sent folder
    proves it went out; both must sample and announce alike (webhooks, CRM activity).
    """
    if entry.approval == Approval.AUTO:
        maybe_sample(session, entry, share=audit_share)
    record_event(session, type=reply_event_type(entry), payload=reply_payload(session, entry))
