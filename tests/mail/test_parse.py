"""parse_message: headers, addresses, ids, dates and what gets quarantined."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hatchway.mail.parse import Address, ParsedEmail, Quarantined, parse_message
from tests.mail._eml import eml

PLAIN = eml(
    """
    From: Anna Schmidt <Anna.Schmidt@Example.COM>
    To: Shop Support <support@shop.example>, sales@shop.example
    Cc: "Doe, John" <john@example.org>
    Subject: Where is my order 1234?
    Date: Tue, 07 May 2024 09:15:00 +0200
    Message-ID: <CAF1234@mail.example.com>
    X-Mailer: Thunderbird 115
    Content-Type: text/plain; charset=utf-8

    Hello, my order 1234 has not arrived yet.
    Regards, Anna
    """
)


def _nested_mime(depth: int) -> bytes:
    head = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    part = b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n"
    return head + b"".join(part % (level, level + 1) for level in range(depth))


def parsed(raw: bytes, **kwargs: frozenset[str]) -> ParsedEmail:
    result = parse_message(raw, **kwargs)
    assert isinstance(result, ParsedEmail), result
    return result


def quarantined(raw: bytes) -> Quarantined:
    result = parse_message(raw)
    assert isinstance(result, Quarantined), result
    return result


def test_plain_message_fields() -> None:
    mail = parsed(PLAIN)
    assert mail.subject == "Where is my order 1234?"
    assert mail.message_id == "<CAF1234@mail.example.com>"
    assert mail.text == "Hello, my order 1234 has not arrived yet.\nRegards, Anna"
    assert mail.html is None
    assert mail.attachments == ()
    assert mail.defects == ()
    assert mail.content_sha256 == hashlib.sha256(PLAIN).hexdigest()
    assert mail.headers["X-Mailer"] == "Thunderbird 115"


def test_addresses_keep_local_part_and_lower_case_the_domain() -> None:
    mail = parsed(PLAIN)
    assert mail.from_ == Address("Anna Schmidt", "Anna.Schmidt@example.com")
    assert mail.to == (
        Address("Shop Support", "support@shop.example"),
        Address("", "sales@shop.example"),
    )
    assert mail.cc == (Address("Doe, John", "john@example.org"),)
    assert mail.reply_to == ()


def test_date_is_timezone_aware() -> None:
    assert parsed(PLAIN).date == datetime(2024, 5, 7, 9, 15, tzinfo=timezone(timedelta(hours=2)))


def test_date_with_unknown_zone_is_utc() -> None:
    raw = PLAIN.replace(b"+0200", b"-0000")
    assert parsed(raw).date == datetime(2024, 5, 7, 9, 15, tzinfo=UTC)


def test_unparseable_date_is_none_and_a_defect() -> None:
    mail = parsed(PLAIN.replace(b"Tue, 07 May 2024 09:15:00 +0200", b"yesterday-ish"))
    assert mail.date is None
    assert any(defect.startswith("InvalidDate") for defect in mail.defects)


def test_rfc2047_subject_and_display_name_are_decoded() -> None:
    raw = eml(
        """
        From: =?iso-8859-1?q?J=F6rg_M=FCller?= <jorg@example.de>
        Subject: =?utf-8?b?UmU6IEdyw7zDn2U=?= =?utf-8?q?_aus_K=C3=B6ln?=

        Hallo
        """
    )
    mail = parsed(raw)
    assert mail.subject == "Re: Grüße aus Köln"
    assert mail.from_.name == "Jörg Müller"


def test_undeclared_8bit_header_is_read_as_utf8_then_cp1252() -> None:
    utf8 = parsed("From: a@example.com\r\nSubject: Café\r\n\r\nx".encode())
    latin = parsed("From: a@example.com\r\nSubject: Café\r\n\r\nx".encode("cp1252"))
    assert utf8.subject == latin.subject == "Café"


def test_encoded_word_with_unknown_charset_falls_back() -> None:
    mail = parsed(b"From: a@example.com\r\nSubject: =?x-klingon?q?caf=C3=A9?=\r\n\r\nx")
    assert mail.subject == "café"


def test_message_ids_are_normalised() -> None:
    raw = eml(
        """
        From: a@example.com
        Message-ID:   <  abc@host.example >
        In-Reply-To: Your message of Monday <parent@shop.example>
        References: <root@shop.example>
         <parent@shop.example> <root@shop.example>

        x
        """
    )
    mail = parsed(raw)
    assert mail.message_id == "<abc@host.example>"
    assert mail.in_reply_to == "<parent@shop.example>"
    assert mail.references == ("<root@shop.example>", "<parent@shop.example>")


def test_message_id_without_brackets_is_bracketed() -> None:
    mail = parsed(b"From: a@example.com\r\nMessage-ID: bare-id@host\r\n\r\nx")
    assert mail.message_id == "<bare-id@host>"


def test_garbage_in_address_headers_is_tolerated() -> None:
    raw = eml(
        """
        From: "Broken <<quote" bob@@example.com, <carol@Example.com>
        To: undisclosed-recipients:;, ,,, @@@
        Cc: <>, dave@EXAMPLE.net (Dave)

        x
        """
    )
    mail = parsed(raw)
    assert mail.from_.address == "carol@example.com"
    assert mail.to == ()
    assert mail.cc == (Address("", "dave@example.net"),)


def test_moderately_deep_mime_is_parsed_with_a_defect() -> None:
    mail = parsed(_nested_mime(100))
    assert "MimeTooDeep: parts nested deeper than 30 ignored" in mail.defects


def test_missing_from_uses_sender() -> None:
    mail = parsed(b"Sender: helper@example.com\r\nSubject: hi\r\n\r\nx")
    assert mail.from_.address == "helper@example.com"
    assert any(defect.startswith("MissingFrom") for defect in mail.defects)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message: no bytes"),
        (b" \r\n\r\n\t", "empty message"),
        (bytes(range(256)) * 4, "not an e-mail: no headers"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an e-mail: no headers"),
        (b"Subject: hello\r\nTo: support@shop.example\r\n\r\nbody", "no From header"),
        (
            b"From: Whomever\r\nSubject: x\r\n\r\nbody",
            "From header has no usable address: 'Whomever'",
        ),
    ],
    ids=["empty", "whitespace", "binary-junk", "png", "no-from", "from-without-address"],
)
def test_quarantine_reasons(raw: bytes, reason: str) -> None:
    result = quarantined(raw)
    assert result.reason == reason
    assert result.content_sha256 == hashlib.sha256(raw).hexdigest()
