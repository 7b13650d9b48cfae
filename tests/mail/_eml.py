"""Byte fixtures written inline: readable text in, raw RFC 5322 bytes (CRLF) out."""

from __future__ import annotations

import textwrap

__all__ = ["eml"]


def eml(text: str, *, charset: str = "utf-8") -> bytes:
    """``text`` dedented, with CRLF line ends, encoded as the wire would carry it."""
    body = textwrap.dedent(text).lstrip("\n")
    return body.replace("\n", "\r\n").encode(charset)
