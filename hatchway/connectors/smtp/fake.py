"""An in-memory :class:`~.protocol.MailSender` for unit tests: records, refuses, fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from hatchway.errors import ConnectorError

from ._envelope import envelope_recipients, required_message_id, settle_recipients, wire_bytes
from .protocol import SendReceipt, SmtpReply

__all__ = ["InMemoryMailSender", "SentMessage"]

_OK = SmtpReply(250, "OK")


@dataclass(frozen=True, slots=True)
class SentMessage:
    """What a real server would have received: envelope and the parsed wire bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage


@dataclass(frozen=True, slots=True)
class _Refusal:
    matches: Callable[[str], bool]
    reply: SmtpReply


class InMemoryMailSender:
    """Keeps every sent message in :attr:`sent`, with the real sender's envelope rules.

    ``fail_next(n, error)`` makes the next ``n`` sends raise ``error`` (nothing recorded);
    ``refuse_recipients(match, code, text)`` answers RCPT TO for matching addresses with
    ``code``, so partial and total refusals follow the same contract as the real server.
    """

    def __init__(self, *, mail_from: str = "outbox@hatchway.invalid") -> None:
        self.mail_from = mail_from
        self.sent: list[SentMessage] = []
        self._failures: list[ConnectorError] = []
        self._refusals: list[_Refusal] = []

    def fail_next(self, count: int, error: ConnectorError) -> None:
        """Make the next ``count`` calls to :meth:`send` raise ``error``."""
        if count < 0:
            raise ValueError("count must be >= 0")
        self._failures.extend([error] * count)

    def refuse_recipients(self, match: Callable[[str], bool], code: int, text: str) -> None:
        """Answer RCPT TO with ``code``/``text`` for every address where ``match`` is true."""
        self._refusals.append(_Refusal(match, SmtpReply(code, text)))

    def send(self, message: EmailMessage) -> SendReceipt:
        """Record ``message`` as delivered, or raise what was scripted."""
        message_id = required_message_id(message)
        recipients = envelope_recipients(message)
        raw = wire_bytes(message)  # serialise like the real sender: same errors, same bytes
        if self._failures:
            raise self._failures.pop(0).with_traceback(None)
        replies = {addr: self._rcpt_reply(addr) for addr in recipients}
        accepted, refused = settle_recipients(replies)
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)  # policy.default builds EmailMessage
        self.sent.append(SentMessage(self.mail_from, accepted, raw, parsed))
        return SendReceipt(message_id, accepted, refused, _OK)

    def _rcpt_reply(self, address: str) -> SmtpReply:
        for refusal in self._refusals:
            if refusal.matches(address):
                return refusal.reply
        return _OK
