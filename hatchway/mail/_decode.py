"""Text decoding with fallbacks: body charsets, raw 8-bit headers, RFC 2047 encoded words.

Mail in the wild declares wrong or unknown charsets and sends undeclared 8-bit bytes; every
function here returns text, never raises, and says when it had to guess.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re

__all__ = ["decode_bytes", "decode_header_text", "fix_8bit"]

# Labels mail clients use that Python's codec registry does not know, or knows too narrowly.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",  # senders label GBK/GB18030 text as gb2312; gb18030 is a superset
    "gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "ks_c_5601-1987": "cp949",
    "x-sjis": "shift_jis",
    "x-user-defined": "cp1252",
    "unknown-8bit": "",
    "x-unknown": "",
}
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _codec_name(declared: str | None) -> str:
    name = (declared or "").strip().strip("\"'").lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    return _CHARSET_ALIASES.get(name, name)


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode ``data``: the declared charset, then utf-8, then cp1252 with replacement.

    Returns the text and, when the declared charset could not be used, a defect note such as
    ``"CharsetFallback: declared 'x-foo', read as utf-8"``. A missing charset is not a
    defect (RFC 2045 default us-ascii, read leniently as utf-8).
    """
    codec = _codec_name(declared)
    if codec:
        try:
            return data.decode(codec), None
        except (LookupError, ValueError, TypeError):
            pass  # unknown label, wrong label, or a non-text codec such as "base64"
    said = f"declared {declared!r}" if codec else "undeclared 8-bit text"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), f"CharsetFallback: {said}, read as cp1252"
    return text, (f"CharsetFallback: {said}, read as utf-8" if codec else None)


def fix_8bit(value: str) -> str:
    """Header text with raw 8-bit bytes (kept by ``email`` as surrogates) decoded properly."""
    if not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    raw = value.encode("utf-8", errors="surrogateescape")
    return decode_bytes(raw, None)[0]


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.groups()
    try:
        if encoding in "bB":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            # Raw 8-bit bytes inside a word (seen in the wild) come back as they were sent.
            data = payload.replace("_", " ").encode("ascii", errors="surrogateescape")
            data = quopri.decodestring(data, header=True)
    except (binascii.Error, ValueError):
        return match.group(0)  # leave a broken encoded word as it was: better than losing it
    return decode_bytes(data, charset)[0]


def decode_header_text(value: str) -> str:
    """A raw header value as readable text: unfolded, 8-bit fixed, RFC 2047 words decoded."""
    # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
    text = _BETWEEN_WORDS.sub(r"\1\2", _FOLD.sub("", value))
    pieces: list[str] = []
    end = 0
    for match in _ENCODED_WORD.finditer(text):
        pieces += [fix_8bit(text[end : match.start()]), _decode_word(match)]
        end = match.end()
    pieces.append(fix_8bit(text[end:]))
    return "".join(pieces).strip()
