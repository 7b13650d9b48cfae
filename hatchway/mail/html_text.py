"""HTML bodies made safe: plain text for the agents, sanitised HTML for the review inbox.

Both functions are pure and never raise on bad markup; ``html.parser`` and ``nh3`` are tolerant.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import re
from html.parser import HTMLParser

import nh3

__all__ = ["HTML_TAG_LIMIT", "exceeds_tag_limit", "html_to_text", "sanitize_html"]

HTML_TAG_LIMIT = 20_000
"""More tags than this and the HTML is shown as text: the sanitiser is quadratic in nesting
depth, so ``<div>`` repeated 100,000 times would hold a worker for a minute. Real mail,
newsletters included, stays far below."""

# Content that is never text a person wrote: dropped with everything inside it.
_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "math"})
# Tags that end a paragraph (blank line) or a line.
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol"})
_LINE = frozenset(
    {"div", "tr", "li", "dd", "dt", "hr", "pre", "section", "article", "header", "footer"}
    | {"address", "aside", "nav", "form", "fieldset", "figure", "figcaption", "center", "dl"}
)
_HEAD_CONTENT = frozenset({"title", "meta", "link", "style", "script", "base", "noscript"})
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")

# Attributes whose URL the browser would fetch by itself; only cid: (a part of this mail) stays.
_RESOURCE_ATTRIBUTES = frozenset({"src", "srcset", "background", "poster", "lowsrc", "dynsrc"})
_CLEAN_CONTENT_TAGS = frozenset({"script", "style", "title", "noscript", "template"})
_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid"})
_TAG_START = re.compile(r"<[A-Za-z]")


class _TextCollector(HTMLParser):
    """Collects visible text; block boundaries become newlines, whitespace is collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping: list[str] = []  # open tags whose content is dropped
        self._pre_depth = 0
        self._pending_newlines = 0  # breaks merge: </li><li> is one line break, not two

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping == ["head"] and tag not in _HEAD_CONTENT:
            self._skipping.clear()  # an unclosed <head> ends where body content starts (browsers)
        if tag in _SKIPPED:
            self._skipping.append(tag)
            return
        if tag == "pre":
            self._pre_depth += 1
        self._break(tag)
        if tag == "li":
            self._emit("- ")
        elif tag in {"td", "th"}:
            self._emit(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> and friends: a break without opening a skipped region.
        if tag not in _SKIPPED:
            self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            if tag in self._skipping:
                del self._skipping[self._skipping.index(tag) :]
            return
        if tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)
        self._break(tag)

    def handle_data(self, data: str) -> None:
        if self._skipping == ["head"] and data.strip():
            self._skipping.clear()
        if self._skipping:
            return
        text = data if self._pre_depth else _SPACES.sub(" ", data)
        if text.strip() or (text and not self._pending_newlines):
            self._emit(text)

    def _emit(self, text: str) -> None:
        if self._pending_newlines and self.chunks:
            self.chunks.append("\n" * self._pending_newlines)
        self._pending_newlines = 0
        self.chunks.append(text)

    def _break(self, tag: str) -> None:
        if self._skipping:
            return
        if tag == "br":
            # Consecutive <br> are deliberate blank lines, so they add up instead of merging.
            self.chunks.append("\n" * (self._pending_newlines + 1))
            self._pending_newlines = 0
        elif tag in _PARAGRAPH:
            self._pending_newlines = 2
        elif tag in _LINE:
            self._pending_newlines = max(self._pending_newlines, 1)


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML body: paragraphs and line breaks kept, markup dropped.

    Scripts, styles and the ``<head>`` are removed with their content; list items become
    ``- `` lines; runs of blank lines are collapsed to one.
    """
    collector = _TextCollector()
    with contextlib.suppress(Exception):  # html.parser is lenient; keep what was collected
        collector.feed(html)
        collector.close()
    lines = (line.strip(" ") for line in "".join(collector.chunks).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Remote (and relative, and data:) resources would load from outside when a reviewer opens
    # the mail: tracking pixels, IP leaks. Inline parts referenced by cid: are ours to show.
    if attribute in _RESOURCE_ATTRIBUTES and not value.strip().lower().startswith("cid:"):
        return None
    return value


def exceeds_tag_limit(html: str) -> bool:
    """True when ``html`` has more than :data:`HTML_TAG_LIMIT` tags."""
    return len(_TAG_START.findall(html)) > HTML_TAG_LIMIT


def sanitize_html(html: str) -> str:
    """HTML safe to show in the review inbox.

    No scripts, styles, event handlers or ``javascript:`` URLs (nh3's allow-list), no relative
    links, and nothing that loads by itself: ``src`` and similar attributes survive only as
    ``cid:`` references, which the UI resolves against :attr:`Attachment.content_id`.
    HTML over :data:`HTML_TAG_LIMIT` tags comes back as its text in a ``<pre>``.
    """
    if exceeds_tag_limit(html):
        return f"<pre>{html_lib.escape(html_to_text(html))}</pre>"
    return nh3.clean(
        html,
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attribute_filter=_keep_attribute,
        url_schemes=set(_URL_SCHEMES),
        url_relative="deny",
    )
