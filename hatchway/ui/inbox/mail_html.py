"""The inbound HTML as the item page frames it: links become text, nothing loads.

The stored HTML is already sanitised (nh3, no remote resources). Here links are turned
into their text plus the address, shown and never followed, and images that are not part
of the message are replaced by a note. The result is cleaned by nh3 once more and served
with ``default-src 'none'`` inside a sandboxed frame.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

import nh3

__all__ = ["BODY_CSP", "framed_document", "links_as_text"]

# The header; the copy in the document's meta tag leaves out what meta tags cannot carry.
_FRAME_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:; base-uri 'none'"
BODY_CSP = f"{_FRAME_POLICY}; frame-ancestors 'self'; form-action 'none'"

_FRAME_STYLE = (
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2430;"
    "margin:0;padding:14px 16px;overflow-wrap:anywhere}"
    ".hw-url{color:#5b6474;font-size:.9em}.hw-img{color:#5b6474;font-style:italic}"
    "img{max-width:100%}blockquote{border-left:3px solid #dde2ea;margin:0;padding-left:10px}"
)
_VOID = frozenset({"br", "hr", "img", "wbr", "col", "area", "input", "source", "track"})


class _LinkRewriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self._hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a":
            self._hrefs.append(values.get("href"))
            self.out.append('<span class="hw-link">')
        elif tag == "img" and not (values.get("src") or "").startswith("cid:"):
            label = values.get("alt") or "image"
            self.out.append(f'<span class="hw-img">[{html.escape(label)} not loaded]</span>')
        else:
            rendered = "".join(f' {name}="{html.escape(value or "")}"' for name, value in attrs)
            self.out.append(f"<{tag}{rendered}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            href = self._hrefs.pop() if self._hrefs else None
            url = f' <span class="hw-url">⟨{html.escape(href)}⟩</span>' if href else ""
            self.out.append(f"</span>{url}")
        elif tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")


def links_as_text(sanitised_html: str) -> str:
    """``<a href=u>t</a>`` → ``t ⟨u⟩`` as text; non-cid images → a note; cleaned again."""
    rewriter = _LinkRewriter()
    rewriter.feed(sanitised_html)
    rewriter.close()
    attributes = {"*": {"class", "style", "title", "align", "width", "height", "colspan",
                        "rowspan", "alt", "src"}}  # fmt: skip
    tags = (nh3.ALLOWED_TAGS - {"a"}) | {"span"}
    return nh3.clean(
        "".join(rewriter.out),
        tags=tags,
        attributes=attributes,
        url_schemes={"cid"},
        link_rel=None,
    )


def framed_document(sanitised_html: str) -> str:
    """A whole document for the sandboxed frame, with its own CSP as a meta tag too."""
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_FRAME_POLICY}">'
        f"<style>{_FRAME_STYLE}</style></head><body>{links_as_text(sanitised_html)}</body></html>"
    )
