"""Shadow mode, compared: what automation would have done with a draft vs what the reviewer did.

The route node records its would-be decision on each shadow draft as a review reason
("automation would have sent this"); the reviewer's label says whether the draft was fine
as it stood (sent unchanged, trivial edits included) or not (edited, rejected).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Text, and_, case, cast, func, select
from sqlalchemy.orm import Session

from hatchway.store.models import DecisionLabel, Draft, ReviewDecision, Route

__all__ = ["WOULD_SEND_NOTE", "ShadowComparison", "shadow_comparison"]

WOULD_SEND_NOTE = "automation would have sent"


@dataclass(frozen=True)
class ShadowComparison:
    """Decided shadow drafts of one category: four counts and the agreement rate."""

    category: str
    would_send_fine: int  # automation would have sent it, and the reviewer sent it as it was
    would_send_changed: int  # would have sent it, the reviewer changed or rejected it: an error
    held_fine: int  # automation would have held it back, yet the reviewer sent it unchanged
    held_changed: int  # held back, and rightly so

    @property
    def decided(self) -> int:
        return self.would_send_fine + self.would_send_changed + self.held_fine + self.held_changed

    @property
    def agreement(self) -> float | None:
        """Share of decided drafts where automation and the reviewer agreed."""
        agreed = self.would_send_fine + self.held_changed
        return agreed / self.decided if self.decided else None

    @property
    def would_send(self) -> int:
        return self.would_send_fine + self.would_send_changed

    @property
    def would_send_error(self) -> float | None:
        """Of the drafts automation would have sent, the share a reviewer changed."""
        return self.would_send_changed / self.would_send if self.would_send else None


def shadow_comparison(session: Session, *, since: datetime) -> dict[str, ShadowComparison]:
    """Per category, shadow drafts decided since ``since``: would-be vs actual outcome."""
    would = cast(Draft.review_reasons, Text).like(f"%{WOULD_SEND_NOTE}%")
    fine = ReviewDecision.label == DecisionLabel.SENT_UNCHANGED
    query = (
        select(
            Draft.category,
            _count(and_(would, fine)),
            _count(and_(would, ~fine)),
            _count(and_(~would, fine)),
            _count(and_(~would, ~fine)),
        )
        .join(ReviewDecision, ReviewDecision.draft_id == Draft.id)
        .where(
            Draft.route == Route.SHADOW,
            ReviewDecision.label != DecisionLabel.NONE,
            ReviewDecision.decided_at >= since,
        )
        .group_by(Draft.category)
    )
    found = {}
    for category, a, b, c, d in session.execute(query):
        name = category or "(unclassified)"
        found[name] = ShadowComparison(name, int(a), int(b), int(c), int(d))
    return found


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
