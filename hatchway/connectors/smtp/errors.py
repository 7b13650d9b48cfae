"""SMTP failures as the hatchway exception tree, with the server's reply code kept.

```
TransientError ── SmtpTransientError   4xx, refused/timed-out connection: retry later
AuthError ─────── SmtpAuthError        530/534/535/538, AUTH not offered: an operator acts
ProtocolError ─┬─ SendRejected         5xx to MAIL/RCPT/DATA: this message will not go
               └─ SendOutcomeUnknown   the answer to DATA never came: never retry blindly
```
"""

from __future__ import annotations

from hatchway.errors import AuthError, ConnectorError, ProtocolError, TransientError

__all__ = [
    "CONNECTOR",
    "SendOutcomeUnknown",
    "SendRejected",
    "SmtpAuthError",
    "SmtpTransientError",
    "error_for_reply",
]

CONNECTOR = "smtp"

# Reply codes that mean "who you are" rather than "what you sent" (RFC 4954).
_AUTH_CODES = frozenset({530, 534, 535, 538})


class SmtpTransientError(TransientError):
    """The send did not happen and may succeed later. ``code`` is None for network errors."""

    def __init__(self, message: str, code: int | None = None) -> None:
        self.code = code
        super().__init__(CONNECTOR, message)


class SmtpAuthError(AuthError):
    """The server refused our credentials, or offers no way to present them."""

    def __init__(self, message: str, code: int | None = None) -> None:
        self.code = code
        super().__init__(CONNECTOR, message)


class SendRejected(ProtocolError):
    """A permanent (5xx) refusal of this message: send the item back to human review.

    ``code`` and ``reply`` are the server's answer; ``recipients`` names the refused
    recipients when the refusal came at RCPT TO (empty otherwise).
    """

    def __init__(self, code: int, reply: str, recipients: tuple[str, ...] = ()) -> None:
        self.code = code
        self.reply = reply
        self.recipients = recipients
        who = f" for {', '.join(recipients)}" if recipients else ""
        super().__init__(CONNECTOR, f"message rejected{who}: {code} {reply}")


class SendOutcomeUnknown(ProtocolError):
    """The message was handed over but the server's final answer never arrived.

    The server may have accepted it. Not transient on purpose: a blind retry could send
    it twice. The outbox checks the Sent folder or asks a human ("may have been sent").
    """

    def __init__(self, message_id: str, cause: str) -> None:
        self.message_id = message_id
        super().__init__(CONNECTOR, f"outcome of {message_id} unknown: {cause}")


def error_for_reply(code: int, reply: str, *, stage: str) -> ConnectorError:
    """The exception for an unexpected reply ``code`` to the command named by ``stage``."""
    text = f"{stage}: {code} {reply}"
    if code in _AUTH_CODES:
        return SmtpAuthError(text, code)
    if 400 <= code < 500:
        return SmtpTransientError(text, code)
    if 500 <= code < 600 and stage in {"MAIL FROM", "RCPT TO", "DATA"}:
        return SendRejected(code, f"{stage}: {reply}")
    # 5xx before the mail transaction (greeting, EHLO, STARTTLS) or a nonsense code:
    # a problem with the server or our settings, not with this message.
    return ProtocolError(CONNECTOR, text)
