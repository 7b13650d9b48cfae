"""find_dates: the date formats support mail uses, in five languages."""

from __future__ import annotations

from datetime import date

import pytest

from hatchway.agents.requests import Fact
from hatchway.policies.claims import find_dates
from hatchway.policies.claims.facts import FactIndex


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("on 2026-11-24.", [(2026, 11, 24)]),
        ("shipped 2026-11-17T10:22:00", [(2026, 11, 17)]),
        ("am 24.11.2026 geliefert", [(2026, 11, 24)]),
        ("on 24/11/2026", [(2026, 11, 24)]),
        ("on 11/24/2026 (US)", [(2026, 11, 24)]),
        ("24 November 2026", [(2026, 11, 24)]),
        ("24th November, 2026", [(2026, 11, 24)]),
        ("November 24, 2026", [(2026, 11, 24)]),
        ("Nov. 24 and Dec 1", [(None, 11, 24), (None, 12, 1)]),
        ("am 24. November 2026", [(2026, 11, 24)]),
        ("le 24 novembre 2026", [(2026, 11, 24)]),
        ("le 1er décembre", [(None, 12, 1)]),
        ("el 24 de noviembre de 2026", [(2026, 11, 24)]),
        ("op 24 november 2026", [(2026, 11, 24)]),
        ("am 3. März", [(None, 3, 3)]),
    ],
)
def test_formats(text: str, found: list[tuple[int | None, int, int]]) -> None:
    assert [(m.year, m.month, m.day) for m in find_dates(text)] == found


@pytest.mark.parametrize(
    "text",
    ["31.02.2026", "2026-13-01", "may I ask", "version 1.2.3", "NW-100231", "call 0049-1234"],
)
def test_not_dates(text: str) -> None:
    assert find_dates(text) == []


def test_mention_without_a_year_matches_any_year() -> None:
    (mention,) = find_dates("November 24")

    assert mention.same_day(date(2026, 11, 24))
    assert mention.same_day(date(2025, 11, 24))
    assert not mention.same_day(date(2026, 11, 23))
    assert mention.as_date() is None


def test_fact_dates_come_from_any_string_value() -> None:
    index = FactIndex(
        [
            Fact(key="order.NW-1.shipped_at", value="2026-11-11", source="crm"),
            Fact(key="order.NW-1.note", value="delivered 12.11.2026", source="crm"),
            Fact(key="order.NW-1.count", value=3, source="crm"),
        ]
    )

    assert [day for day, _ in index.dates()] == [date(2026, 11, 11), date(2026, 11, 12)]
