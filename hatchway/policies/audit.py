"""The audit queue: a share of auto-sent replies gets a human verdict, after the fact.

It keeps measuring the error of automation once a category runs on its own. When the
audited error is, with 95% confidence, above the category's target, the category is
demoted to review automatically, with an audit event saying why.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from scipy.stats import beta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hatchway.errors import HatchwayError
from hatchway.policies.automation import Actor, demote
from hatchway.policies.gate.certify import clopper_pearson_upper
from hatchway.store.models import (
    AuditEvent,
    AuditSample,
    AuditVerdict,
    Category,
    CategoryMode,
    Draft,
    OutboxEntry,
    utcnow,
)

__all__ = ["AuditStats", "VerdictRefused", "audit_stats", "maybe_sample", "record_verdict"]

CONFIDENCE = 0.95


@dataclass(frozen=True)
class AuditStats:
    """Audited auto-sends of a category: how many, how many wrong, and the error's bounds."""

    category: str
    n: int
    errors: int
    lower: float
    upper: float

    @property
    def rate(self) -> float:
        return self.errors / self.n if self.n else 0.0


def maybe_sample(
    session: Session, entry: OutboxEntry, *, share: float, rng: random.Random | None = None
) -> AuditSample | None:
    """Draw ``entry`` (an auto-sent reply) into the audit queue with probability ``share``."""
    if (rng or random).random() >= share:
        return None
    category = session.scalar(select(Draft.category).where(Draft.id == entry.draft_id)) or "?"
    sample = AuditSample(outbox_entry_id=entry.id, category=category)
    session.add(sample)
    session.flush()
    return sample


def audit_stats(session: Session, category: str) -> AuditStats:
    """Clopper-Pearson bounds (95%, one-sided each) on the audited error of ``category``."""
    decided = select(AuditSample.verdict, func.count()).where(
        AuditSample.category == category, AuditSample.verdict != AuditVerdict.PENDING
    )
    counts = dict(session.execute(decided.group_by(AuditSample.verdict)).all())
    errors = int(counts.get(AuditVerdict.CHANGED, 0))
    n = errors + int(counts.get(AuditVerdict.CORRECT, 0))
    alpha = 1 - CONFIDENCE
    lower = 0.0 if errors == 0 else float(beta.ppf(alpha, errors, n - errors + 1))
    upper = clopper_pearson_upper(errors, n, alpha)
    return AuditStats(category, n, errors, lower, upper)


class VerdictRefused(HatchwayError):
    """The sample does not exist or already has a verdict."""


def record_verdict(
    session: Session, *, sample_id: int, verdict: AuditVerdict, actor: Actor, note: str | None
) -> AuditStats:
    """Store a verdict; demote the category when its audited error is provably above target."""
    sample = session.get(AuditSample, sample_id)
    if sample is None or sample.verdict != AuditVerdict.PENDING or verdict == AuditVerdict.PENDING:
        raise VerdictRefused(f"audit sample {sample_id} cannot take the verdict {verdict.value}")
    sample.verdict, sample.verdict_by, sample.verdict_at = verdict, actor.user_id, utcnow()
    sample.note = note
    session.add(
        AuditEvent(
            actor=actor.label,
            actor_user_id=actor.user_id,
            action="audit.verdict",
            subject_type="audit_sample",
            subject_id=str(sample_id),
            details={"verdict": verdict.value, "note": note},
        )
    )
    session.flush()
    stats = audit_stats(session, sample.category)
    category = session.scalar(select(Category).where(Category.name == sample.category))
    if (
        category is not None
        and category.mode != CategoryMode.REVIEW
        and stats.lower > category.target_error
    ):
        reason = (
            f"audited error {stats.errors}/{stats.n} is above the target "
            f"{category.target_error:.2%} with 95% confidence (lower bound {stats.lower:.2%})"
        )
        demote(session, name=category.name, actor=Actor("system:audit"), reason=reason)
    return stats
