"""Review decisions through the API, and an item's drafts, decisions and outbox state."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hatchway.store.models import AuditEvent, InboundMessage, Role, utcnow
from tests.api.conftest import ApiStack


def _decide(api: ApiStack, message_id: int, **decision: object) -> object:
    return api.post(f"/messages/{message_id}/decisions", json=decision)


def test_an_item_in_review_shows_its_draft_and_a_send_goes_to_the_outbox(
    review_api: ApiStack,
) -> None:
    message_id = review_api.review.add_message(1)
    item = review_api.get(f"/messages/{message_id}").json()
    assert item["status"] == "in_review" and item["decisions"] == [] and item["outbox"] == []
    assert len(item["drafts"]) == 1 and "NW-100231" in item["text_body"]
    draft = item["drafts"][0]
    response = _decide(review_api, message_id, action="send", reviewer="riley",
                       body=draft["body"] + "\nKind regards")  # fmt: skip
    assert response.status_code == 202, response.text
    assert response.json()["message_id"] == message_id and response.json()["action"] == "send"
    review_api.review.work()
    item = review_api.get(f"/messages/{message_id}").json()
    assert item["status"] == "approved"
    [decision] = item["decisions"]
    assert decision["action"] == "send" and decision["label"] == "edited"
    assert decision["reviewer_id"] == review_api.review.user_ids["riley"]
    [entry] = item["outbox"]
    assert entry["state"] == "held" and entry["approval"] == "human"


def test_reject_needs_a_reason_and_is_then_labelled(review_api: ApiStack) -> None:
    message_id = review_api.review.add_message(2)
    response = _decide(review_api, message_id, action="reject", reviewer="riley")
    assert response.status_code == 422 and response.json()["error"]["field"] == "reason"
    response = _decide(review_api, message_id, action="reject", reviewer="riley", reason="spam")
    assert response.status_code == 202
    with review_api.database.session() as session:  # the key that relayed it is on record
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "review.decision_via_api")
        )
        assert event.actor.startswith("api-key:crm-reviewer (") and event.subject_id == str(
            message_id
        )
        assert event.details["reviewer"] == "riley" and event.details["action"] == "reject"
    again = _decide(review_api, message_id, action="reject", reviewer="riley", reason="spam")
    assert again.status_code == 409 and again.json()["error"]["code"] == "review_refused"
    review_api.review.work()
    item = review_api.get(f"/messages/{message_id}").json()
    assert item["status"] == "rejected" and item["decisions"][0]["label"] == "rejected"
    late = _decide(review_api, message_id, action="send", reviewer="riley")
    assert late.status_code == 409
    assert "not waiting for review" in late.json()["error"]["message"]


def test_reviewer_and_assignee_must_be_active_users(review_api: ApiStack) -> None:
    message_id = review_api.review.add_message(3)
    response = _decide(review_api, message_id, action="send", reviewer="nobody")
    assert response.status_code == 422 and response.json()["error"]["field"] == "reviewer"
    response = _decide(review_api, message_id, action="reassign", reviewer="riley", assignee="x")
    assert response.status_code == 422 and response.json()["error"]["field"] == "assignee"
    response = _decide(review_api, message_id, action="escalate", reviewer="riley")
    assert response.status_code == 422 and response.json()["error"]["field"] == "escalate_to"
    response = _decide(review_api, message_id, action="reassign", reviewer="riley", assignee="sam")
    assert response.status_code == 202
    with review_api.database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        assert message.assignee_id == review_api.review.user_ids["sam"]


def test_an_item_open_with_another_reviewer_is_refused(review_api: ApiStack) -> None:
    message_id = review_api.review.add_message(4)
    with review_api.database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        message.claimed_by_id = review_api.review.user_ids["sam"]
        message.claimed_at, message.claimed_until = utcnow(), utcnow() + timedelta(minutes=5)
    response = _decide(review_api, message_id, action="send", reviewer="riley")
    assert response.status_code == 409 and response.json()["error"]["code"] == "held_by_another"
    assert _decide(review_api, message_id, action="send", reviewer="sam").status_code == 202


def test_decisions_on_unknown_items_are_404_and_bodies_are_validated(api: ApiStack) -> None:
    response = _decide(api, 999, action="send", reviewer="riley")
    assert response.status_code == 404
    response = _decide(api, 999, action="approve", reviewer="riley")
    assert response.status_code == 422 and response.json()["error"]["field"] == "action"
    response = api.post("/messages/999/decisions", role=Role.REVIEWER, json=[])
    assert response.status_code == 422
