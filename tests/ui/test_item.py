"""The item page (thread, safe mail, evidence, trace) and every decision through the UI."""

from __future__ import annotations

from markupsafe import escape
from sqlalchemy import select, update

from hatchway.store.models import Draft, InboundMessage, InboundStatus, OutboxEntry, OutboxState
from tests.ui.conftest import UiStack, csrf_of


def _message(stack: UiStack, message_id: int) -> InboundMessage:
    with stack.database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        return message


def test_item_shows_mail_safely_with_draft_evidence_and_trace(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1, html=True)
    with ui_stack.database.session() as session:
        session.execute(
            update(Draft).values(
                check_results=[{"check": "order_id", "claim": "NW-9", "ok": False,
                                "explanation": "order_id NW-9 is not backed by any fact"}],
                facts=[{"key": "order.NW-100231.status", "value": "shipped", "source": "crm"}],
            )
        )  # fmt: skip
    client = ui_stack.client("riley")
    page = client.get(f"/inbox/{item}").text
    assert f'<iframe sandbox src="/inbox/{item}/body"' in page
    assert 'class="fail"' in page and "NW-9 is not backed" in page
    assert "Order NW-100231" in page and "shipped" in page
    with ui_stack.database.session() as session:
        reasons = session.scalars(select(Draft.review_reasons)).one()
    assert "Why this needs you" in page and reasons
    assert all(str(escape(reason)) in page for reason in reasons)
    assert "openai:gpt-4.1-mini-2025-04-14" in page  # the classify node's pin in the trace
    assert "Hello Emma," in page  # the draft, in the editor
    body = client.get(f"/inbox/{item}/body")
    assert "default-src 'none'" in body.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in body.headers["content-security-policy"]
    assert "<a " not in body.text and "⟨https://evil.example/x⟩" in body.text
    assert "tracker.example" not in body.text
    text = client.get(f"/inbox/{item}?view=text").text
    assert "<iframe" not in text and "Hi, see https://evil.example/x" in text


