"""Time buckets in SQL, the same on SQLite and PostgreSQL: a UTC day or month as text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Session

__all__ = [
    "day_bucket",
    "days_back",
    "month_bucket",
    "month_start",
    "months_back",
    "window_start",
]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def day_bucket(session: Session, column: Any) -> ColumnElement[str]:
    """``YYYY-MM-DD`` of a UTC timestamp column (SQLite stores UTC, PostgreSQL converts)."""
    if _dialect(session) == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def month_bucket(session: Session, column: Any) -> ColumnElement[str]:
    """``YYYY-MM`` of a UTC timestamp column."""
    if _dialect(session) == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def days_back(now: datetime, days: int) -> list[str]:
    """The last ``days`` UTC days up to and including today, oldest first, as ``YYYY-MM-DD``."""
    today = now.astimezone(UTC).date()
    return [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def months_back(now: datetime, months: int) -> list[str]:
    """The last ``months`` months up to this one, oldest first, as ``YYYY-MM``."""
    now = now.astimezone(UTC)
    year, month = now.year, now.month
    found = []
    for _ in range(months):
        found.append(date(year, month, 1).strftime("%Y-%m"))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


def window_start(now: datetime, days: int) -> datetime:
    """Midnight UTC at the start of the oldest of the last ``days`` days (today included)."""
    first = now.astimezone(UTC).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(), UTC)


def month_start(now: datetime, months: int) -> datetime:
    """Midnight UTC on the first day of the oldest of the last ``months`` months."""
    year, month = map(int, months_back(now, months)[0].split("-"))
    return datetime(year, month, 1, tzinfo=UTC)
