"""Properties: parse_message never raises, whatever the bytes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatchway.mail.parse import ParsedEmail, Quarantined, parse_message
from hatchway.mail.threads import normalise_subject

# Header-ish lines make the fuzzer reach the MIME and address code, not just "no headers".
_LINE = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [
            b"From: a@example.com",
            b"From: =?utf-8?q?=C3=A9?= <x@y>",
            b"Content-Type: multipart/mixed; boundary=b",
            b"Content-Type: text/html; charset=x-unknown",
            b"Content-Transfer-Encoding: base64",
            b"Content-Type: message/rfc822",
            b"--b",
            b"--b--",
            b"",
        ]
    ),
)
_MESSAGES = st.one_of(st.binary(max_size=2000), st.lists(_LINE, max_size=40).map(b"\r\n".join))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MESSAGES)
def test_parse_message_never_raises(raw: bytes) -> None:
    result = parse_message(raw, own_domains=frozenset({"shop.example"}))
    assert isinstance(result, ParsedEmail | Quarantined)
    assert len(result.content_sha256) == 64
    if isinstance(result, ParsedEmail):
        assert "@" in result.from_.address
    else:
        assert result.reason


@given(st.text(max_size=200))
def test_normalise_subject_is_idempotent(subject: str) -> None:
    once = normalise_subject(subject)
    assert normalise_subject(once) == once