def test_rule_hits_and_unbacked_claims_are_shown_in_plain_words(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    with ui_stack.database.session() as session:
        body = session.scalars(select(Draft.body)).one() + "\nYour order NW-9 ships today."
        start = body.index("NW-9")
        session.execute(
            update(Draft).values(
                body=body,
                rule_hits=[{"rule": "vip-customer", "action": "note", "actions": ["note"],
                            "explanation": "the customer is a gold-tier customer",
                            "note": "Offer free shipping on the replacement."}],
                check_results=[{"check": "order_id", "claim": "NW-9", "ok": False,
                                "explanation": "order NW-9 is not backed by any fact",
                                "expected": "NW-100231", "location": "body",
                                "start": start, "end": start + 4}],
            )
        )  # fmt: skip
    page = ui_stack.client("riley").get(f"/inbox/{item}").text
    assert "the customer is a gold-tier customer" in page  # visible, not only a tooltip
    assert "Note for you:</strong> Offer free shipping on the replacement." in page
    assert "(the facts say: NW-100231)" in page
    marked = '<mark class="claim-fail" title="order NW-9 is not backed by any fact">NW-9</mark>'
    assert marked in page
    assert "Your order " + marked + " ships today." in page


def test_the_thread_shows_earlier_messages_oldest_first(ui_stack: UiStack) -> None:
    earlier = ui_stack.add_message(1, subject="Where is my tent?")
    later = ui_stack.add_message(1, subject="Re: Where is my tent?")
    with ui_stack.database.session() as session:
        thread_id = session.get(InboundMessage, earlier).thread_id  # type: ignore[union-attr]
        session.execute(
            update(InboundMessage).where(InboundMessage.id == later).values(thread_id=thread_id)
        )
    page = ui_stack.client("riley").get(f"/inbox/{later}").text
    assert "1 other message" in page and f'href="/inbox/{earlier}"' in page


def test_edit_and_send_then_undo_then_send_again(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    client = ui_stack.client("riley")
    client.get(f"/inbox/{item}")
    token = csrf_of(client)
    form = {"csrf_token": token, "subject": "Re: your order", "body": "Edited by Riley"}
    sent = client.post(f"/inbox/{item}/send", data=form)
    assert sent.status_code == 303 and sent.headers["location"] == f"/inbox?did=send&done={item}"
    twice = client.post(f"/inbox/{item}/send", data=form)
    assert twice.status_code == 409 and "already being carried out" in twice.text
    ui_stack.work()
    status = client.get(f"/api/inbox/{item}/status").json()
    assert status["outbox_state"] == "held" and 0 < status["seconds_left"] <= 10
    assert client.post(f"/inbox/{item}/undo", data={"csrf_token": token}).status_code == 303
    ui_stack.work()
    assert _message(ui_stack, item).status == InboundStatus.IN_REVIEW
    client.get(f"/inbox/{item}")
    client.post(f"/inbox/{item}/send", data={**form, "body": "Second try"})
    ui_stack.work()
    with ui_stack.database.session() as session:
        entries = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
        assert [(e.state, e.body) for e in entries] == [
            (OutboxState.CANCELLED, "Edited by Riley"),
            (OutboxState.HELD, "Second try"),
        ]


def test_undo_after_the_hold_is_refused_clearly(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    client = ui_stack.client("riley")
    token = csrf_of(client)
    client.post(f"/inbox/{item}/send", data={"csrf_token": token, "body": "x"})
    ui_stack.work()
    with ui_stack.database.session() as session:
        session.execute(update(OutboxEntry).values(state=OutboxState.SENDING))
    late = client.post(f"/inbox/{item}/undo", data={"csrf_token": token})
    assert late.status_code == 409 and "Too late to undo" in late.text


def test_reject_needs_a_reason_and_is_recorded(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    client = ui_stack.client("riley")
    token = csrf_of(client)
    missing = client.post(f"/inbox/{item}/reject", data={"csrf_token": token})
    assert missing.status_code == 409 and "pick a reason" in missing.text
    data = {"csrf_token": token, "reason": "Spam or not a customer", "note": "bot"}
    assert client.post(f"/inbox/{item}/reject", data=data).status_code == 303
    ui_stack.work()
    message = _message(ui_stack, item)
    assert message.status == InboundStatus.REJECTED
    assert message.status_reason == "Spam or not a customer: bot"


def test_escalate_and_reassign_mark_the_item(ui_stack: UiStack) -> None:
    first, second = ui_stack.add_message(1), ui_stack.add_message(2)
    client = ui_stack.client("riley")
    token = csrf_of(client)
    bad = client.post(f"/inbox/{first}/escalate", data={"csrf_token": token, "role": "root"})
    assert bad.status_code == 409
    escalated = client.post(f"/inbox/{first}/escalate", data={"csrf_token": token, "role": "ops"})
    assert escalated.headers["location"] == f"/inbox/{second}?did=escalate&done={first}"
    sam = ui_stack.user_ids["sam"]
    client.post(f"/inbox/{second}/reassign", data={"csrf_token": token, "assignee_id": str(sam)})
    ui_stack.work()
    assert _message(ui_stack, first).assigned_role == "ops"
    assert _message(ui_stack, second).assignee_id == sam
    assert _message(ui_stack, first).status == InboundStatus.IN_REVIEW  # still waiting
    listed = ui_stack.client("sam").get("/inbox?assignee=mine").text
    assert f'class="subj" href="/inbox/{second}"' in listed


def test_sending_an_item_that_needs_ops_is_refused_for_a_reviewer(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    with ui_stack.database.session() as session:
        session.execute(update(Draft).values(rule_hits=[
            {"rule": "big-refund", "action": "require_role", "role": "ops",
             "explanation": "refund above 500 EUR"}]))  # fmt: skip
    client = ui_stack.client("riley")
    assert "sending needs ops" in client.get(f"/inbox/{item}").text
    refused = client.post(f"/inbox/{item}/send", data={"csrf_token": csrf_of(client), "body": "ok"})
    assert refused.status_code == 409 and "sending it needs the ops role" in refused.text


def test_unknown_item_is_404(ui_stack: UiStack) -> None:
    client = ui_stack.client("riley")
    assert client.get("/inbox/424242").status_code == 404
    missing = client.get("/api/inbox/424242/status")
    assert missing.json() == {"detail": "There is no message 424242."}
