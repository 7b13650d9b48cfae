"""Parsing inbound mail: raw bytes in, a :class:`ParsedEmail` or a :class:`Quarantined` out.

Never raises. A message is quarantined only when there is nothing sensible to answer: no
bytes, no headers, no usable From address, or a body that cannot be read at all. Anything
less is parsed, with what was wrong listed in ``defects`` (invariant I1: nothing dropped).
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import email.utils
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from types import MappingProxyType

from hatchway.mail._body import Attachment, BodyParts, best_text, collect_body
from hatchway.mail._decode import decode_header_text, fix_8bit
from hatchway.mail.html_text import HTML_TAG_LIMIT, exceeds_tag_limit, sanitize_html
from hatchway.mail.ids import message_id_list, normalise_message_id
from hatchway.mail.signals import SIGNAL_HEADERS, LoopSignal, detect_loop_signals

__all__ = ["KEPT_HEADERS", "Address", "Attachment", "ParsedEmail", "Quarantined", "parse_message"]

KEPT_HEADERS: tuple[str, ...] = tuple(
    dict.fromkeys(("Return-Path", "Sender", "X-Mailer", "User-Agent", *SIGNAL_HEADERS))
)
"""Raw headers copied into :attr:`ParsedEmail.headers` (the loop-signal rules read them)."""

_BARE_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"'@]+")
_REASON_LIMIT = 300
_FALLBACK_SCAN_LIMIT = 4000  # the lenient address regex backtracks; garbage can be long


@dataclass(frozen=True)
class Address:
    """A mailbox: display name (may be empty) and ``local@domain`` with the domain lower-cased."""

    name: str
    address: str


@dataclass(frozen=True)
class ParsedEmail:
    """Everything hatchway needs from one inbound message. Built only by :func:`parse_message`.

    ``text`` is the plain body, or text made from the HTML, or (only when the message has no
    body of its own) its forwarded messages quoted with ``> ``. ``html`` is sanitised.
    ``headers`` holds the :data:`KEPT_HEADERS` present, keyed by their canonical names.
    """

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_: Address
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    loop_signals: tuple[LoopSignal, ...]
    content_sha256: str
    defects: tuple[str, ...]
    headers: Mapping[str, str] = field(hash=False)  # a mapping is unhashable; the rest is not


@dataclass(frozen=True)
class Quarantined:
    """A message hatchway cannot work with; the raw bytes are kept and a human sees ``reason``.

    ``subject`` is the Subject header when the headers could be read (shown beside the reason).
    """

    reason: str
    content_sha256: str
    subject: str | None = None


def parse_message(
    raw: bytes, *, own_domains: frozenset[str] = frozenset()
) -> ParsedEmail | Quarantined:
    """Parse one raw RFC 5322 message; never raises.

    ``own_domains`` are the domains hatchway sends from: mail with our Message-ID or From
    domain gets an ``own_message`` loop signal.
    """
    digest = hashlib.sha256(raw).hexdigest()
    try:
        return _parse(bytes(raw), digest, own_domains)
    except RecursionError:  # the stdlib parser recurses per MIME level
        return Quarantined("could not be parsed: MIME parts nested too deeply", digest)
    except Exception as exc:  # a parser bug must quarantine the message, never lose it (I1)
        return Quarantined(_reason(f"could not be parsed: {type(exc).__name__}: {exc}"), digest)


def _parse(raw: bytes, digest: str, own_domains: frozenset[str]) -> ParsedEmail | Quarantined:
    if not raw.strip():
        return Quarantined("empty message: no bytes" if not raw else "empty message", digest)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = _header_table(message)
    if not headers:
        return Quarantined("not an e-mail: no headers", digest)
    defects: list[str] = []
    sender = _sender(message, headers, defects)
    subject = _first(headers, "subject")
    if isinstance(sender, str):
        return Quarantined(_reason(sender), digest, subject)
    try:
        body = collect_body(message)
    except Exception as exc:  # the headers were fine but the body is beyond repair
        return Quarantined(_reason(f"body could not be decoded: {exc}"), digest, subject)
    parsed = _build(message, headers, sender, body, digest, defects)
    return dataclasses.replace(
        parsed, loop_signals=detect_loop_signals(parsed, own_domains=own_domains)
    )


def _build(
    message: Message,
    headers: dict[str, list[str]],
    sender: Address,
    body: BodyParts,
    digest: str,
    defects: list[str],
) -> ParsedEmail:
    date, date_defect = _date(_first(headers, "date"))
    html = "\n".join(body.html)
    reply_to, to, cc = (_addresses(message, name, defects) for name in ("Reply-To", "To", "Cc"))
    return ParsedEmail(
        message_id=normalise_message_id(_first(headers, "message-id")),
        in_reply_to=normalise_message_id(_first(headers, "in-reply-to")),
        references=message_id_list(" ".join(headers.get("references", []))),
        subject=_first(headers, "subject") or "",
        from_=sender,
        reply_to=reply_to,
        to=to,
        cc=cc,
        date=date,
        text=_no_nul(best_text(body) or "\n\n".join(body.forwarded)),
        html=_no_nul(sanitize_html(html)) if html.strip() else None,
        attachments=tuple(body.attachments),
        loop_signals=(),
        content_sha256=digest,
        defects=_all_defects(message, [*defects, *body.defects, *_notes(date_defect, html)]),
        headers=MappingProxyType(
            {name: value for name in KEPT_HEADERS if (value := _first(headers, name)) is not None}
        ),
    )


def _header_table(message: Message) -> dict[str, list[str]]:
    # raw_items() gives the values as received; header objects would parse (and may choke).
    table: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        text = _no_nul(decode_header_text(str(value)))
        table.setdefault(name.strip().lower(), []).append(text)
    return table


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name.lower())
    return values[0] if values else None


def _sender(message: Message, headers: dict[str, list[str]], defects: list[str]) -> Address | str:
    """The From address (Sender when From has none); else a quarantine reason."""
    for name in ("From", "Sender"):
        found = _addresses(message, name, defects) if name.lower() in headers else ()
        if found:
            if name == "Sender":
                defects.append("MissingFrom: no usable From address, used Sender")
            if len(found) > 1:
                defects.append(f"MultipleFrom: {len(found)} addresses, used the first")
            return found[0]
    if "from" not in headers:
        return "no From header"
    return f"From header has no usable address: {_first(headers, 'from')!r}"


def _addresses(message: Message, name: str, defects: list[str]) -> tuple[Address, ...]:
    """Usable addresses in every ``name`` header; a lenient regex when the strict parser fails."""
    found: list[Address] = []
    try:
        for header in message.get_all(name, []):
            defects.extend(type(defect).__name__ for defect in getattr(header, "defects", ()))
            for mailbox in getattr(header, "addresses", ()):
                address = _make_address(mailbox.display_name, mailbox.addr_spec)
                found += [address] if address else []
    except Exception:  # the structured parser gave up: fall through to the lenient one
        defects.append(f"InvalidAddressHeader: {name}")
    if found:
        return tuple(found)
    raw = " ".join(
        decode_header_text(str(v)) for k, v in message.raw_items() if k.lower() == name.lower()
    )
    matches = _BARE_ADDRESS.findall(raw[:_FALLBACK_SCAN_LIMIT])
    return tuple(address for match in matches if (address := _make_address("", match)))


def _make_address(name: str, addr_spec: str) -> Address | None:
    local, _, domain = _no_nul(fix_8bit(addr_spec)).strip().rpartition("@")
    domain = domain.strip().rstrip(".").lower()
    if not local or not domain or any(char.isspace() for char in domain):
        return None
    return Address(name=_no_nul(fix_8bit(name)).strip(), address=f"{local}@{domain}")


def _date(value: str | None) -> tuple[datetime | None, str | None]:
    if not value:
        return None, None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, f"InvalidDate: {value[:80]!r}"
    # "-0000" means UTC with the sender's zone unknown (RFC 5322 §3.3); Python makes it naive.
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)), None


def _notes(date_defect: str | None, html: str) -> list[str]:
    notes = [date_defect] if date_defect else []
    if exceeds_tag_limit(html):
        notes.append(f"HtmlTooComplex: over {HTML_TAG_LIMIT} tags, shown as text")
    return notes


def _all_defects(message: Message, ours: list[str]) -> tuple[str, ...]:
    names = [type(defect).__name__ for part in message.walk() for defect in part.defects]
    return tuple(dict.fromkeys([*names, *ours]))


def _no_nul(text: str) -> str:
    """``text`` without NUL characters: PostgreSQL text columns refuse them (a
    quoted-printable ``=00`` decodes to one), and no reader needs them."""
    return text.replace("\x00", "") if "\x00" in text else text


def _reason(text: str) -> str:
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"
