"""The e-mail an outbox entry stands for, built the same way for sending and for filing."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from hatchway.mail.compose import compose_reply
from hatchway.store.models import OutboxEntry

__all__ = ["entry_message"]


def entry_message(entry: OutboxEntry, date: datetime | None = None) -> EmailMessage:
    """The reply with the entry's fixed Message-ID and its threading headers."""
    return compose_reply(
        from_=entry.from_address,
        to=entry.to_addresses,
        cc=entry.cc_addresses,
        subject=entry.subject,
        body=entry.body,
        message_id=entry.message_id,
        in_reply_to=entry.in_reply_to,
        references=entry.references,
        date=date,
    )
