"""The interface every mail sender implements, and what a send returns.

Error contract of :meth:`MailSender.send` (see :mod:`.errors`):

* connection refused, timeout, connection dropped before DATA, any 4xx reply
  → :class:`SmtpTransientError` (a ``TransientError``; ``code`` holds the SMTP code).
  Nothing was delivered, so retrying is safe.
* 530/534/535/538 or no usable AUTH → :class:`SmtpAuthError` (an ``AuthError``).
* 5xx to MAIL FROM / RCPT TO / DATA → :class:`SendRejected` (a ``ProtocolError``):
  permanent, the caller sends the item back to human review.
* the connection broke after the message was handed over, before the server's final
  answer → :class:`SendOutcomeUnknown` (a ``ProtocolError``, not transient): it may have
  been delivered; never retry blindly.
* TLS certificate or handshake failure, 5xx before the mail transaction → ``ProtocolError``.

Partially refused recipients: when at least one recipient is accepted the message is
sent and ``send`` *returns*; the refused ones are in :attr:`SendReceipt.refused` with their
codes. Raising would invite a retry that sends a duplicate to the accepted recipients.
Only when every recipient is refused does ``send`` raise: ``SmtpTransientError`` if any
refusal was 4xx, otherwise ``SendRejected``.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol, runtime_checkable

__all__ = ["MailSender", "RefusedRecipient", "SendReceipt", "SmtpReply"]


@dataclass(frozen=True, slots=True)
class SmtpReply:
    """One server reply: the numeric code and its text."""

    code: int
    text: str


@dataclass(frozen=True, slots=True)
class RefusedRecipient:
    """A recipient the server would not take for this message."""

    address: str
    reply: SmtpReply


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """Proof of a send: what the server accepted, refused, and its final answer to DATA."""

    message_id: str
    accepted: tuple[str, ...]
    refused: tuple[RefusedRecipient, ...]
    reply: SmtpReply


@runtime_checkable
class MailSender(Protocol):
    """Sends one finished message (From, To/Cc/Bcc and Message-ID already set)."""

    def send(self, message: EmailMessage) -> SendReceipt:
        """Deliver ``message`` to the submission server; see the module docstring for errors."""
        ...
