"""The human escape hatch: review (a real interrupt), then dispatch, reject or reassign.

Sending happens only here, after the interrupt or after an auto route, in ``dispatch``,
and it is idempotent: approving a draft twice yields one outbox entry (invariant I3), and
a re-run after a crash records the decision once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from langgraph.types import interrupt
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz.distance import Levenshtein
from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.graphs.recording import NodeFunction, NodeRecord, NodeResult
from hatchway.graphs.services import TriageServices
from hatchway.graphs.state import TriageState
from hatchway.outbox import approve_draft
from hatchway.store.models import (
    Approval,
    DecisionAction,
    DecisionLabel,
    Draft,
    DraftAuthor,
    InboundMessage,
    InboundStatus,
    OutboxEntry,
    OutboxState,
    ReviewDecision,
    utcnow,
)
from hatchway.webhooks import EventType, item_payload, record_event

__all__ = ["ReviewerDecision", "make_dispatch", "make_reassign", "make_reject", "make_review"]


class ReviewerDecision(BaseModel):
    """What a reviewer decided; the value the review interrupt is resumed with."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["send", "reject", "escalate", "reassign"]
    reviewer_id: int
    subject: str | None = Field(default=None, max_length=998)
    body: str | None = None
    reason: str | None = Field(default=None, max_length=2000)
    assignee_id: int | None = None


def make_review(services: TriageServices) -> NodeFunction:
    """review: stop here until a person decides (LangGraph interrupt, durable across restarts)."""
    del services

    def review(state: TriageState) -> NodeResult:
        payload = {
            "message_id": state["message_id"],
            "draft_id": state.get("draft_id"),
            "reasons": state.get("review_reasons", []),
        }
        decision = ReviewerDecision.model_validate(interrupt(payload))
        record = NodeRecord(output_summary=f"{decision.action} by user {decision.reviewer_id}")
        return {"decision": decision.model_dump(mode="json")}, record

    return review


def decision_route(state: TriageState) -> str:
    """Where a reviewer's decision leads."""
    decision = state.get("decision") or {}
    return {"send": "dispatch", "reject": "reject"}.get(decision.get("action", ""), "reassign")


def make_dispatch(services: TriageServices) -> NodeFunction:
    """dispatch: put the approved reply in the outbox (hold window, then one send)."""

    def dispatch(state: TriageState) -> NodeResult:
        decision = _decision(state)
        with services.database.session() as session:
            draft = _draft_for(session, state, decision)
            if decision is None:
                approval, user, hold = Approval.AUTO, None, services.outbox.hold_auto_seconds
                subject, body = draft.subject, draft.body
            else:
                approval, user = Approval.HUMAN, decision.reviewer_id
                hold = services.outbox.hold_review_seconds
                subject, body = decision.subject or draft.subject, decision.body or draft.body
                _record_decision(session, state, draft, decision, subject, body, services)
            entry = approve_draft(
                session,
                draft=draft,
                approval=approval,
                from_address=services.from_address,
                hold=timedelta(seconds=hold),
                approved_by=user,
                subject=subject,
                body=body,
                model_pins=services.pin_snapshot() if approval == Approval.AUTO else None,
            )
            entry_id = entry.id
        summary = f"outbox entry {entry_id} ({approval.value}), hold {hold:.0f}s"
        return {"outbox_entry_id": entry_id, "outcome": "approved"}, NodeRecord(
            output_summary=summary
        )

    return dispatch


def make_reject(services: TriageServices) -> NodeFunction:
    """reject: no reply; the decision and its reason are the label the gate learns from."""

    def reject(state: TriageState) -> NodeResult:
        decision = _decision(state)
        assert decision is not None
        with services.database.session() as session:
            draft = _draft_for(session, state, decision)
            _record_decision(session, state, draft, decision, None, None, services)
            message = session.get(InboundMessage, state["message_id"])
            if message is not None and message.status != InboundStatus.REJECTED:
                message.status = InboundStatus.REJECTED
                message.status_reason = decision.reason or "rejected by a reviewer"
                record_event(
                    session,
                    type=EventType.REVIEW_REJECTED,
                    payload=item_payload(
                        session,
                        state["message_id"],
                        draft_id=draft.id,
                        reviewer_id=decision.reviewer_id,
                        reason=decision.reason,
                        rejected_at=utcnow(),
                    ),
                )
        return {"outcome": "rejected"}, NodeRecord(output_summary=decision.reason or "rejected")

    return reject


