"""What the real sender and the fake share: envelope, wire form, per-recipient outcome."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import getaddresses

from hatchway.mail.compose import message_bytes

from .errors import SendRejected, SmtpTransientError
from .protocol import RefusedRecipient, SmtpReply

__all__ = ["envelope_recipients", "required_message_id", "settle_recipients", "wire_bytes"]


def required_message_id(message: EmailMessage) -> str:
    """The Message-ID that the outbox fixed at approval; sending without one is a bug."""
    value = message.get("Message-ID")
    if not value or not str(value).strip():
        raise ValueError("message has no Message-ID; the outbox must fix it before sending")
    return str(value).strip()


def envelope_recipients(message: EmailMessage) -> tuple[str, ...]:
    """Unique addr-specs from To, Cc and Bcc, in order; ``ValueError`` when there are none."""
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    seen: dict[str, None] = {}
    for _, addr in getaddresses(fields):
        if addr:
            seen.setdefault(addr, None)
    if not seen:
        raise ValueError("message has no recipients in To, Cc or Bcc")
    return tuple(seen)


def wire_bytes(message: EmailMessage) -> bytes:
    """The bytes to transmit: Bcc is an envelope matter and must not reach recipients."""
    if "Bcc" not in message:
        return message_bytes(message)
    without_bcc = copy.deepcopy(message)
    del without_bcc["Bcc"]
    return message_bytes(without_bcc)


def settle_recipients(
    replies: Mapping[str, SmtpReply],
) -> tuple[tuple[str, ...], tuple[RefusedRecipient, ...]]:
    """Split RCPT replies into accepted and refused; raise when nobody was accepted."""
    accepted = tuple(addr for addr, reply in replies.items() if reply.code in (250, 251))
    refused = tuple(
        RefusedRecipient(addr, reply)
        for addr, reply in replies.items()
        if reply.code not in (250, 251)
    )
    if accepted:
        return accepted, refused
    temporary = [r for r in refused if 400 <= r.reply.code < 500]
    if temporary:
        first = temporary[0]
        who = ", ".join(r.address for r in temporary)
        raise SmtpTransientError(
            f"RCPT TO deferred for {who}: {first.reply.code} {first.reply.text}", first.reply.code
        )
    first = refused[0]
    raise SendRejected(
        first.reply.code, f"RCPT TO: {first.reply.text}", tuple(r.address for r in refused)
    )
