"""What the gate knows about a draft before anyone reviews it, as named numeric features.

Pure: the same draft gives the same features whether it comes from the graph state (while
scoring) or from a stored ``Draft`` row (while training), so the model sees one thing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hatchway.agents.offline.language import guess_language
from hatchway.policies.gate.reference import ReplyReference

__all__ = ["UNKNOWN_SENDER_RULE", "DraftLike", "GateInput"]

# The rule the rules node adds exactly when the lookup found no customer. Draft rows do not
# store the customer, so from a row "has customer" is read as "that rule did not fire".
UNKNOWN_SENDER_RULE = "unknown-sender"


class DraftLike(Protocol):
    """The fields of a stored draft the gate reads (a ``Draft`` row satisfies it)."""

    @property
    def id(self) -> int: ...
    @property
    def category(self) -> str | None: ...
    @property
    def body(self) -> str: ...
    @property
    def classifier_confidence(self) -> float | None: ...
    @property
    def rule_hits(self) -> list[Any]: ...
    @property
    def check_results(self) -> list[Any]: ...
    @property
    def risks(self) -> list[Any]: ...


@dataclass(frozen=True)
class GateInput:
    """Everything the gate scores a draft on; ``features()`` turns it into numbers."""

    category: str | None
    classifier_confidence: float | None
    rule_actions: tuple[tuple[str, int], ...]  # (action, count), sorted by action
    failed_checks: int
    risks: int
    email_chars: int
    draft_chars: int
    language_mismatch: bool
    has_customer: bool
    similarity: float

    @classmethod
    def from_draft(
        cls,
        draft: DraftLike,
        *,
        email_text: str,
        reference: ReplyReference | None,
        exclude_self: bool = False,
    ) -> GateInput:
        """From a stored draft; ``exclude_self`` when ``reference`` may contain this draft."""
        hits = list(draft.rule_hits)
        similarity = _similarity(
            reference, draft.category, draft.body, draft.id if exclude_self else None
        )
        return cls._build(
            category=draft.category,
            confidence=draft.classifier_confidence,
            hits=hits,
            checks=list(draft.check_results),
            risks=len(draft.risks),
            email_text=email_text,
            body=draft.body,
            has_customer=not any(_rule(hit) == UNKNOWN_SENDER_RULE for hit in hits),
            similarity=similarity,
        )

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], *, email_text: str, reference: ReplyReference | None
    ) -> GateInput:
        """From the triage graph's state at the gate node (after rules and check)."""
        classification: Mapping[str, Any] = state.get("classification") or {}
        draft: Mapping[str, Any] = state.get("draft") or {}
        category = classification.get("category")
        body = str(draft.get("body", ""))
        return cls._build(
            category=category,
            confidence=classification.get("confidence"),
            hits=list(state.get("rule_hits") or []),
            checks=list(state.get("check_results") or []),
            risks=len(draft.get("risks") or []),
            email_text=email_text,
            body=body,
            has_customer=state.get("customer") is not None,
            similarity=_similarity(reference, category, body, None),
        )

    @classmethod
    def _build(
        cls,
        *,
        category: str | None,
        confidence: float | None,
        hits: Sequence[Any],
        checks: Sequence[Any],
        risks: int,
        email_text: str,
        body: str,
        has_customer: bool,
        similarity: float,
    ) -> GateInput:
        actions = Counter(_action(hit) for hit in hits)
        return cls(
            category=category,
            classifier_confidence=None if confidence is None else float(confidence),
            rule_actions=tuple(sorted(actions.items())),
            failed_checks=sum(1 for check in checks if not _check_ok(check)),
            risks=risks,
            email_chars=len(email_text),
            draft_chars=len(body),
            language_mismatch=bool(email_text.strip() and body.strip())
            and guess_language(email_text) != guess_language(body),
            has_customer=has_customer,
            similarity=similarity,
        )

    def features(self) -> dict[str, float]:
        """Named features for a ``DictVectorizer``; unseen names are ignored at scoring time."""
        values: dict[str, float] = {
            f"category={self.category or '<none>'}": 1.0,
            "classifier_confidence": self.classifier_confidence or 0.0,
            "classifier_confidence_missing": float(self.classifier_confidence is None),
            "failed_checks": float(self.failed_checks),
            "risks": float(self.risks),
            "log_email_chars": math.log1p(self.email_chars),
            "log_draft_chars": math.log1p(self.draft_chars),
            "language_mismatch": float(self.language_mismatch),
            "has_customer": float(self.has_customer),
            "similarity": self.similarity,
        }
        for action, count in self.rule_actions:
            values[f"rule_action={action}"] = float(count)
        return values


def _similarity(
    reference: ReplyReference | None, category: str | None, body: str, exclude: int | None
) -> float:
    return 0.0 if reference is None else reference.similarity(category, body, exclude=exclude)


def _rule(hit: Any) -> str:
    return str(hit.get("rule", "")) if isinstance(hit, Mapping) else ""


def _action(hit: Any) -> str:
    return str(hit.get("action", "unknown")) if isinstance(hit, Mapping) else "unknown"


def _check_ok(check: Any) -> bool:
    return bool(check.get("ok", False)) if isinstance(check, Mapping) else False