def make_reassign(services: TriageServices) -> NodeFunction:
    """reassign/escalate: note who should look next, and go back to waiting for review."""

    def reassign(state: TriageState) -> NodeResult:
        decision = _decision(state)
        if decision is not None:
            with services.database.session() as session:
                draft = _draft_for(session, state, decision)
                _record_decision(session, state, draft, decision, None, None, services)
        return {"decision": None}, NodeRecord(output_summary="back to the review inbox")

    return reassign


def _decision(state: TriageState) -> ReviewerDecision | None:
    raw = state.get("decision")
    return None if raw is None else ReviewerDecision.model_validate(raw)


def _draft_for(session: Session, state: TriageState, decision: ReviewerDecision | None) -> Draft:
    """The draft to decide on: the newest revision whose send was not undone.

    After an undo the cancelled revision stays as it was (with its outbox entry) and the
    next decision gets a new revision, so every approval has a draft of its own.
    """
    latest = session.scalar(
        select(Draft)
        .where(Draft.graph_run_id == state["graph_run_id"])
        .order_by(Draft.revision.desc())
        .limit(1)
    )
    if latest is not None and not _send_undone(session, latest):
        return latest
    draft = Draft(
        inbound_message_id=state["message_id"],
        graph_run_id=state["graph_run_id"],
        author=DraftAuthor.HUMAN,
        revision=1 if latest is None else latest.revision + 1,
        category=None if latest is None else latest.category,
        subject=(decision.subject if decision else None) or (latest.subject if latest else ""),
        body=(decision.body if decision else None) or (latest.body if latest else ""),
        review_reasons=state.get("review_reasons", []),
    )
    session.add(draft)
    session.flush()
    return draft


def _send_undone(session: Session, draft: Draft) -> bool:
    state = session.scalar(select(OutboxEntry.state).where(OutboxEntry.draft_id == draft.id))
    return state == OutboxState.CANCELLED


def _record_decision(
    session: Session,
    state: TriageState,
    draft: Draft,
    decision: ReviewerDecision,
    subject: str | None,
    body: str | None,
    services: TriageServices,
) -> None:
    action = DecisionAction(decision.action)
    already = session.scalar(
        select(ReviewDecision.id).where(
            ReviewDecision.draft_id == draft.id,
            ReviewDecision.action == action,
            ReviewDecision.reviewer_id == decision.reviewer_id,
            ReviewDecision.reason == decision.reason,
        )
    )
    if already is not None and action in (DecisionAction.SEND, DecisionAction.REJECT):
        return
    label, distance = _label(draft, action, subject, body, services.settings.trivial_edit)
    session.add(
        ReviewDecision(
            draft_id=draft.id,
            inbound_message_id=state["message_id"],
            reviewer_id=decision.reviewer_id,
            action=action,
            label=label,
            final_subject=subject,
            final_body=body,
            edit_distance=distance,
            reason=decision.reason,
        )
    )


def _label(
    draft: Draft, action: DecisionAction, subject: str | None, body: str | None, trivial: float
) -> tuple[DecisionLabel, float | None]:
    if action == DecisionAction.REJECT:
        return DecisionLabel.REJECTED, None
    if action != DecisionAction.SEND:
        return DecisionLabel.NONE, None
    if draft.author == DraftAuthor.HUMAN:
        return DecisionLabel.EDITED, 1.0
    before = f"{draft.subject}\n{draft.body}"
    after = f"{subject}\n{body}"
    distance = float(Levenshtein.normalized_distance(before, after))
    unchanged = distance <= trivial
    return (DecisionLabel.SENT_UNCHANGED if unchanged else DecisionLabel.EDITED), distance
