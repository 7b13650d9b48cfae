"""find_dates' shortcuts find what a plain scan with the full pattern finds.

The shortcuts: no scan without a digit, a month name looked for only where one of the
names' first letters stands, a pattern without the month-first branch when no whitespace
comes before a digit, and answers remembered per text. The reference scans every text with
the plain full pattern. They must agree over the demo mailbox (whole and line by line),
every value in the demo shop, the find_dates tests' texts and edge cases.
"""

from __future__ import annotations

import re

import pytest

from hatchway.mail.parse import ParsedEmail, parse_message
from hatchway.per_email import one_email
from hatchway.policies.claims import _dates
from hatchway.policies.claims._dates import DateMention, find_dates
from tests.fixtures.demo_texts import demo_shop_values
from tests.policies._demo import MAILBOX

EDGE_CASES = [
    "",
    "on 2026-11-24. shipped 2026-11-17T10:22:00, am 24.11.2026 geliefert, on 24/11/2026",
    "on 11/24/2026 (US), 24th November, 2026, Nov. 24 and Dec 1, le 1er décembre",
    "el 24 de noviembre de 2026, op 24 november 2026, am 3. März, 31.02.2026, 2026-13-01",
    "may I ask, version 1.2.3, NW-100231, call 0049-1234, dismay 5, summary 5",
    # Each alone: whitespace other than a space, and other scripts' digits (\d too).
    "November\u00a024",
    "Nov.\t3",
    "mai\n7",
    "MÄRZ 3",
    "November ٢٤",
    "٢٤.١١.٢٠٢٦",
    "٢٠٢٦-١١-٢٤",
    "November24 and 24November and 2026-11-24T00:00 and 1/2/2026 and 31/12/2026",
    "Februar 29 2024, February 30, Feb 29, 29 février 2023",
]


PLAIN = _dates._dates_pattern(_dates._MONTH_FIRST)


def _reference(text: str) -> list[DateMention]:
    found = []
    for match in PLAIN.finditer(text):
        parts = _dates._parts(match)
        if parts is not None:
            year, month, day = parts
            found.append(DateMention(match.group(0), match.start(), match.end(), year, month, day))
    return found


@pytest.fixture(scope="module")
def texts() -> list[str]:
    texts = []
    for path in sorted(MAILBOX.glob("*.eml")):
        parsed = parse_message(path.read_bytes())
        if isinstance(parsed, ParsedEmail):
            whole = f"{parsed.subject}\n{parsed.text}"
            texts += [whole, *whole.splitlines()]
    return texts + demo_shop_values() + EDGE_CASES


def test_the_same_dates_as_the_full_scan(texts: list[str]) -> None:
    found = 0
    with one_email():
        for _ in range(2):  # the second round is answered from what was remembered
            for text in texts:
                assert find_dates(text) == _reference(text), text
                found += len(_reference(text))
    assert found > 100


def test_without_space_before_a_digit_the_short_pattern_matches_alike(texts: list[str]) -> None:
    checked = 0
    for text in texts:
        if _dates._SPACE_DIGIT.search(text):
            continue
        short = [
            m.groupdict() | {"span": m.span()} for m in _dates._DATES_NO_MONTH_FIRST.finditer(text)
        ]
        full = [m.groupdict() | {"span": m.span()} for m in PLAIN.finditer(text)]
        assert short == full, text
        checked += bool(full)
    assert checked > 20


def test_a_remembered_answer_is_a_fresh_list() -> None:
    first = find_dates("on 2026-11-24 and 24.11.2026")
    first.clear()
    assert len(find_dates("on 2026-11-24 and 24.11.2026")) == 2


def test_the_first_letter_check_lets_through_what_the_names_match() -> None:
    # Ignoring case, a character matches [x] exactly when it matches the letter x (the regex
    # engine's case equivalents, such as the long s for s, apply to both alike).
    every_character = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    firsts = {name[0] for name in _dates._MONTH}
    assert "(?=[" + "".join(sorted(firsts)) + "])" == _dates._NAME_START
    for letter in firsts:
        as_class = re.findall(f"[{letter}]", every_character, re.IGNORECASE)
        assert as_class == re.findall(letter, every_character, re.IGNORECASE), letter
