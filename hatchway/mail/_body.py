"""Walking a MIME tree: the readable body parts, attachment metadata, forwarded messages.

Forwarded messages (``message/rfc822`` parts) are one attachment each; their own parts are not
listed. Their text is kept separately, and the parser uses it only when the message has no body
of its own (a customer forwarding an order confirmation without a word).
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass, field
from email.message import Message

from hatchway.mail._decode import decode_bytes, decode_header_text
from hatchway.mail.html_text import html_to_text

__all__ = ["Attachment", "BodyParts", "best_text", "collect_body", "decoded_part"]

# Deeper nesting than this is an attack or a broken generator, not a customer.
_MAX_DEPTH = 30
_BODY_TYPES = frozenset({"text/plain", "text/html"})
_FORWARDED_TYPES = frozenset({"message/rfc822", "message/global"})
_FORWARD_SUMMARY_HEADERS = ("From", "Date", "Subject", "To")


@dataclass(frozen=True)
class Attachment:
    """Metadata of one attachment; the bytes stay in the stored raw message.

    ``content_id`` is bare (no angle brackets) so it matches ``cid:`` references in the HTML.
    """

    filename: str | None
    content_type: str
    size: int
    content_id: str | None
    disposition: str | None


@dataclass
class BodyParts:
    """What a walk found, in document order."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    def absorb(self, other: BodyParts) -> None:
        """Take over everything but the text of ``other`` (an alternative we did not choose)."""
        self.attachments += other.attachments
        self.forwarded += other.forwarded
        self.defects += other.defects


def collect_body(message: Message) -> BodyParts:
    """Walk ``message`` and sort its parts into body text, HTML, attachments and forwards."""
    parts = BodyParts()
    _walk(message, parts, depth=0)
    return parts


def _walk(part: Message, found: BodyParts, depth: int) -> None:
    if depth > _MAX_DEPTH:
        found.defects.append(f"MimeTooDeep: parts nested deeper than {_MAX_DEPTH} ignored")
        return
    content_type = part.get_content_type()
    payload = part.get_payload()
    children = (
        [child for child in payload if isinstance(child, Message)]
        if isinstance(payload, list)
        else None
    )
    if content_type in _FORWARDED_TYPES:
        _forwarded(part, content_type, found, depth)
    elif content_type.startswith("multipart/") and children is not None:
        if content_type == "multipart/alternative":
            _alternative(children, found, depth)
        else:
            for child in children:
                _walk(child, found, depth + 1)
    elif part.is_multipart():  # message/delivery-status and friends: structured, not text
        found.attachments.append(_attachment(part, content_type))
    elif _is_body_text(part, content_type):
        _text(part, content_type, found)
    else:
        found.attachments.append(_attachment(part, content_type))


def _alternative(children: list[Message], found: BodyParts, depth: int) -> None:
    # Alternatives say the same thing; the last one is the richest (RFC 2046 §5.1.4).
    variants = []
    for child in children:
        variant = BodyParts()
        _walk(child, variant, depth + 1)
        variants.append(variant)
        found.absorb(variant)
    found.plain += next((v.plain for v in reversed(variants) if _has_text(v.plain)), [])
    found.html += next((v.html for v in reversed(variants) if _has_text(v.html)), [])


def _is_body_text(part: Message, content_type: str) -> bool:
    if part.get_content_disposition() == "attachment" or _filename(part):
        return False
    # A multipart without a usable boundary is one blob of text; show it rather than lose it.
    return content_type in _BODY_TYPES or content_type.startswith("multipart/")


def decoded_part(part: Message) -> tuple[str, str | None]:
    """A leaf part's text: its transfer encoding undone, its charset decoded (with the
    fallbacks of :func:`~hatchway.mail._decode.decode_bytes`), and the defect note if any."""
    return decode_bytes(_payload_bytes(part), part.get_content_charset())


def _text(part: Message, content_type: str, found: BodyParts) -> None:
    text, defect = decoded_part(part)
    if defect:
        found.defects.append(defect)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    (found.html if content_type == "text/html" else found.plain).append(text)


def _forwarded(part: Message, content_type: str, found: BodyParts, depth: int) -> None:
    found.attachments.append(_attachment(part, content_type))
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        found.defects.append("ForwardedMessageMissing: message/rfc822 part without a message")
        return
    inner_parts = BodyParts()
    _walk(inner, inner_parts, depth + 1)
    found.defects += inner_parts.defects
    found.forwarded.append(_quote_forwarded(inner, best_text(inner_parts)))


def best_text(parts: BodyParts) -> str:
    """The plain text if there is any, else text made from the HTML."""
    if _has_text(parts.plain):
        return "\n\n".join(text.strip("\n") for text in parts.plain if text.strip())
    return html_to_text("\n".join(parts.html))


def _quote_forwarded(inner: Message, text: str) -> str:
    raw = {name.lower(): value for name, value in reversed(list(inner.raw_items()))}
    summary = [
        f"{name}: {decode_header_text(str(raw[name.lower()]))}"
        for name in _FORWARD_SUMMARY_HEADERS
        if name.lower() in raw
    ]
    quoted = [f"> {line}".rstrip() for line in text.splitlines()]
    return "\n".join(["---------- Forwarded message ----------", *summary, "", *quoted])


def _attachment(part: Message, content_type: str) -> Attachment:
    raw_id = next((str(v) for k, v in part.raw_items() if k.lower() == "content-id"), "")
    return Attachment(
        filename=_filename(part),
        content_type=content_type,
        size=_size(part),
        content_id=decode_header_text(raw_id).strip("<> \t") or None,
        disposition=part.get_content_disposition(),
    )


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except (LookupError, ValueError, TypeError, AttributeError):
        return None  # broken RFC 2231 parameters: metadata only, not worth a quarantine
    return decode_header_text(name) if name else None


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _size(part: Message) -> int:
    if not part.is_multipart():
        return len(_payload_bytes(part))
    try:  # a forwarded message or a report: its serialised size, written leniently
        subs = [sub for sub in part.get_payload() if isinstance(sub, Message)]
        return sum(len(sub.as_bytes(policy=email.policy.compat32)) for sub in subs)
    except Exception:  # the generator can trip over what the parser accepted; size is a hint
        return 0


def _has_text(texts: list[str]) -> bool:
    return any(text.strip() for text in texts)
