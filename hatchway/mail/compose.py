"""Compose outgoing replies: threading headers, the "Re:" rule, header-injection safety.

Pure: values in, an :class:`~email.message.EmailMessage` out. Connectors move the bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

__all__ = [
    "MAX_REFERENCES",
    "compose_reply",
    "message_bytes",
    "reply_subject",
    "thread_references",
]

#: References kept in a reply: the thread root plus the most recent ones. Long threads
#: otherwise grow the header without bound, and some servers reject very long headers.
MAX_REFERENCES = 20

# Headers compose_reply sets itself; extra_headers may not override them.
_RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
)
_FIELD_NAME = re.compile(r"[!-9;-~]+")  # RFC 5322 ftext: printable ASCII except ":"
_REPLY_PREFIX = re.compile(r"\s*re(\[\d+\])?\s*:", re.IGNORECASE)
_MSG_ID_TOKEN = re.compile(r"[^\s<>]+")
# Unicode line breaks beyond CR/LF: str.splitlines() honours them, so they could fold a header.
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def compose_reply(
    *,
    from_: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    subject: str,
    body: str,
    message_id: str,
    in_reply_to: str | None,
    references: Sequence[str],
    date: datetime | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """Build a text/plain UTF-8 reply with In-Reply-To and References set for threading.

    ``in_reply_to`` is the inbound message's Message-ID and ``references`` its References;
    the reply's References are those plus ``in_reply_to``, de-duplicated and capped at
    :data:`MAX_REFERENCES` (the root is kept). ``date`` defaults to now (UTC) and must be
    timezone-aware. Raises ``ValueError`` for CR/LF or other control characters in any
    header value, malformed addresses or Message-IDs, and attempts to override structural
    headers through ``extra_headers``.
    """
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _addresses("From", [from_], limit=1)
    msg["To"] = _addresses("To", to)
    if cc:
        msg["Cc"] = _addresses("Cc", cc)
    msg["Subject"] = reply_subject(_header_text("Subject", subject))
    msg["Date"] = format_datetime(_aware(date or datetime.now(UTC)))
    msg["Message-ID"] = _message_id("Message-ID", message_id, require_domain=True)
    if in_reply_to is not None:
        msg["In-Reply-To"] = _message_id("In-Reply-To", in_reply_to)
    thread = thread_references(references, in_reply_to)
    if thread:
        msg["References"] = " ".join(thread)
    for name, value in (extra_headers or {}).items():
        msg[_extra_header_name(name)] = _header_text(name, value)
    _set_body(msg, body)
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The wire form of ``msg``: CRLF line endings, headers folded and encoded for SMTP."""
    return msg.as_bytes(policy=policy.SMTP)


def reply_subject(subject: str) -> str:
    """``subject`` with "Re: " in front, unless it already starts with Re: (any case)."""
    stripped = subject.strip()
    if _REPLY_PREFIX.match(stripped):
        return stripped
    return f"Re: {stripped}".rstrip()


def thread_references(references: Iterable[str], in_reply_to: str | None) -> list[str]:
    """The References of a reply: inbound References + its Message-ID, unique, capped."""
    ids: list[str] = []
    for item in [*references, *([in_reply_to] if in_reply_to else [])]:
        # Lenient on purpose: callers may hand over a raw References header value.
        for token in _header_text("References", item).replace("<", " ").replace(">", " ").split():
            normalised = f"<{token}>"
            if normalised not in ids:
                ids.append(normalised)
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return ids


def _set_body(msg: EmailMessage, body: str) -> None:
    # Quoted-printable for non-ASCII text keeps the message 7-bit clean, so it passes
    # servers without 8BITMIME and stays readable in a Sent folder.
    lines = body.splitlines()
    plain = body.isascii() and all(len(line) <= 998 for line in lines)
    cte = "7bit" if plain else "quoted-printable"
    msg.set_content(body, subtype="plain", charset="utf-8", cte=cte)


def _header_text(name: str, value: str) -> str:
    """``value`` if it is safe as one header line; otherwise ``ValueError``."""
    for char in value:
        if char in _LINE_BREAKS or (unicodedata.category(char) == "Cc" and char != "\t"):
            raise ValueError(
                f"{name}: header values may not contain line breaks or control characters "
                f"(found {char!r}); this is how header injection works"
            )
    return value


def _addresses(name: str, values: Sequence[str], limit: int | None = None) -> tuple[Address, ...]:
    if isinstance(values, str):
        raise ValueError(f"{name}: expected a sequence of addresses, got a single string")
    if not values or (limit is not None and len(values) > limit):
        raise ValueError(f"{name}: expected {limit or 'at least one'} address(es), got {values!r}")
    return tuple(_address(name, value) for value in values)


def _address(name: str, value: str) -> Address:
    """One mailbox such as ``Anna Müller <anna@example.com>``; ASCII addr-spec only."""
    text = _header_text(name, value)
    try:
        header = policy.SMTP.header_factory(name, text)
        parsed = list(getattr(header, "addresses", ()))
        defects = list(header.defects)
    except Exception as exc:  # the stdlib parser raises IndexError etc. on some garbage
        raise ValueError(f"{name}: cannot parse address {value!r}: {exc}") from exc
    if len(parsed) == 1 and not parsed[0].addr_spec.isascii():
        # Non-ASCII mailboxes need SMTPUTF8 end to end, which we do not promise.
        raise ValueError(f"{name}: {parsed[0].addr_spec!r} is not an ASCII address")
    if len(parsed) != 1 or defects or not parsed[0].username or not parsed[0].domain:
        raise ValueError(f"{name}: {value!r} is not exactly one valid address")
    address: Address = parsed[0]
    return address


def _message_id(name: str, value: str, *, require_domain: bool = False) -> str:
    token = _header_text(name, value).strip().removeprefix("<").removesuffix(">")
    if not _MSG_ID_TOKEN.fullmatch(token) or (require_domain and "@" not in token):
        raise ValueError(f"{name}: {value!r} is not a Message-ID like <id@domain>")
    return f"<{token}>"


def _extra_header_name(name: str) -> str:
    if not _FIELD_NAME.fullmatch(name):
        raise ValueError(f"extra header name {name!r} is not a valid field name")
    if name.lower() in _RESERVED_HEADERS:
        raise ValueError(f"extra header {name!r} is set by compose_reply and cannot be overridden")
    return name


def _aware(date: datetime) -> datetime:
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date must be timezone-aware (e.g. datetime.now(UTC))")
    return date
