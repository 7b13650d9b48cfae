"""Threading keys: which earlier messages an inbound message belongs with.

Headers decide first (:func:`thread_keys`). Only a message that links to nothing known may
join a thread by subject, and only under the narrow rule of :func:`subject_fallback_allowed`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hatchway.mail.parse import ParsedEmail

__all__ = [
    "GENERIC_SUBJECTS",
    "SUBJECT_FALLBACK_WINDOW",
    "is_generic_subject",
    "normalise_subject",
    "subject_fallback_allowed",
    "thread_keys",
]

SUBJECT_FALLBACK_WINDOW = timedelta(days=14)
"""How far apart two messages may be and still thread by subject alone."""

GENERIC_SUBJECTS = frozenset(
    {
        "", "question", "questions", "a question", "quick question", "hello", "hi", "hey",
        "help", "info", "information", "inquiry", "enquiry", "request", "order", "my order",
        "support", "contact", "feedback", "complaint", "problem", "issue", "urgent", "thanks",
        "thank you", "test", "no subject", "(no subject)", "kein betreff", "frage", "hallo",
        "anfrage", "bestellung", "hilfe", "bonjour", "question commande", "sans objet",
    }
)  # fmt: skip
"""Subjects so common that sharing one says nothing about being the same conversation."""

# Reply/forward prefixes in the languages our customers write: Re, Fwd, Fw, AW (de),
# WG (de), SV (nordic), VS (fi), TR (fr), RV (es), Antw (nl/de), Odp (pl), RIF/R (it) --
# optionally counted ("Re[2]:", "Re(3):") and with a full-width colon.
_PREFIXES = re.compile(
    r"^(?:\s*(?:re|fwd?|aw|wg|sv|vs|tr|rv|antw|odp|rif|r)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]"
    r"|\s*\[[^\]]*\])+",  # and [tags]: [shop-support], [EXTERNAL], [Ticket #12]
    re.IGNORECASE,
)
_FWD_SUFFIXES = re.compile(r"(?:\s*\((?:fwd|fw)\))+\s*$", re.IGNORECASE)
_MIN_MEANINGFUL_LENGTH = 4


def thread_keys(parsed: ParsedEmail) -> tuple[str, ...]:
    """The Message-IDs ``parsed`` links to: In-Reply-To first, then References newest first.

    Duplicates and the message's own ID are left out.
    """
    linked = (parsed.in_reply_to, *reversed(parsed.references))
    keys = dict.fromkeys(key for key in linked if key and key != parsed.message_id)
    return tuple(keys)


def normalise_subject(subject: str) -> str:
    """The subject without reply/forward prefixes and ``[tags]``, whitespace collapsed, casefolded.

    ``"AW: [Shop] Re: Fwd:  Order 1234"`` becomes ``"order 1234"``.
    """
    # One pass each: prefixes and tags come in any order ("Re: [tag] AW: x") and may repeat.
    text = _FWD_SUFFIXES.sub("", _PREFIXES.sub("", subject))
    return " ".join(text.split()).casefold()


def is_generic_subject(normalised: str) -> bool:
    """True for subjects too common or too short to identify a conversation."""
    meaningful = sum(char.isalnum() for char in normalised)
    return normalised in GENERIC_SUBJECTS or meaningful < _MIN_MEANINGFUL_LENGTH


def subject_fallback_allowed(
    *,
    subject: str,
    sender: str,
    at: datetime,
    thread_subject: str,
    thread_sender: str,
    thread_at: datetime,
    window: timedelta = SUBJECT_FALLBACK_WINDOW,
) -> bool:
    """May a message with no usable thread keys join an existing thread by its subject?

    Only when all hold: the same sender address (case-insensitive), the same normalised
    subject, that subject is not generic (:data:`GENERIC_SUBJECTS`, or under four letters and
    digits), and the two messages are at most ``window`` apart. Strangers who happen to write
    "Question" on the same day, or one customer's unrelated mail months later, stay apart.
    """
    normalised = normalise_subject(subject)
    return (
        sender.strip().casefold() == thread_sender.strip().casefold()
        and normalised == normalise_subject(thread_subject)
        and not is_generic_subject(normalised)
        and abs(at - thread_at) <= window
    )
