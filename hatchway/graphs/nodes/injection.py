"""Inbound text that tries to instruct the model: what the check node flags (invariant I2).

The email is untrusted data. Phrases aimed at an AI are found in the text the model read
(subject and body): new instructions, instructions about "your reply", role play, requests
to send something to another address, and encoded blobs that decode to text. Text hidden in
the HTML (``display:none``, ``visibility:hidden``, zero font size or opacity, ``hidden``)
is looked for in the raw message, because the stored HTML is sanitised and has lost the
styles that hid it. Any signal forces review; a false alarm costs a reviewer a look.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from hatchway.mail._body import decoded_part
from hatchway.policies.rules.defaults import INJECTION_PATTERN

__all__ = ["InjectionSignal", "hidden_html_text", "injection_signals"]

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("new instructions", re.compile(INJECTION_PATTERN)),
    (
        "instructions about the reply",
        re.compile(
            r"(?i)\b(?:in|to|into|within)\s+your\s+(?:answer|response|reply|output)s?\b"
            r"|\byour\s+(?:answer|response|reply)\s+(?:should|must|has\s+to)\b"
            r"|\b(?:respond|answer|reply)\s+only\s+(?:with|in)\b"
            r"|\b(?:provide|render|modify|augment|enhance|remove"
            r"|rearrange|scramble|group|format|rewrite|jumble|begin|end|start|write|replace)\b"
            r"[^.!?\n]{0,60}?\byour\s+(?:answer|response|reply|output|message)"
        ),
    ),
    (
        "role play",
        re.compile(
            r"(?i)\b(?:pretend|imagine)\s+(?:to\s+be|you\s+are)\b"
            r"|\b(?:act|behave)\s+as\s+(?:if\s+you\s+were\s+)?(?:a|an|the|my)\b"
            r"|\brole[\s-]?play\b|\bfrom\s+now\s+on,?\s+you\b|\byou\s+are\s+no\s+longer\b"
        ),
    ),
    (
        "request to send elsewhere",
        re.compile(
            r"(?i)\b(?:send|forward|e-?mail|bcc|cc|copy)\b[^.\n]{0,60}?\bto\s+"
            r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
        ),
    ),
)
# What every match of a pattern contains, by kind (same flags): most mail has none of it,
# and this search costs a fraction of the pattern's.
_NEEDS: dict[str, re.Pattern[str]] = {
    "instructions about the reply": re.compile(r"(?i)your|only"),
    "request to send elsewhere": re.compile("@"),
}
_BLOB = re.compile(r"[A-Za-z0-9+/_-]{40,}={0,2}")
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|%)?\s*(?:;|$)"
    r"|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)|(?:max-)?(?:height|width)\s*:\s*0(?:px)?\s*(?:;|$)",
    re.I,
)
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base"})


@dataclass(frozen=True)
class InjectionSignal:
    """One reason to think the email talks to the model, with the text that showed it."""

    kind: str
    evidence: str

    @property
    def explanation(self) -> str:
        """What the reviewer reads."""
        return f"the email may try to instruct the AI ({self.kind}: {self.evidence!r})"


def injection_signals(subject: str, text: str, raw: bytes | None = None) -> list[InjectionSignal]:
    """Every signal in the subject and body (and the raw message's hidden HTML, if given)."""
    visible = f"{subject}\n{text}"
    signals = _text_signals(visible)
    if raw is not None:
        hidden = hidden_html_text(raw)
        if hidden:
            signals.append(InjectionSignal("hidden HTML text", hidden[:120]))
            signals += [s for s in _text_signals(hidden) if s not in signals]
    return signals


def _text_signals(text: str) -> list[InjectionSignal]:
    signals = []
    for kind, pattern in _PATTERNS:
        needs = _NEEDS.get(kind)
        if needs is not None and not needs.search(text):
            continue
        if match := pattern.search(text):
            signals.append(InjectionSignal(kind, match.group(0)[:120]))
    for blob in _BLOB.findall(text):
        decoded = _decoded_text(blob)
        if decoded is not None:
            signals.append(InjectionSignal("encoded blob", f"{blob[:40]}… = {decoded[:60]}"))
            signals += _text_signals(decoded)
            break
    return signals


def _decoded_text(blob: str) -> str | None:
    """The blob as base64 (standard or URL-safe) when it decodes to readable text."""
    padded = blob + "=" * (-len(blob) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            decoded = decode(padded).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        printable = sum(ch.isprintable() or ch.isspace() for ch in decoded)
        if decoded and printable / len(decoded) > 0.95 and " " in decoded:
            return decoded
    return None


class _HiddenText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is it hidden?
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        values = dict(attrs)
        hidden = "hidden" in values or bool(_HIDDEN_STYLE.search(values.get("style") or ""))
        self.stack.append(hidden or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] and data.strip():
            self.hidden.append(data.strip())


def hidden_html_text(raw: bytes) -> str:
    """Text a mail client would not show: inside hidden elements of the HTML parts.

    The walk uses the ``compat32`` policy and decodes each part as intake does: only the
    parts' bytes are needed, and the default policy's header objects cost more than the
    walk itself."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:  # parsing happened at intake; a failure here just means no HTML
        return ""
    chunks: list[str] = []
    for part in message.walk():
        if part.get_content_type() != "text/html" or part.is_multipart():
            continue
        try:
            html, _ = decoded_part(part)
        except Exception:
            continue
        parser = _HiddenText()
        try:
            parser.feed(html)
            parser.close()
        except Exception:
            pass
        chunks += parser.hidden
    return " ".join(chunks)
