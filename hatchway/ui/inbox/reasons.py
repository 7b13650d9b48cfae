"""Fixed choices the item page offers: reject reasons, escalation roles, notices."""

from __future__ import annotations

from hatchway.store.models import Role

__all__ = ["DONE_NOTICES", "ESCALATION_ROLES", "REJECT_REASONS"]

REJECT_REASONS: tuple[str, ...] = (
    "No reply needed",
    "Spam or not a customer",
    "Already answered elsewhere",
    "Needs a phone call",
    "Draft is wrong; will answer by hand",
    "Other",
)

ESCALATION_ROLES: tuple[Role, ...] = (Role.OPS, Role.ADMIN)

# After a decision the next page says what happened; the key is fixed text, never free text.
DONE_NOTICES = {
    "send": "Reply queued",
    "reject": "Rejected",
    "escalate": "Escalated",
    "reassign": "Reassigned",
    "undo": "Send undone; the item returns to the inbox",
    "release": "Released",
}
