"""compose_reply: threading headers, the Re: rule, header-injection refusal, encodings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from hatchway.mail.compose import (
    MAX_REFERENCES,
    compose_reply,
    message_bytes,
    reply_subject,
    thread_references,
)

WHEN = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)


def compose(**overrides: Any) -> EmailMessage:
    """A reply with sensible defaults, ``overrides`` applied."""
    values: dict[str, Any] = {
        "from_": "Shop Support <support@shop.test>",
        "to": ["anna@customer.test"],
        "subject": "Where is my order?",
        "body": "Hello Anna,\nit ships today.\n",
        "message_id": "<hw.1@shop.test>",
        "in_reply_to": "<m2@customer.test>",
        "references": ["<m1@customer.test>"],
        "date": WHEN,
    }
    return compose_reply(**(values | overrides))


def wire(message: EmailMessage) -> EmailMessage:
    """``message`` as a recipient parses it from the wire."""
    parsed = message_from_bytes(message_bytes(message), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_threading_headers() -> None:
    got = wire(compose())

    assert got["Message-ID"] == "<hw.1@shop.test>"
    assert got["In-Reply-To"] == "<m2@customer.test>"
    assert got["References"] == "<m1@customer.test> <m2@customer.test>"
    assert got["Date"].datetime == WHEN


def test_references_are_deduplicated_and_accept_raw_header_values() -> None:
    got = compose(references=["<m1@c.test> <m2@c.test>", "m1@c.test"], in_reply_to="<m2@c.test>")

    assert got["References"] == "<m1@c.test> <m2@c.test>"


def test_references_are_capped_keeping_the_root_and_the_latest() -> None:
    inbound = [f"<m{n}@c.test>" for n in range(50)]

    ids = thread_references(inbound, "<m50@c.test>")

    assert len(ids) == MAX_REFERENCES
    assert ids[0] == "<m0@c.test>"
    assert ids[-1] == "<m50@c.test>"
    assert ids[1] == f"<m{51 - MAX_REFERENCES + 1}@c.test>"


def test_first_reply_without_references_and_new_message_without_in_reply_to() -> None:
    assert compose(references=[])["References"] == "<m2@customer.test>"

    fresh = compose(references=[], in_reply_to=None)
    assert "In-Reply-To" not in fresh
    assert "References" not in fresh


@pytest.mark.parametrize(
    ("inbound", "reply"),
    [
        ("Where is my order?", "Re: Where is my order?"),
        ("Re: Where is my order?", "Re: Where is my order?"),
        ("RE: shouting", "RE: shouting"),
        ("re:no space", "re:no space"),
        ("Re[2]: counted", "Re[2]: counted"),
        ("Aw: German reply", "Re: Aw: German reply"),
        ("Regarding the order", "Re: Regarding the order"),
        ("  padded  ", "Re: padded"),
        ("", "Re:"),
    ],
)
def test_re_is_added_only_when_absent(inbound: str, reply: str) -> None:
    assert reply_subject(inbound) == reply


@pytest.mark.parametrize(
    "field",
    [
        {"subject": "Hi\r\nBcc: victim@evil.test"},
        {"subject": "Hi\nX-Injected: 1"},
        {"subject": "Hi\u2028X-Injected: 1"},
        {"subject": "Hi\x00"},
        {"to": ["anna@customer.test\r\nBcc: victim@evil.test"]},
        {"cc": ["a@c.test\nBcc: victim@evil.test"]},
        {"from_": "Shop <s@shop.test>\r\nX-A: 1"},
        {"message_id": "<hw.1@shop.test>\r\nX-A: 1"},
        {"in_reply_to": "<m2@c.test>\nX-A: 1"},
        {"references": ["<m1@c.test>\r\nX-A: 1"]},
        {"extra_headers": {"Auto-Submitted": "auto-replied\r\nBcc: victim@evil.test"}},
        {"extra_headers": {"X-A\r\nBcc": "v@evil.test"}},
    ],
)
def test_header_injection_is_refused(field: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        compose(**field)


@pytest.mark.parametrize(
    ("field", "says"),
    [
        ({"to": []}, "at least one"),
        ({"to": "anna@customer.test"}, "single string"),
        ({"to": ["not an address"]}, "not exactly one valid address"),
        ({"to": ["a@c.test, b@c.test"]}, "not exactly one valid address"),
        ({"to": ["jörg@exämple.test"]}, "not an ASCII address"),
        ({"from_": "x@"}, "address"),
        ({"message_id": "no-domain"}, "Message-ID"),
        ({"message_id": "<a b@c>"}, "Message-ID"),
        ({"date": datetime(2025, 1, 1)}, "timezone-aware"),
        ({"extra_headers": {"Subject": "override"}}, "cannot be overridden"),
        ({"extra_headers": {"Bad Name": "x"}}, "not a valid field name"),
    ],
)
def test_malformed_input_is_refused(field: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        compose(**field)


def test_non_ascii_names_and_subject_are_encoded_and_round_trip() -> None:
    message = compose(
        from_="Größenberatung Müller <support@shop.test>",
        to=["Jörg Šimůnek <jorg@customer.test>"],
        cc=["佐藤 花子 <hanako@customer.test>"],
        subject="Größe 42 — Umtausch möglich? " * 4,
        body="Grüße 👟\n",
    )
    raw = message_bytes(message)

    assert raw.isascii(), "headers and body must be 7-bit clean on the wire"
    assert b"=?utf-8?" in raw
    assert all(len(line) <= 78 for line in raw.split(b"\r\n")), "headers are folded"
    got = wire(message)
    assert got["From"].addresses[0].display_name == "Größenberatung Müller"
    assert got["To"].addresses[0].display_name == "Jörg Šimůnek"
    assert got["Cc"].addresses[0].display_name == "佐藤 花子"
    assert got["Subject"] == "Re: " + ("Größe 42 — Umtausch möglich? " * 4).strip()
    assert got.get_content().replace("\r\n", "\n") == "Grüße 👟\n"


def test_body_is_utf8_text_plain_and_ascii_stays_7bit() -> None:
    ascii_reply = compose()
    utf8_reply = compose(body="Grüße\n")

    assert ascii_reply.get_content_type() == "text/plain"
    assert ascii_reply.get_content_charset() == "utf-8"
    assert ascii_reply["Content-Transfer-Encoding"] == "7bit"
    assert utf8_reply["Content-Transfer-Encoding"] == "quoted-printable"


def test_message_bytes_uses_crlf_line_endings() -> None:
    raw = message_bytes(compose())

    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_extra_headers_and_default_date() -> None:
    before = datetime.now(UTC)
    got = wire(compose(date=None, extra_headers={"Auto-Submitted": "auto-replied"}))

    assert got["Auto-Submitted"] == "auto-replied"
    assert before - timedelta(seconds=1) <= got["Date"].datetime <= datetime.now(UTC)


def test_date_keeps_its_offset() -> None:
    cet = datetime(2025, 3, 4, 11, 30, tzinfo=timezone(timedelta(hours=1)))

    assert compose(date=cet)["Date"].endswith("+0100")
