"""The review inbox's rules, for the web UI and the API alike.

- :mod:`~hatchway.review.decisions`: decide on an item (send, reject, escalate, reassign)
  or undo a held send; the checks, the job for the worker, and the refusals' reasons.
- :mod:`~hatchway.review.claims`: who has an item open, so two reviewers never work on one.
- :mod:`~hatchway.review.roles`: which role may send an item, and whom to escalate to.
"""

from hatchway.review.claims import ClaimState, claim_is_free, claim_state, release, take_claim
from hatchway.review.decisions import (
    REOPEN_REVIEW_JOB,
    REVIEW_DECISION_JOB,
    RefusalKind,
    ReviewRefused,
    decision_pending,
    decision_pending_clause,
    submit_decision,
    undo_send,
)
from hatchway.review.roles import ESCALATION_ROLES, outranks, required_role, role_required_by

__all__ = [
    "ESCALATION_ROLES",
    "REOPEN_REVIEW_JOB",
    "REVIEW_DECISION_JOB",
    "ClaimState",
    "RefusalKind",
    "ReviewRefused",
    "claim_is_free",
    "claim_state",
    "decision_pending",
    "decision_pending_clause",
    "outranks",
    "release",
    "required_role",
    "role_required_by",
    "submit_decision",
    "take_claim",
    "undo_send",
]
