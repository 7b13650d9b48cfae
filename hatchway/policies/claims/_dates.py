"""Find the calendar dates written in a text, in the formats support mail uses (5 languages)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hatchway.per_email import remembered_per_email

__all__ = ["DateMention", "find_dates"]

_MONTHS = {
    "january jan januar janvier enero januari": 1,
    "february feb februar février fevrier febrero februari": 2,
    "march mar märz maerz mars marzo maart": 3,
    "april apr avril abril": 4,
    "may mai mayo mei": 5,
    "june jun juni juin junio": 6,
    "july jul juli juillet julio": 7,
    "august aug août aout agosto augustus": 8,
    "september sep sept septembre septiembre": 9,
    "october oct oktober octobre octubre": 10,
    "november nov novembre noviembre": 11,
    "december dec dezember décembre decembre diciembre": 12,
}
_MONTH = {name: number for names, number in _MONTHS.items() for name in names.split()}
_NAME = "|".join(sorted(map(re.escape, _MONTH), key=len, reverse=True))
_DAY_FIRST = (
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?(?P<m1>{_NAME})(?:\.(?=\s+\d{{4}}))?"
)
_MONTH_FIRST = rf"(?P<m2>{_NAME})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?"


def _dates_pattern(month_first: str) -> re.Pattern[str]:
    return re.compile(
        r"(?<![\d.\-/])(?:"
        r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
        r"|(?P<nd>\d{1,2})[./](?P<nm>\d{1,2})[./](?P<ny>\d{4})"
        rf"|(?:{_DAY_FIRST}|{month_first})(?:,?\s+(?:de\s+)?(?P<wy>\d{{4}}))?"
        r")(?![\d\-/]|\.\d)",
        re.IGNORECASE,
    )


# Trying eighty month names at every character is most of the scan's cost. A name starts
# on one of their first letters (same flags: the same characters match), so that comes
# first. And "November 24" needs whitespace before a digit: texts without one (most fact
# values, ISO dates) get the pattern with that branch failing at once (``(?!)``).
_NAME_START = "(?=[" + "".join(sorted({re.escape(name[0]) for name in _MONTH})) + "])"
_DATES = _dates_pattern(_NAME_START + _MONTH_FIRST)
_DATES_NO_MONTH_FIRST = _dates_pattern("(?!)" + _MONTH_FIRST)
_SPACE_DIGIT = re.compile(r"\s\d")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class DateMention:
    """A date found in text. ``year`` is None when the text left it out (``November 24``)."""

    text: str
    start: int
    end: int
    year: int | None
    month: int
    day: int

    def same_day(self, other: date) -> bool:
        """True when this mention names ``other`` (ignoring the year if none was written)."""
        same = (self.month, self.day) == (other.month, other.day)
        return same and (self.year is None or self.year == other.year)

    def as_date(self) -> date | None:
        """The full date, when the year was written."""
        return None if self.year is None else date(self.year, self.month, self.day)


def find_dates(text: str) -> list[DateMention]:
    """Every valid calendar date in ``text``: 2026-11-24, 24.11.2026, 24/11/2026 (day first;
    month first only when the day-first reading is impossible), 24 November 2026,
    24. November, November 24, 2026, 24 de noviembre de 2026."""
    return list(_dates_in(text))


@remembered_per_email
def _dates_in(text: str) -> tuple[DateMention, ...]:
    # Remembered for the email (hatchway.per_email): the claim check reads every fact's
    # value again for each date it checks.
    if not _DIGIT.search(text):  # every format has one; most fact values have none
        return ()
    found = []
    pattern = _DATES if _SPACE_DIGIT.search(text) else _DATES_NO_MONTH_FIRST
    for match in pattern.finditer(text):
        parts = _parts(match)
        if parts is not None:
            year, month, day = parts
            found.append(DateMention(match.group(0), match.start(), match.end(), year, month, day))
    return tuple(found)


def _parts(match: re.Match[str]) -> tuple[int | None, int, int] | None:
    g = match.group
    if g("iy"):
        return _valid(int(g("iy")), int(g("im")), int(g("id")))
    if g("ny"):
        day, month, year = int(g("nd")), int(g("nm")), int(g("ny"))
        return _valid(year, month, day) or _valid(year, day, month)
    written_year = int(g("wy")) if g("wy") else None
    return _valid(written_year, _MONTH[(g("m1") or g("m2")).lower()], int(g("d1") or g("d2")))


def _valid(year: int | None, month: int, day: int) -> tuple[int | None, int, int] | None:
    try:
        date(year or 2024, month, day)  # 2024 is a leap year: 29 February stays possible
    except ValueError:
        return None
    return year, month, day
