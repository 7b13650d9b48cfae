"""Reading labelled examples from a real store (SQLite and PostgreSQL), and the split."""

from __future__ import annotations

from datetime import timedelta

from hatchway.policies.gate import is_held_out, load_reviewed_drafts, split_examples
from hatchway.store import Database
from hatchway.store.models import (
    DecisionAction,
    DecisionLabel,
    Draft,
    DraftAuthor,
    InboundMessage,
    InboundSource,
    ReviewDecision,
    utcnow,
)

TRIVIAL = 0.02


def add_draft(
    database: Database,
    decisions: list[tuple[DecisionAction, DecisionLabel, float | None]],
    *,
    category: str = "order_status",
    author: DraftAuthor = DraftAuthor.AGENT,
) -> int:
    """One inbound email, its draft and the reviewer's decisions on it, oldest first."""
    with database.session() as session:
        message = InboundMessage(
            source=InboundSource.FILE,
            raw=b"Subject: where is my order?\r\n\r\nWhere is my order?\r\n",
            content_sha256="0" * 64,
            text_body="Where is my order?",
        )
        session.add(message)
        session.flush()
        draft = Draft(
            inbound_message_id=message.id,
            author=author,
            category=category,
            subject="Re: where is my order?",
            body="It left our warehouse today.",
            classifier_confidence=0.9,
            rule_hits=[{"rule": "vip", "action": "flag"}],
            check_results=[{"check": "order_id", "ok": False}],
            risks=["date is a guess"],
        )
        session.add(draft)
        session.flush()
        start = utcnow()
        for minutes, (action, label, distance) in enumerate(decisions):
            session.add(
                ReviewDecision(
                    draft_id=draft.id,
                    inbound_message_id=message.id,
                    action=action,
                    label=label,
                    edit_distance=distance,
                    decided_at=start + timedelta(minutes=minutes),
                )
            )
        return draft.id


SEND, REJECT, ESCALATE = DecisionAction.SEND, DecisionAction.REJECT, DecisionAction.ESCALATE
UNCHANGED, EDITED = DecisionLabel.SENT_UNCHANGED, DecisionLabel.EDITED


def test_labels_from_review_decisions(database: Database) -> None:
    unchanged = add_draft(database, [(SEND, UNCHANGED, 0.0)])
    trivial = add_draft(database, [(SEND, EDITED, 0.015)])
    edited = add_draft(database, [(SEND, EDITED, 0.3)])
    rejected = add_draft(database, [(REJECT, DecisionLabel.REJECTED, None)])
    escalated_only = add_draft(database, [(ESCALATE, DecisionLabel.NONE, None)])
    escalated_then_sent = add_draft(
        database, [(ESCALATE, DecisionLabel.NONE, None), (SEND, UNCHANGED, 0.0)]
    )
    human = add_draft(database, [(SEND, EDITED, 1.0)], author=DraftAuthor.HUMAN)
    with database.session() as session:
        examples = load_reviewed_drafts(session, trivial_edit=TRIVIAL)
    labels = {example.id: example.unchanged for example in examples}
    assert labels == {
        unchanged: True,
        trivial: True,
        edited: False,
        rejected: False,
        escalated_then_sent: True,
    }
    assert escalated_only not in labels and human not in labels
    first = examples[0]
    assert first.email_text == "Where is my order?"
    assert first.rule_hits == [{"rule": "vip", "action": "flag"}]
    assert first.risks == ["date is a guess"] and first.classifier_confidence == 0.9


def test_stored_distance_is_relabelled_with_todays_threshold(database: Database) -> None:
    draft_id = add_draft(database, [(SEND, UNCHANGED, 0.015)])
    with database.session() as session:
        (strict,) = load_reviewed_drafts(session, trivial_edit=0.01)
        (lenient,) = load_reviewed_drafts(session, trivial_edit=0.02)
    assert strict.id == lenient.id == draft_id
    assert strict.changed and lenient.unchanged


def test_latest_verdict_wins(database: Database) -> None:
    add_draft(database, [(REJECT, DecisionLabel.REJECTED, None), (SEND, UNCHANGED, 0.0)])
    with database.session() as session:
        (example,) = load_reviewed_drafts(session, trivial_edit=TRIVIAL)
    assert example.unchanged


def test_a_group_of_categories(database: Database) -> None:
    add_draft(database, [(SEND, UNCHANGED, 0.0)], category="order_status")
    add_draft(database, [(SEND, UNCHANGED, 0.0)], category="refund")
    add_draft(database, [(SEND, UNCHANGED, 0.0)], category="complaint")
    with database.session() as session:
        group = load_reviewed_drafts(
            session, trivial_edit=TRIVIAL, categories={"order_status", "refund"}
        )
    assert sorted(example.category or "" for example in group) == ["order_status", "refund"]


def test_split_is_deterministic_and_stable_under_growth(database: Database) -> None:
    for _ in range(40):
        add_draft(database, [(SEND, UNCHANGED, 0.0)])
    with database.session() as session:
        examples = load_reviewed_drafts(session, trivial_edit=TRIVIAL)
    split = split_examples(examples, fraction=0.4, salt="s")
    smaller = split_examples(examples[:20], fraction=0.4, salt="s")
    assert {e.id for e in smaller.held_out} <= {e.id for e in split.held_out}
    assert len(split.train) + len(split.held_out) == 40
    assert 0 < len(split.held_out) < 40
    assert all(is_held_out(e.id, fraction=0.4, salt="s") for e in split.held_out)


def test_split_fraction_is_respected_on_many_ids() -> None:
    held = sum(is_held_out(draft_id, fraction=0.4, salt="s") for draft_id in range(1, 20001))
    assert abs(held / 20000 - 0.4) < 0.015
