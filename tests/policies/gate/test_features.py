"""GateInput: the same draft gives the same features from the graph state and from its row."""

from __future__ import annotations

from typing import Any

import pytest

from hatchway.policies.gate import ApprovedReply, DraftLike, GateInput, ReplyReference
from hatchway.store.models import Draft

EMAIL = "Hi, where is my order NW-100231? I ordered it last week and it has not arrived."
BODY = "Hello Jo,\n\nyour order NW-100231 left our warehouse today.\n\nNorthwind"
HITS = [
    {"rule": "unknown-sender", "action": "require_review", "explanation": "..."},
    {"rule": "refund-over-limit", "action": "require_review", "explanation": "..."},
    {"rule": "vip", "action": "flag", "explanation": "..."},
]
CHECKS = [{"check": "order_id", "claim": "NW-100231", "ok": True}, {"check": "amount", "ok": False}]


def state(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "classification": {"category": "order_status", "confidence": 0.91, "language": "en"},
        "customer": None,
        "rule_hits": HITS,
        "check_results": CHECKS,
        "draft": {"subject": "Re: order", "body": BODY, "risks": ["date is a guess"]},
    }
    return base | overrides


def row(**overrides: Any) -> Draft:
    fields: dict[str, Any] = {
        "id": 7,
        "inbound_message_id": 1,
        "category": "order_status",
        "subject": "Re: order",
        "body": BODY,
        "classifier_confidence": 0.91,
        "rule_hits": HITS,
        "check_results": CHECKS,
        "risks": ["date is a guess"],
    }
    return Draft(**(fields | overrides))


@pytest.fixture
def reference() -> ReplyReference:
    return ReplyReference.fit(
        [
            ApprovedReply(7, "order_status", BODY),
            ApprovedReply(8, "order_status", "Your refund was paid back to your card."),
            ApprovedReply(9, "refund", BODY),
        ]
    )


def test_counts_from_the_graph_state() -> None:
    gate_input = GateInput.from_state(state(), email_text=EMAIL, reference=None)
    assert gate_input.category == "order_status"
    assert gate_input.classifier_confidence == 0.91
    assert gate_input.rule_actions == (("flag", 1), ("require_review", 2))
    assert gate_input.failed_checks == 1
    assert gate_input.risks == 1
    assert (gate_input.email_chars, gate_input.draft_chars) == (len(EMAIL), len(BODY))
    assert not gate_input.language_mismatch
    assert not gate_input.has_customer
    assert gate_input.similarity == 0.0


def test_row_and_state_agree(reference: ReplyReference) -> None:
    draft: DraftLike = row(id=99)
    from_row = GateInput.from_draft(draft, email_text=EMAIL, reference=reference)
    from_state = GateInput.from_state(state(), email_text=EMAIL, reference=reference)
    assert from_row == from_state
    assert from_row.features() == from_state.features()


def test_customer_known_when_no_unknown_sender_hit() -> None:
    hits = [hit for hit in HITS if hit["rule"] != "unknown-sender"]
    from_row = GateInput.from_draft(row(rule_hits=hits), email_text=EMAIL, reference=None)
    from_state = GateInput.from_state(
        state(rule_hits=hits, customer={"name": "Jo"}), email_text=EMAIL, reference=None
    )
    assert from_row.has_customer and from_state.has_customer


def test_language_mismatch() -> None:
    german = "Hallo Jo, deine Bestellung ist heute bei uns raus und kommt am Freitag an."
    draft = state(draft={"subject": "Re", "body": german, "risks": []})
    assert GateInput.from_state(draft, email_text=EMAIL, reference=None).language_mismatch


def test_similarity_to_the_nearest_approved_reply(reference: ReplyReference) -> None:
    same = GateInput.from_draft(row(id=99), email_text=EMAIL, reference=reference)
    assert same.similarity == pytest.approx(1.0)
    # Training leaves the draft itself out of its own reference.
    itself = GateInput.from_draft(row(), email_text=EMAIL, reference=reference, exclude_self=True)
    assert 0.0 <= itself.similarity < 0.5
    other = GateInput.from_draft(row(category="complaint"), email_text=EMAIL, reference=reference)
    assert other.similarity == 0.0


def test_missing_values_are_explicit_features() -> None:
    empty = GateInput.from_state({}, email_text="", reference=None)
    features = empty.features()
    assert features["category=<none>"] == 1.0
    assert features["classifier_confidence_missing"] == 1.0
    assert features["log_email_chars"] == 0.0
    assert not empty.language_mismatch


def test_feature_names_are_stable() -> None:
    features = GateInput.from_state(state(), email_text=EMAIL, reference=None).features()
    assert sorted(features) == [
        "category=order_status",
        "classifier_confidence",
        "classifier_confidence_missing",
        "failed_checks",
        "has_customer",
        "language_mismatch",
        "log_draft_chars",
        "log_email_chars",
        "risks",
        "rule_action=flag",
        "rule_action=require_review",
        "similarity",
    ]
