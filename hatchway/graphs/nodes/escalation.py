"""Escalation by rule: a hit with ``escalate`` assigns the review item to a senior role.

The role is the highest one any hit requires (``require_role``), and at least ops: an
escalation to plain reviewers would change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hatchway.store.models import ROLE_RANK, Role

__all__ = ["Escalation", "escalation_of"]


@dataclass(frozen=True)
class Escalation:
    """Who a rule-escalated item is assigned to, and the rules that escalated it."""

    role: Role
    rules: tuple[str, ...]

    @property
    def reason(self) -> str:
        """The review reason, in plain words."""
        named = ", ".join(self.rules)
        return f"escalated to {self.role.value} by rule {named}"


def escalation_of(rule_hits: Sequence[dict[str, Any]]) -> Escalation | None:
    """The escalation the stored rule hits ask for, or None when no hit escalates."""
    rules = tuple(hit["rule"] for hit in rule_hits if "escalate" in hit.get("actions", ()))
    if not rules:
        return None
    required = [Role(hit["role"]) for hit in rule_hits if hit.get("role")]
    role = max([Role.OPS, *required], key=ROLE_RANK.__getitem__)
    return Escalation(role=role, rules=rules)
