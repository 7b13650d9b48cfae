"""parse_message: bodies, charsets, HTML, attachments and forwarded messages."""

from __future__ import annotations

import base64

import pytest

from hatchway.mail.parse import Attachment, ParsedEmail, parse_message
from tests.mail._eml import eml

HEAD = "From: Anna <anna@example.com>\nSubject: t\nMIME-Version: 1.0\n"


def parsed(raw: bytes) -> ParsedEmail:
    result = parse_message(raw)
    assert isinstance(result, ParsedEmail), result
    return result


def single_part(content_type: str, body: bytes, encoding: str = "8bit") -> bytes:
    head = f"{HEAD}Content-Type: {content_type}\nContent-Transfer-Encoding: {encoding}\n\n"
    return eml(head) + body


def test_multipart_alternative_gives_text_and_sanitised_html() -> None:
    raw = eml(HEAD) + eml(
        """
        Content-Type: multipart/alternative; boundary="b1"

        --b1
        Content-Type: text/plain; charset=us-ascii

        Plain version.
        --b1
        Content-Type: text/html; charset=us-ascii

        <p>HTML <b>version</b>.</p><script>alert(1)</script>
        --b1--
        """
    )
    mail = parsed(raw)
    assert mail.text == "Plain version."
    assert mail.html is not None
    assert "<b>version</b>" in mail.html
    assert "script" not in mail.html
    assert mail.attachments == ()


def test_html_only_message_gets_text_from_html() -> None:
    html = (
        b"<html><head><style>p {color: red}</style><title>Mail</title></head><body>"
        b"<p>Hello,</p><p>my order<br>arrived broken.</p><script>track()</script>"
        b"<ul><li>cup</li><li>plate</li></ul></body></html>"
    )
    mail = parsed(single_part("text/html; charset=utf-8", html))
    assert mail.text == "Hello,\n\nmy order\narrived broken.\n\n- cup\n- plate"


def test_html_is_sanitised() -> None:
    html = (
        b'<p onclick="steal()">Hi</p><script>alert(1)</script>'
        b'<img src="https://tracker.example/pixel.gif" onerror="x()" alt="logo">'
        b'<a href="javascript:alert(1)">click</a><a href="https://shop.example/">shop</a>'
        b'<iframe src="https://evil.example/"></iframe><img src="cid:logo@shop">'
        b'<img src="//cdn.example/x.png"><style>body{background:url(https://x/)}</style>'
    )
    safe = parsed(single_part("text/html", html)).html
    assert safe is not None
    for forbidden in ("script", "onclick", "onerror", "javascript:", "tracker.example", "iframe"):
        assert forbidden not in safe
    assert "cdn.example" not in safe
    assert "<style" not in safe
    assert 'alt="logo"' in safe
    assert 'href="https://shop.example/"' in safe
    assert 'src="cid:logo@shop"' in safe


def test_declared_charset_is_used() -> None:
    mail = parsed(single_part("text/plain; charset=iso-8859-1", "Grüße".encode("latin-1")))
    assert mail.text == "Grüße"
    assert not any(defect.startswith("CharsetFallback") for defect in mail.defects)


def test_unknown_declared_charset_falls_back_to_utf8() -> None:
    mail = parsed(single_part("text/plain; charset=x-klingon", "Grüße".encode()))
    assert mail.text == "Grüße"
    assert "CharsetFallback: declared 'x-klingon', read as utf-8" in mail.defects


def test_wrong_declared_charset_falls_back_to_utf8() -> None:
    mail = parsed(single_part("text/plain; charset=us-ascii", "naïve café".encode()))
    assert mail.text == "naïve café"
    assert "CharsetFallback: declared 'us-ascii', read as utf-8" in mail.defects


def test_wrong_declared_charset_falls_back_to_cp1252() -> None:
    mail = parsed(single_part("text/plain; charset=utf-8", "“quoted” café".encode("cp1252")))
    assert mail.text == "“quoted” café"
    assert "CharsetFallback: declared 'utf-8', read as cp1252" in mail.defects


