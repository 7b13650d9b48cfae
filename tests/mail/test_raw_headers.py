"""The Message-ID ingest reads from raw bytes agrees with the parse, without parsing."""

from __future__ import annotations

import pytest

from hatchway.mail.parse import ParsedEmail
from hatchway.mail.raw_headers import header_block, message_id_of
from tests.mail.conftest import ParsedCorpus


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"From: a@b\r\nMessage-ID: <x@y>\r\n\r\nbody", "<x@y>"),
        (b"message-id:   < x@y >\n\nbody", "<x@y>"),  # any case, LF only, spaces
        (b"Message-Id:\r\n <folded@y>\r\nSubject: s\r\n\r\n", "<folded@y>"),  # folded
        (b"Message-ID: bare@y\r\n\r\n", "<bare@y>"),  # brackets forgotten
        (b"Subject: s\r\n\r\nMessage-ID: <in-body@y>\r\n", None),  # the body is not read
        (b"X-Message-ID: <other@y>\r\n\r\n", None),
        (b"Message-ID: <a@y>\r\nMessage-ID: <b@y>\r\n\r\n", "<a@y>"),  # the first
        (b"Message-ID: \r\n\r\n", None),
        (b"Message-ID: <" + b"x" * 1000 + b"@y>\r\n\r\n", None),  # too long to store
        (b"", None),
    ],
)
def test_message_id_of(raw: bytes, expected: str | None) -> None:
    assert message_id_of(raw) == expected


def test_header_block_ends_at_the_first_blank_line() -> None:
    assert header_block(b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore") == b"A: 1\r\nB: 2"
    assert header_block(b"A: 1\nB: 2") == b"A: 1\nB: 2"


def test_it_agrees_with_the_parse_over_the_corpus(parsed_mail_corpus: ParsedCorpus) -> None:
    files = [path for path in parsed_mail_corpus if path.suffix == ".eml"]
    assert len(files) > 4000, f"{len(files)} .eml files in the corpus"
    differ = []
    for path in files:
        raw = path.read_bytes()
        parsed = parsed_mail_corpus[path]
        if isinstance(parsed, ParsedEmail) and parsed.message_id != message_id_of(raw):
            differ.append((path.name, parsed.message_id, message_id_of(raw)))
    assert not differ, differ[:5]
