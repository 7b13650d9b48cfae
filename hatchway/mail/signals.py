"""Loop signals: evidence that a message was sent by a machine, a list, or us (invariant I6).

All rules live in :data:`RULES`, one row each. A message with any signal is never answered;
the signal's ``evidence`` says in plain words which header or value gave it away.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from hatchway.mail.ids import is_own_message_id

if TYPE_CHECKING:
    from hatchway.mail.parse import ParsedEmail

__all__ = [
    "RULES",
    "SIGNAL_HEADERS",
    "LoopSignal",
    "LoopSignalKind",
    "detect_loop_signals",
    "should_never_answer",
]


class LoopSignalKind(StrEnum):
    """Why a message must not be answered."""

    AUTO_SUBMITTED = "auto_submitted"
    BULK = "bulk"
    MAILING_LIST = "mailing_list"
    BOUNCE = "bounce"
    NO_REPLY = "no_reply"
    OWN_MESSAGE = "own_message"


@dataclass(frozen=True)
class LoopSignal:
    """One piece of evidence, e.g. ``Precedence: bulk (bulk mail)``."""

    kind: LoopSignalKind
    evidence: str


# Rule sources that are not headers. Header rules name the header itself.
SUBJECT = "Subject"
FROM_LOCAL_PART = "From local part"
REPLY_LOCAL_PART = "reply address local part"  # Reply-To if given, else From
PART_TYPE = "MIME part"
OWN_MESSAGE_ID = "Message-ID"
OWN_FROM_DOMAIN = "From domain"


@dataclass(frozen=True)
class _Rule:
    kind: LoopSignalKind
    source: str  # a header name or one of the constants above
    pattern: str | None  # matched case-insensitively against the whole value; None: any value
    why: str


_AUTO, _BULK, _LIST = (
    LoopSignalKind.AUTO_SUBMITTED,
    LoopSignalKind.BULK,
    LoopSignalKind.MAILING_LIST,
)
_BOUNCE, _NOREPLY, _OWN = LoopSignalKind.BOUNCE, LoopSignalKind.NO_REPLY, LoopSignalKind.OWN_MESSAGE

# Patterns, named so that the table below reads one rule per line.
_NOT_NO = r"(?!no\s*(?:;|\(|$)).+"  # Auto-Submitted: anything but "no"
_SUPPRESS = r".*\b(?:all|oof|autoreply)\b.*"
_MDN_REPORT = r"multipart/report\s*;.*disposition-notification.*"
_DSN_REPORT = r"multipart/report\s*;.*delivery-status.*"
_PRECEDENCE = r"\s*(?:bulk|junk|list)\b.*"
_NULL_PATH = r"\s*<\s*>\s*"
_AUTO_SUBJECT = (
    r"(?:auto(?:matic)?[ -]?(?:reply|response)|autoreply|out of (?:the )?office(?: reply)?"
    r"|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica"
    r"|risposta automatica|automatisch antwoord|autosvar)\s*(?::.*)?"
)
_BOUNCE_SUBJECT = (
    r"(?:undeliver(?:ed|able)(?: mail| message)?|delivery status notification|returned mail"
    r"|mail delivery (?:failed|failure|system)|delivery failure|failure notice"
    r"|unzustellbar|non remis)\b.*"
)
_SEPARATOR = r"(?:[-+._=].*)?"  # noreply+tag@, bounces-123@, no-reply.shop@
_DAEMON = r"(?:mailer[-_]?daemon|postmaster)" + _SEPARATOR
_NO_REPLY = (
    r"(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply|mailer[-_]?daemon|bounces?)"
    + _SEPARATOR
)

# fmt: off
RULES: tuple[_Rule, ...] = (
    _Rule(_AUTO, "Auto-Submitted", _NOT_NO, "RFC 3834: sent automatically"),
    _Rule(_AUTO, "X-Autoreply", None, "an autoresponder's header"),
    _Rule(_AUTO, "X-Autorespond", None, "an autoresponder's header"),
    _Rule(_AUTO, "X-Auto-Response-Suppress", _SUPPRESS, "Outlook: do not answer this"),
    _Rule(_AUTO, "X-MS-Exchange-Inbox-Rules-Loop", None, "sent by an Exchange inbox rule"),
    _Rule(_AUTO, "Content-Type", _MDN_REPORT, "read receipt"),
    _Rule(_AUTO, PART_TYPE, r"message/disposition-notification", "read receipt"),
    _Rule(_AUTO, PART_TYPE, r"message/feedback-report", "spam complaint report (ARF)"),
    _Rule(_AUTO, SUBJECT, _AUTO_SUBJECT, "an automatic reply's subject"),
    _Rule(_BULK, "Precedence", _PRECEDENCE, "bulk mail"),
    _Rule(_LIST, "List-Id", None, "sent through a mailing list"),
    _Rule(_LIST, "List-Unsubscribe", None, "mailing list or newsletter"),
    _Rule(_LIST, "List-Post", None, "sent through a mailing list"),
    _Rule(_LIST, "List-Help", None, "sent through a mailing list"),
    _Rule(_LIST, "List-Subscribe", None, "sent through a mailing list"),
    _Rule(_LIST, "List-Owner", None, "sent through a mailing list"),
    _Rule(_LIST, "Mailing-List", None, "sent through a mailing list"),
    _Rule(_BOUNCE, "Content-Type", _DSN_REPORT, "delivery report"),
    _Rule(_BOUNCE, PART_TYPE, r"message/delivery-status", "delivery report"),
    _Rule(_BOUNCE, "Return-Path", _NULL_PATH, "empty envelope sender: a bounce or auto-reply"),
    _Rule(_BOUNCE, "X-Failed-Recipients", None, "delivery failure"),
    _Rule(_BOUNCE, FROM_LOCAL_PART, _DAEMON, "mail server"),
    _Rule(_BOUNCE, SUBJECT, _BOUNCE_SUBJECT, "a bounce's subject"),
    _Rule(_NOREPLY, REPLY_LOCAL_PART, _NO_REPLY, "the reply address does not take replies"),
    _Rule(_OWN, OWN_MESSAGE_ID, None, "a Message-ID hatchway made"),
    _Rule(_OWN, OWN_FROM_DOMAIN, None, "sent from one of our own domains"),
)
# fmt: on

_DERIVED_SOURCES = frozenset(
    {SUBJECT, FROM_LOCAL_PART, REPLY_LOCAL_PART, PART_TYPE, OWN_MESSAGE_ID, OWN_FROM_DOMAIN}
)
SIGNAL_HEADERS: tuple[str, ...] = tuple(
    dict.fromkeys(rule.source for rule in RULES if rule.source not in _DERIVED_SOURCES)
)
"""Headers the rules read; the parser keeps them in :attr:`ParsedEmail.headers`."""


def detect_loop_signals(
    parsed: ParsedEmail, *, own_domains: frozenset[str] = frozenset()
) -> tuple[LoopSignal, ...]:
    """Every rule of :data:`RULES` that matches ``parsed``, one signal per rule and value."""
    domains = frozenset(domain.strip().lower() for domain in own_domains)
    signals: dict[LoopSignal, None] = {}
    for rule in RULES:
        for value in _values(parsed, rule.source, domains):
            if rule.pattern is None or re.fullmatch(rule.pattern, value, re.IGNORECASE | re.DOTALL):
                evidence = f"{rule.source}: {_shorten(value)} ({rule.why})"
                signals[LoopSignal(rule.kind, evidence)] = None
    return tuple(signals)


def _values(parsed: ParsedEmail, source: str, own_domains: frozenset[str]) -> Iterator[str]:
    if source == SUBJECT:
        yield parsed.subject.strip()
    elif source == FROM_LOCAL_PART:
        yield parsed.from_.address.rpartition("@")[0]
    elif source == REPLY_LOCAL_PART:
        # A contact form sends From noreply@ with Reply-To the customer: the reply is fine.
        for address in parsed.reply_to or (parsed.from_,):
            yield address.address.rpartition("@")[0]
    elif source == PART_TYPE:
        yield from (attachment.content_type for attachment in parsed.attachments)
    elif source == OWN_MESSAGE_ID:
        if is_own_message_id(parsed.message_id, own_domains):
            yield str(parsed.message_id)
    elif source == OWN_FROM_DOMAIN:
        domain = parsed.from_.address.rpartition("@")[2]
        if any(domain == own or domain.endswith("." + own) for own in own_domains):
            yield parsed.from_.address
    elif source in parsed.headers:
        yield parsed.headers[source]


def _shorten(value: str, limit: int = 120) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


class _HasLoopSignals(Protocol):
    @property
    def loop_signals(self) -> tuple[LoopSignal, ...]: ...


def should_never_answer(parsed: _HasLoopSignals) -> bool:
    """True when any loop signal was found: such a message is never answered (I6)."""
    return bool(parsed.loop_signals)
