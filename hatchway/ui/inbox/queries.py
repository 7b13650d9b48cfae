"""The inbox list: items waiting for a person, filtered, sorted, counted and paged.

Only the columns the list shows are read (never the raw bytes or bodies), and every
filter is served by the (status, category, received_at) and (status, received_at) indexes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, String, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from hatchway.review.claims import claim_is_free
from hatchway.store.models import InboundMessage, InboundStatus, User
from hatchway.ui.inbox.reasons import REVIEW_REASON_KINDS

__all__ = ["InboxFilters", "InboxPage", "InboxRow", "QueueCounts", "list_inbox", "neighbours"]

SNIPPET_CHARS = 160


class InboxFilters(BaseModel):
    """What the reviewer asked to see (the query string of /inbox)."""

    model_config = ConfigDict(extra="ignore")

    sort: Literal["oldest", "newest"] = "oldest"
    category: str = Field(default="", max_length=100)
    reason: str = Field(default="", max_length=200)  # free text
    why: str = Field(default="", max_length=40)  # a code of REVIEW_REASON_KINDS
    age: Literal["", "late", "on_time"] = ""
    assignee: str = Field(default="", max_length=40)  # "", mine, unassigned, escalated, <id>
    page: int = Field(default=1, ge=1, le=100_000)

    def query_string(self, **changes: Any) -> str:
        """These filters as a query string, with ``changes`` applied (for links)."""
        from urllib.parse import urlencode

        values = {**self.model_dump(), **changes}
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1, "oldest")})


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox."""

    id: int
    received_at: datetime
    from_name: str | None
    from_address: str | None
    subject: str | None
    snippet: str
    category: str | None
    reason: str | None
    more_reasons: int
    claimed_by_id: int | None
    claimed_by: str | None
    claimed_at: datetime | None
    assignee: str | None
    late: bool


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox with the numbers around it."""

    rows: list[InboxRow]
    total: int | None  # None for a text search: counting would read every waiting item
    page: int
    pages: int | None
    has_next: bool
    counts: list[tuple[str, int]]  # per category, whole queue
    queue_size: int
    late: int


Counts = tuple[list[tuple[str, int]], int, int]


class QueueCounts:
    """The per-category and late counts, reused for ``ttl`` seconds by every reviewer.

    Counting reads the whole queue's index; the side panel does not need to be exact to the
    second, the list itself always is.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._cached: tuple[float, Counts] | None = None

    def get(self, session: Session, now: datetime, sla: timedelta) -> Counts:
        """Fresh counts, or the ones computed less than ``ttl`` seconds ago."""
        cached = self._cached
        clock = time.monotonic()
        if cached is not None and clock - cached[0] < self.ttl:
            return cached[1]
        counts = _counts(session, now, sla)
        self._cached = (clock, counts)
        return counts


