"""Quarantine: reason and escaped raw source; Retry parses again; Dismiss hides (ops)."""

from __future__ import annotations

from sqlalchemy import select, update

from hatchway.intake import TRIAGE_JOB, accept_raw_message
from hatchway.store.models import AuditEvent, InboundMessage, InboundSource, InboundStatus, Job
from tests.ui.conftest import UiStack, csrf_of, customer_mail

BROKEN = b"Subject: <script>alert(1)</script>\r\n\r\nno sender\r\n"


def _quarantined(stack: UiStack) -> int:
    with stack.database.session() as session:
        return accept_raw_message(session, raw=BROKEN, source=InboundSource.FILE).message.id


def test_list_and_raw_source_are_escaped(ui_stack: UiStack) -> None:
    message_id = _quarantined(ui_stack)
    client = ui_stack.client("riley")
    assert f'href="/quarantine/{message_id}"' in client.get("/quarantine").text
    page = client.get(f"/quarantine/{message_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "Dismiss" not in page  # reviewers cannot dismiss


def test_retry_that_still_fails_and_one_that_parses(ui_stack: UiStack) -> None:
    message_id = _quarantined(ui_stack)
    client = ui_stack.client("riley")
    token = csrf_of(client)
    again = client.post(f"/quarantine/{message_id}/retry", data={"csrf_token": token})
    assert again.headers["location"].endswith("retry=still-quarantined")
    with ui_stack.database.session() as session:  # as if the parser had been fixed
        session.execute(update(InboundMessage).values(raw=customer_mail(9)))
    parsed = client.post(f"/quarantine/{message_id}/retry", data={"csrf_token": token})
    assert parsed.headers["location"].endswith("retry=parsed")
    with ui_stack.database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.RECEIVED
        assert message.from_address == "customer9@example.com" and message.thread_id
        assert session.scalars(select(Job).where(Job.kind == TRIAGE_JOB)).all()
        actions = session.scalars(select(AuditEvent.action)).all()
        assert actions.count("quarantine.retried") == 2


def test_dismiss_hides_but_keeps(ui_stack: UiStack) -> None:
    message_id = _quarantined(ui_stack)
    ops = ui_stack.client("olive")
    done = ops.post(f"/quarantine/{message_id}/dismiss", data={"csrf_token": csrf_of(ops)})
    assert done.status_code == 303
    assert f'href="/quarantine/{message_id}"' not in ops.get("/quarantine").text
    with ui_stack.database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.QUARANTINED
        assert message.dismissed_at is not None
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "quarantine.dismissed")
        ).one()
        assert event.actor == "olive"


def test_retry_refuses_messages_that_are_not_quarantined(ui_stack: UiStack) -> None:
    item = ui_stack.add_message(1)
    client = ui_stack.client("riley")
    response = client.post(f"/quarantine/{item}/retry", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 409