def test_undeclared_8bit_body_is_read_as_utf8_without_a_defect() -> None:
    mail = parsed(single_part("text/plain", "Grüße".encode()))
    assert mail.text == "Grüße"
    assert mail.defects == ()


def test_undeclared_8bit_body_that_is_not_utf8_is_read_as_cp1252() -> None:
    mail = parsed(single_part("text/plain", "Grüße".encode("cp1252")))
    assert mail.text == "Grüße"
    assert "CharsetFallback: undeclared 8-bit text, read as cp1252" in mail.defects


def test_bytes_invalid_everywhere_become_replacement_characters() -> None:
    # 0x81 is undefined in cp1252 and not utf-8 on its own.
    mail = parsed(single_part("text/plain; charset=utf-8", b"ok \x81 ok"))
    assert mail.text == "ok \ufffd ok"


def test_missing_content_type_is_plain_text() -> None:
    mail = parsed(b"From: a@example.com\r\n\r\nJust text.\r\n")
    assert mail.text == "Just text."
    assert mail.defects == ()


def test_attachments_are_metadata_only() -> None:
    pdf = base64.b64encode(b"%PDF-1.4 fake" * 10).decode()
    raw = eml(HEAD) + eml(
        f"""
        Content-Type: multipart/mixed; boundary="mix"

        --mix
        Content-Type: text/plain

        See attached.
        --mix
        Content-Type: application/pdf; name="invoice.pdf"
        Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf
        Content-Transfer-Encoding: base64

        {pdf}
        --mix
        Content-Type: image/png
        Content-ID: <logo@shop>
        Content-Disposition: inline
        Content-Transfer-Encoding: base64

        iVBORw0KGgo=
        --mix--
        """
    )
    mail = parsed(raw)
    assert mail.text == "See attached."
    assert mail.attachments == (
        Attachment("Rechnung März.pdf", "application/pdf", 130, None, "attachment"),
        Attachment(None, "image/png", 8, "logo@shop", "inline"),
    )


def test_text_part_marked_as_attachment_is_not_body() -> None:
    raw = eml(HEAD) + eml(
        """
        Content-Type: multipart/mixed; boundary="mix"

        --mix
        Content-Type: text/plain

        Body.
        --mix
        Content-Type: text/plain; name="notes.txt"
        Content-Disposition: attachment; filename="notes.txt"

        Not the body.
        --mix--
        """
    )
    mail = parsed(raw)
    assert mail.text == "Body."
    assert [a.filename for a in mail.attachments] == ["notes.txt"]


FORWARDED = """
--mix
Content-Type: message/rfc822

From: Shop <orders@shop.example>
Subject: Your order 1234
Date: Mon, 06 May 2024 10:00:00 +0000

Order 1234 confirmed.
Total: 20 EUR
--mix--
"""


@pytest.mark.parametrize("own_text", ["", "Please see below, it never arrived."])
def test_forwarded_message_is_an_attachment_and_text_only_without_a_body(own_text: str) -> None:
    body = f"--mix\nContent-Type: text/plain\n\n{own_text}\n" if own_text else ""
    raw = eml(HEAD + 'Content-Type: multipart/mixed; boundary="mix"\n\n' + body + FORWARDED)
    mail = parsed(raw)
    assert [a.content_type for a in mail.attachments] == ["message/rfc822"]
    assert mail.attachments[0].size > 0
    if own_text:
        assert mail.text == own_text
    else:
        assert mail.text.splitlines() == [
            "---------- Forwarded message ----------",
            "From: Shop <orders@shop.example>",
            "Date: Mon, 06 May 2024 10:00:00 +0000",
            "Subject: Your order 1234",
            "",
            "> Order 1234 confirmed.",
            "> Total: 20 EUR",
        ]


def test_multipart_without_boundary_is_kept_as_text() -> None:
    raw = eml(HEAD + "Content-Type: multipart/mixed\n\nThe text is still here.\n")
    mail = parsed(raw)
    assert "The text is still here." in mail.text
    assert "NoBoundaryInMultipartDefect" in mail.defects
