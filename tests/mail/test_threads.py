"""Threading keys and the careful subject-only fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hatchway.mail.parse import ParsedEmail, parse_message
from hatchway.mail.threads import (
    is_generic_subject,
    normalise_subject,
    subject_fallback_allowed,
    thread_keys,
)
from tests.mail._eml import eml

NOW = datetime(2024, 5, 7, 12, 0, tzinfo=UTC)


def parse(raw: bytes) -> ParsedEmail:
    result = parse_message(raw)
    assert isinstance(result, ParsedEmail), result
    return result


def test_thread_keys_in_reply_to_first_then_references_newest_first() -> None:
    mail = parse(
        eml(
            """
            From: a@example.com
            Message-ID: <self@example.com>
            In-Reply-To: <c@shop.example>
            References: <a@shop.example> <b@shop.example> <c@shop.example> <self@example.com>

            x
            """
        )
    )
    assert thread_keys(mail) == ("<c@shop.example>", "<b@shop.example>", "<a@shop.example>")


def test_thread_keys_of_a_new_conversation_are_empty() -> None:
    assert thread_keys(parse(b"From: a@example.com\r\n\r\nx")) == ()


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Order 1234", "order 1234"),
        ("RE: re: Fwd: FW: Order 1234", "order 1234"),
        ("AW: WG: Bestellung 1234", "bestellung 1234"),
        ("SV: Antw: TR: RV: Order 1234", "order 1234"),
        ("Re[2]: Re(3): Order 1234", "order 1234"),
        ("[Shop Support] Re: [Ticket #55] AW: Order 1234", "order 1234"),
        ("  Order   1234  (fwd)", "order 1234"),
        ("Re：Order 1234", "order 1234"),
        ("Review: the blender", "review: the blender"),
        ("", ""),
    ],
)
def test_normalise_subject(subject: str, expected: str) -> None:
    assert normalise_subject(subject) == expected


@pytest.mark.parametrize("subject", ["question", "Re: Hello", "Hi!", "(no subject)", "ok", "?!"])
def test_generic_subjects(subject: str) -> None:
    assert is_generic_subject(normalise_subject(subject))


def fallback(**changes: object) -> bool:
    args: dict[str, object] = {
        "subject": "Re: Broken blender, order 1234",
        "sender": "Anna@Example.com",
        "at": NOW,
        "thread_subject": "Broken blender, order 1234",
        "thread_sender": "anna@example.com",
        "thread_at": NOW - timedelta(days=3),
    }
    args.update(changes)
    return subject_fallback_allowed(**args)  # type: ignore[arg-type]


def test_subject_fallback_allowed_for_same_sender_subject_and_recent() -> None:
    assert fallback()


def test_subject_fallback_refused_for_another_sender() -> None:
    assert not fallback(sender="bob@example.com")


def test_subject_fallback_refused_for_another_subject() -> None:
    assert not fallback(subject="Re: Broken kettle, order 1299")


def test_subject_fallback_refused_for_generic_subject() -> None:
    assert not fallback(subject="Re: Question", thread_subject="Question")


def test_subject_fallback_refused_outside_the_window() -> None:
    assert not fallback(thread_at=NOW - timedelta(days=15))
    assert fallback(thread_at=NOW - timedelta(days=15), window=timedelta(days=30))
