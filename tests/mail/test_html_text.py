"""HTML to text and HTML sanitising on their own."""

from __future__ import annotations

from hatchway.mail.html_text import HTML_TAG_LIMIT, exceeds_tag_limit, html_to_text, sanitize_html


def test_paragraphs_and_line_breaks_are_kept() -> None:
    html = "<div>Dear team,</div><p>first<br/>second</p><p>third</p>"
    assert html_to_text(html) == "Dear team,\n\nfirst\nsecond\n\nthird"


def test_scripts_styles_and_head_are_removed_with_their_content() -> None:
    html = "<head><title>T</title><style>x{}</style></head><script>evil()</script>Text"
    assert html_to_text(html) == "Text"


def test_unclosed_head_ends_at_body_content() -> None:
    assert html_to_text("<head><title>T</title><p>Visible</p>") == "Visible"


def test_entities_and_whitespace() -> None:
    assert html_to_text("a&nbsp;&amp;\n\n   b &lt;c&gt;") == "a & b <c>"


def test_tables_become_lines() -> None:
    html = "<table><tr><td>SKU</td><td>Qty</td></tr><tr><td>A1</td><td>2</td></tr></table>"
    assert html_to_text(html) == "SKU Qty\nA1 2"


def test_broken_markup_does_not_raise() -> None:
    assert html_to_text("<p>unclosed <b>bold <i").startswith("unclosed bold")
    assert html_to_text("") == ""


def test_sanitize_keeps_harmless_markup_and_links() -> None:
    safe = sanitize_html('<p>Hi <a href="mailto:a@example.com">mail</a></p>')
    assert safe == '<p>Hi <a href="mailto:a@example.com" rel="noopener noreferrer">mail</a></p>'


def test_sanitize_drops_relative_and_data_sources() -> None:
    safe = sanitize_html(
        '<img src="/track.gif"><img src="data:image/png;base64,AAAA"><a href="/x">x</a>'
    )
    assert "src" not in safe
    assert "href" not in safe


def test_html_over_the_tag_limit_is_shown_as_escaped_text() -> None:
    html = "<div>" * (HTML_TAG_LIMIT + 1) + "<script>x()</script>a < b"
    assert exceeds_tag_limit(html)
    assert sanitize_html(html) == "<pre>a &lt; b</pre>"
