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

# Matched in the lower-cased block at the start of a line found with bytes.find (a
# case-insensitive pattern, or a search for ^ over every line, is several times slower);
# the value is then cut from the original bytes at the same offsets.
_MESSAGE_ID = re.compile(rb"message-id[ \t]*:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")
# normalise_message_id's first choice (hatchway.mail.ids: the first ``<id>`` of the value),
# searched for directly; its other cases go to it.
_ANGLE_ID = re.compile(r"<\s*([^<>\s]+?)\s*>")


def header_block(raw: bytes) -> bytes:
    """The bytes before the first blank line (all of ``raw`` when there is none)."""
    # Look first for the blank line the first line's ending predicts, then for the other
    # kind only before it: neither search reads past the header block.
    first_line = raw.find(b"\n")
    crlf = first_line > 0 and raw[first_line - 1] == 0x0D
    likely, other = (b"\n\r\n", b"\n\n") if crlf else (b"\n\n", b"\n\r\n")
    end = raw.find(likely)
    earlier = raw.find(other, 0, len(raw) if end < 0 else end + len(other) - 1)
    if earlier >= 0:
        end = earlier
    if end < 0:
        return raw
    return raw[: end - 1 if end and raw[end - 1] == 0x0D else end]


def message_id_of(raw: bytes) -> str | None:
    """The first Message-ID header's ``<id>``, or None when absent, empty or too long."""
    block = header_block(raw)
    lowered = block.lower()
    at = lowered.find(b"message-id")
    while at >= 0:
        found = _MESSAGE_ID.match(lowered, at) if at == 0 or lowered[at - 1] == 0x0A else None
        if found is not None:
            break
        at = lowered.find(b"message-id", at + 1)
    else:
        return None
    value = block[found.start(1) : found.end(1)].decode("utf-8", "replace").replace("\x00", "")
    angle_id = _ANGLE_ID.search(value)
    message_id = f"<{angle_id.group(1)}>" if angle_id else normalise_message_id(value)
    return message_id if message_id and len(message_id) <= MESSAGE_ID_LIMIT else None
