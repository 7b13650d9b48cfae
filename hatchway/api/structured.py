"""A structured JSON submission made into RFC 822 bytes, so it takes the same intake as IMAP mail.

The bytes are a pure function of the submission: the same JSON twice makes the same bytes
(and, without a given Message-ID, the same made-up one), so repeats are recognised.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from hatchway.api.errors import ApiError
from hatchway.api.schemas import MessageCreate

__all__ = ["compose_inbound"]

# .invalid (RFC 2606) can never be one of our sending domains, so the made-up id is never
# mistaken for our own outgoing mail by the loop checks.
_MADE_UP_ID_DOMAIN = "api.hatchway.invalid"


def compose_inbound(submission: MessageCreate) -> bytes:
    """The submission as an e-mail; ApiError 422 (with the field) when a header will not encode."""
    canonical = submission.model_dump_json(by_alias=True).encode()
    message = EmailMessage(policy=SMTP)
    headers = [
        ("from", "From", formataddr((submission.from_name or "", submission.from_))),
        ("to", "To", ", ".join(submission.to)),
        ("subject", "Subject", submission.subject),
        ("message_id", "Message-ID", _bracketed(submission.message_id) or _made_up_id(canonical)),
        ("in_reply_to", "In-Reply-To", _bracketed(submission.in_reply_to)),
        ("references", "References", " ".join(map(_bracket, submission.references)) or None),
        ("date", "Date", format_datetime(submission.date) if submission.date else None),
    ]
    for field, name, value in headers:
        if value is None:
            continue
        try:
            message[name] = value
        except (ValueError, TypeError, IndexError) as exc:
            raise ApiError(422, "validation_error", f"{name}: {exc}", field=field) from None
    return _with_body(message, submission)


def _with_body(message: EmailMessage, submission: MessageCreate) -> bytes:
    try:
        message.set_content(submission.text)
        if submission.html is not None:
            message.add_alternative(submission.html, subtype="html")
        return message.as_bytes()
    except (ValueError, TypeError, IndexError, UnicodeError, LookupError) as exc:
        # Headers that the parser accepted may still fail to fold or encode.
        raise ApiError(422, "validation_error", f"cannot be made into mail: {exc}") from None


def _made_up_id(canonical: bytes) -> str:
    return f"<api.{hashlib.sha256(canonical).hexdigest()[:40]}@{_MADE_UP_ID_DOMAIN}>"


def _bracket(value: str) -> str:
    return f"<{value.strip('<>')}>"


def _bracketed(value: str | None) -> str | None:
    return None if value is None else _bracket(value)
