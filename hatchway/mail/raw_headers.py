"""What ingest reads from raw bytes without parsing them: the Message-ID, by a byte scan.

Ingest stores raw bytes and parses later (DESIGN.md, steps 1 and 2); to recognise a message
it has already stored after a UIDVALIDITY change it needs the Message-ID now, cheaply: a
regular expression over the header block (up to the first blank line), no ``email`` parse.
The value is normalised as :func:`hatchway.mail.parse.parse_message` normalises it, so the
two agree for every ordinary header; the parse step overwrites it with its own reading.
"""

from __future__ import annotations

import re

from hatchway.mail.ids import normalise_message_id

__all__ = ["MESSAGE_ID_LIMIT", "header_block", "message_id_of"]

MESSAGE_ID_LIMIT = 998
"""Longest Message-ID stored (RFC 5322's line limit; the column's width)."""

# Searched in the lower-cased block (a case-insensitive pattern is several times slower);
# the value is then cut from the original bytes at the same offsets.
_MESSAGE_ID = re.compile(rb"(?m)^message-id[ \t]*:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")


def header_block(raw: bytes) -> bytes:
    """The bytes before the first blank line (all of ``raw`` when there is none)."""
    ends = [at for at in (raw.find(b"\n\n"), raw.find(b"\n\r\n")) if at >= 0]
    if not ends:
        return raw
    end = min(ends)
    return raw[: end - 1 if end and raw[end - 1 : end] == b"\r" else end]


def message_id_of(raw: bytes) -> str | None:
    """The first Message-ID header's ``<id>``, or None when absent, empty or too long."""
    block = header_block(raw)
    found = _MESSAGE_ID.search(block.lower())
    if found is None:
        return None
    value = block[found.start(1) : found.end(1)].decode("utf-8", "replace").replace("\x00", "")
    message_id = normalise_message_id(value)
    return message_id if message_id and len(message_id) <= MESSAGE_ID_LIMIT else None