def _conditions(
    filters: InboxFilters, *, user_id: int, now: datetime, sla: timedelta, dialect: str
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [InboundMessage.status == InboundStatus.IN_REVIEW]
    if filters.category:
        where.append(InboundMessage.category == filters.category)
    if filters.reason:
        where.append(_reason_contains(filters.reason, dialect))
    if kind := REVIEW_REASON_KINDS.get(filters.why):
        # The pipeline writes these phrases in fixed case: a case-sensitive match spares
        # lower() on every reason walked.
        where.append(_reason_contains(kind.phrase, dialect, fold_case=False))
    if filters.age == "late":
        where.append(InboundMessage.received_at < now - sla)
    elif filters.age == "on_time":
        where.append(InboundMessage.received_at >= now - sla)
    if filters.assignee == "mine":
        where.append(InboundMessage.assignee_id == user_id)
    elif filters.assignee == "unassigned":
        where.append(
            and_(InboundMessage.assignee_id.is_(None), InboundMessage.assigned_role.is_(None))
        )
    elif filters.assignee == "escalated":
        where.append(InboundMessage.assigned_role.is_not(None))
    elif filters.assignee.isdigit():
        where.append(InboundMessage.assignee_id == int(filters.assignee))
    return where


def _reason_contains(text: str, dialect: str, *, fold_case: bool = True) -> ColumnElement[bool]:
    """``text`` is a substring of the reason, in the form the dialect's index serves.

    PostgreSQL: (I)LIKE '%...%', a trigram GIN lookup. SQLite: instr() over the covering
    (status, received_at, id, status_reason) index, which never reads the wide rows; instr
    is a plain substring search, steadier than LIKE's backtracking (both fold ASCII only).
    """
    column = InboundMessage.status_reason
    if dialect == "postgresql":
        pattern = f"%{_like_escape(text)}%"
        if fold_case:
            return column.ilike(pattern, escape="\\")
        return column.like(pattern, escape="\\")
    needle = literal(text, String)
    if fold_case:
        return func.instr(func.lower(column), func.lower(needle)) > 0
    return func.instr(column, needle) > 0


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_inbox(
    session: Session,
    filters: InboxFilters,
    *,
    user_id: int,
    now: datetime,
    sla: timedelta,
    page_size: int,
    counts_cache: QueueCounts | None = None,
) -> InboxPage:
    """The page of the inbox these filters select."""
    dialect = session.get_bind().dialect.name
    where = _conditions(filters, user_id=user_id, now=now, sla=sla, dialect=dialect)
    cache = counts_cache or QueueCounts(ttl=0)
    counts, queue_size, late = cache.get(session, now, sla)
    total = _total(session, filters, where, dict(counts), queue_size)
    pages = None if total is None else max(1, -(-total // page_size))
    page = filters.page if pages is None else min(filters.page, pages)
    if filters.sort == "oldest":
        order = (InboundMessage.received_at.asc(), InboundMessage.id.asc())
    else:
        order = (InboundMessage.received_at.desc(), InboundMessage.id.desc())
    query = _row_columns().order_by(*order)
    window = select(InboundMessage.id).where(*where).order_by(*order).limit(page_size + 1)
    window = window.offset((page - 1) * page_size)
    if filters.reason or filters.why:
        # The ids first, from the reason index alone (covering on SQLite), then their rows.
        query = query.where(InboundMessage.id.in_(window.scalar_subquery()))
    else:
        query = query.where(*where).limit(page_size + 1).offset((page - 1) * page_size)
    found = session.execute(query).all()
    records, has_next = found[:page_size], len(found) > page_size
    names = _user_names(session, records, now)
    rows = [_row(record, names, now, sla) for record in records]
    return InboxPage(rows, total, page, pages, has_next, counts, queue_size, late)


def _row_columns() -> Select[Any]:
    return select(
        InboundMessage.id,
        InboundMessage.received_at,
        InboundMessage.from_name,
        InboundMessage.from_address,
        InboundMessage.subject,
        func.substr(InboundMessage.text_body, 1, SNIPPET_CHARS).label("snippet"),
        InboundMessage.category,
        InboundMessage.status_reason,
        InboundMessage.claimed_by_id,
        InboundMessage.claimed_at,
        InboundMessage.claimed_until,
        InboundMessage.assignee_id,
        InboundMessage.assigned_role,
    )


def _user_names(session: Session, records: Sequence[Any], now: datetime) -> dict[int, str]:
    ids = {r.claimed_by_id for r in records if r.claimed_by_id} | {
        r.assignee_id for r in records if r.assignee_id
    }
    if not ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(ids))
    return {row[0]: row[1] for row in session.execute(query)}


def _row(record: Any, names: dict[int, str], now: datetime, sla: timedelta) -> InboxRow:
    reasons = [part for part in (record.status_reason or "").split("; ") if part]
    live = record.claimed_by_id is not None and record.claimed_until and record.claimed_until > now
    assignee = names.get(record.assignee_id) if record.assignee_id else None
    if record.assigned_role:
        assignee = f"{record.assigned_role} (escalated)" if assignee is None else assignee
    return InboxRow(
        id=record.id,
        received_at=record.received_at,
        from_name=record.from_name,
        from_address=record.from_address,
        subject=record.subject,
        snippet=" ".join((record.snippet or "").split()),
        category=record.category,
        reason=reasons[0] if reasons else None,
        more_reasons=max(0, len(reasons) - 1),
        claimed_by_id=record.claimed_by_id if live else None,
        claimed_by=names.get(record.claimed_by_id) if live else None,
        claimed_at=record.claimed_at if live else None,
        assignee=assignee,
        late=record.received_at < now - sla,
    )


def _counts(session: Session, now: datetime, sla: timedelta) -> Counts:
    """Per category and late, in one pass over the (status, category, received_at) index."""
    late = case((InboundMessage.received_at < now - sla, 1), else_=0)
    grouped = session.execute(
        select(InboundMessage.category, func.count(), func.sum(late))
        .where(InboundMessage.status == InboundStatus.IN_REVIEW)
        .group_by(InboundMessage.category)
    ).all()
    named = ((category or "unclassified", n) for category, n, _ in grouped)
    counts = sorted(named, key=lambda count: (-count[1], count[0]))
    late_total = sum(int(n or 0) for _, _, n in grouped)
    return counts, sum(n for _, n in counts), late_total


def _total(
    session: Session,
    filters: InboxFilters,
    where: list[ColumnElement[bool]],
    counts: dict[str, int],
    queue_size: int,
) -> int | None:
    """Items matching the filters; from the counts when only a category is chosen, and not
    counted at all for a reason search (the page shows whether there is a next one)."""
    if filters.reason or filters.why:
        return None
    if not (filters.age or filters.assignee):
        return counts.get(filters.category, 0) if filters.category else queue_size
    return session.scalar(select(func.count()).select_from(InboundMessage).where(*where)) or 0


def neighbours(
    session: Session,
    *,
    message_id: int,
    received_at: datetime,
    sort: str,
    user_id: int,
    now: datetime,
) -> tuple[int | None, int | None]:
    """The previous and next item of the queue in ``sort`` order (for j/k), skipping items
    someone else holds."""
    in_review = and_(InboundMessage.status == InboundStatus.IN_REVIEW, claim_is_free(user_id, now))
    # The plain range first, so the (status, received_at) index bounds the scan.
    after = and_(
        InboundMessage.received_at >= received_at,
        or_(InboundMessage.received_at > received_at, InboundMessage.id > message_id),
    )
    before = and_(
        InboundMessage.received_at <= received_at,
        or_(InboundMessage.received_at < received_at, InboundMessage.id < message_id),
    )
    later = select(InboundMessage.id).where(in_review, after)
    later = later.order_by(InboundMessage.received_at.asc(), InboundMessage.id.asc()).limit(1)
    earlier = select(InboundMessage.id).where(in_review, before)
    earlier = earlier.order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(1)
    # Both in one round trip; each scalar subquery keeps its own index range scan.
    row = session.execute(select(earlier.scalar_subquery(), later.scalar_subquery())).one()
    older, newer = row[0], row[1]
    return (older, newer) if sort == "oldest" else (newer, older)
