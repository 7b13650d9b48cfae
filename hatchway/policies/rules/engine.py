"""Evaluate rules against one email's context, and sum the hits up for the router."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hatchway.policies.rules._context import RuleContext, display
from hatchway.policies.rules.model import Rule, RuleHit
from hatchway.store.models.people import ROLE_RANK, Role

__all__ = ["RulesOutcome", "evaluate", "explain", "summarise"]

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ACTION_WORDS = {
    "escalate": "the case is escalated",
    "require_role": "only {role} may send the reply",
    "require_review": "a person must review the reply",
    "block_auto_send": "the reply is never sent automatically",
}


def evaluate(rules: Iterable[Rule], context: RuleContext) -> list[RuleHit]:
    """Every rule that hits ``context``, in rule order, each with its explanation."""
    hits = []
    for rule in rules:
        matched = _matches(rule, context)
        if matched is not None:
            hits.append(_hit(rule, context, matched))
    return hits


def _matches(rule: Rule, context: RuleContext) -> list[str] | None:
    """Why each condition holds, or None when the rule does not hit."""
    reasons = []
    for condition in rule.conditions:
        reason = condition.check(context)
        if reason is None:
            return None
        reasons.append(reason)
    if rule.any_conditions:
        some = [r for c in rule.any_conditions if (r := c.check(context)) is not None]
        if not some:
            return None
        reasons += some
    return reasons


def _hit(rule: Rule, context: RuleContext, matched: list[str]) -> RuleHit:
    note = rule.then.note
    return RuleHit(
        rule=rule.name,
        actions=rule.then.names(),
        explanation=explain(rule, context, matched),
        role=rule.then.require_role,
        note=None if note is None else _render(note, rule, context, matched),
    )


def explain(rule: Rule, context: RuleContext, matched: Sequence[str]) -> str:
    """The rule's ``explain`` template filled in, or a generated sentence when it has none."""
    if rule.explain:
        return _render(rule.explain, rule, context, matched)
    role = rule.then.require_role
    consequences = [
        _ACTION_WORDS[name].format(role=role.value if role else "")
        for name in rule.then.names()
        if name in _ACTION_WORDS
    ]
    sentence = f"Rule {rule.name}: {'; '.join(matched)}"
    return f"{sentence}: {', and '.join(consequences)}" if consequences else sentence


def _render(template: str, rule: Rule, context: RuleContext, matched: Sequence[str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "matched":
            return "; ".join(matched)
        if name == "rule":
            return rule.name
        return display(context.values.get(name))

    return _PLACEHOLDER.sub(value, template)


@dataclass(frozen=True)
class RulesOutcome:
    """What the hits mean together: the router and the review inbox read this."""

    blocks_auto_send: bool
    required_role: Role
    escalate: bool
    notes: tuple[str, ...]
    reasons: tuple[str, ...]


def summarise(hits: Iterable[RuleHit]) -> RulesOutcome:
    """Fold hits: any non-note hit blocks auto-send; the highest role asked for wins."""
    hits = list(hits)
    role = Role.REVIEWER
    for hit in hits:
        if hit.role is not None and ROLE_RANK[hit.role] > ROLE_RANK[role]:
            role = hit.role
    return RulesOutcome(
        blocks_auto_send=any(hit.blocks_auto_send for hit in hits),
        required_role=role,
        escalate=any("escalate" in hit.actions for hit in hits),
        notes=tuple(hit.note for hit in hits if hit.note),
        reasons=tuple(hit.explanation for hit in hits if hit.blocks_auto_send),
    )
