"""Fixed choices the inbox and item pages offer: review reasons, reject reasons, roles, notices."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DONE_NOTICES",
    "REJECT_REASONS",
    "REVIEW_REASON_KINDS",
    "ReviewReasonKind",
]


@dataclass(frozen=True)
class ReviewReasonKind:
    """A kind of reason for review, recognised by the fixed wording the pipeline writes."""

    code: str
    label: str
    phrase: str  # text every reason of this kind contains (case-insensitive)


# The reasons are stored as the explanations joined by "; " (status_reason). These are the
# ones written by code with fixed wording; rule hits are templates from the rules file and
# are found with the free-text search instead. Both are served by the same index.
REVIEW_REASON_KINDS: dict[str, ReviewReasonKind] = {
    kind.code: kind
    for kind in (
        ReviewReasonKind(
            "unsure", "Classifier unsure (low confidence)", "the classifier is unsure"
        ),
        ReviewReasonKind("mode", "Category not automated (gate/mode)", "category mode is "),
        ReviewReasonKind(
            "never-auto",
            "Category always answered by a person",
            "mail is always answered by a person",
        ),  # fmt: skip
        ReviewReasonKind("no-draft", "No reply drafted", "no reply is drafted"),
        ReviewReasonKind("risk", "The draft notes a risk", "the draft notes: "),
        ReviewReasonKind("failed", "A step failed", " failed: "),
        ReviewReasonKind("not-sent", "Returned from the outbox", "not sent: "),
        ReviewReasonKind("undone", "Send undone", "send undone: "),
    )
}

REJECT_REASONS: tuple[str, ...] = (
    "No reply needed",
    "Spam or not a customer",
    "Already answered elsewhere",
    "Needs a phone call",
    "Draft is wrong; will answer by hand",
    "Other",
)


# After a decision the next page says what happened; the key is fixed text, never free text.
DONE_NOTICES = {
    "send": "Reply queued",
    "reject": "Rejected",
    "escalate": "Escalated",
    "reassign": "Reassigned",
    "undo": "Send undone; the item returns to the inbox",
    "release": "Released",
}
