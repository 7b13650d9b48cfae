"""Synthetic reviewed drafts whose outcome depends on their features, as real ones would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from hatchway.policies.gate import ReviewedDraft

CATEGORIES = ("order_status", "refund", "invoice_copy")
GOOD_REPLY = "Hello,\n\nyour order {n} left our warehouse today and arrives on Friday.\n\nNorthwind"
ODD_REPLY = "Dear customer, we are sorry: a colleague will look into refund {n} personally."
EMAIL = "Hi, where is my order {n}? I ordered it last week. Thanks, Jo"


def synthetic_drafts(n: int, *, seed: int = 0, start_id: int = 1) -> list[ReviewedDraft]:
    """``n`` drafts; risks, failed checks and low confidence make a change more likely."""
    rng = np.random.default_rng(seed)
    drafts = []
    for i in range(n):
        risks = int(rng.integers(0, 3))
        failed = int(rng.random() < 0.15)
        confidence = float(rng.uniform(0.4, 1.0))
        unknown_sender = bool(rng.random() < 0.2)
        logit = 2.5 - 1.2 * risks - 2.0 * failed + 2.0 * (confidence - 0.7) - unknown_sender
        unchanged = bool(rng.random() < 1 / (1 + np.exp(-logit)))
        body = (GOOD_REPLY if unchanged or rng.random() < 0.3 else ODD_REPLY).format(n=i)
        hits = [{"rule": "unknown-sender", "action": "require_review"}] if unknown_sender else []
        drafts.append(
            ReviewedDraft(
                id=start_id + i,
                category=CATEGORIES[i % len(CATEGORIES)],
                body=body,
                email_text=EMAIL.format(n=i),
                unchanged=unchanged,
                decided_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
                classifier_confidence=confidence,
                rule_hits=hits,
                check_results=[{"check": "order_id", "ok": not failed}],
                risks=["check the date"] * risks,
            )
        )
    return drafts
