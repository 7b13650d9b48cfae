"""Changing automation from the console: promote (refused and allowed), kill switches, audits."""

from __future__ import annotations

from sqlalchemy import select

from hatchway.store.models import (
    AUTO_SEND_KILL_SWITCH,
    AuditEvent,
    AuditSample,
    AuditVerdict,
    Category,
    CategoryMode,
    Flag,
    Route,
)
from tests.ui.ops.conftest import OpsStack, csrf
from tests.ui.ops.seed import add_audited_send, add_draft, add_mail, seed


def _category(stack: OpsStack, name: str = "order_status") -> Category:
    with stack.database.session() as session:
        category = session.scalar(select(Category).where(Category.name == name))
        assert category is not None
        session.expunge(category)
        return category


def _events(stack: OpsStack, *actions: str) -> list[AuditEvent]:
    with stack.database.session() as session:
        query = select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)
        events = list(session.scalars(query))
        session.expunge_all()
        return events


def test_promote_to_auto_without_evidence_is_refused_says_what_is_missing_changes_nothing(
    ops_stack: OpsStack,
) -> None:
    client = ops_stack.as_role("ops")
    data = {"to": "auto", "csrf_token": csrf(client)}
    response = client.post("/ops/categories/order_status/promote", data=data)
    assert response.status_code == 409
    html = response.text
    assert "Not promoted: order status stays in review mode" in html
    assert "<li>run it in shadow mode first (review → shadow → auto)</li>" in html
    assert "<li>no certification yet: run `hatchway gate certify` on reviewed drafts</li>" in html
    assert _category(ops_stack).mode == CategoryMode.REVIEW
    assert _events(ops_stack, "category.mode_auto", "category.mode_shadow") == []


def test_promote_to_shadow_works_and_is_audited_with_the_user(ops_stack: OpsStack) -> None:
    client = ops_stack.as_role("ops")
    data = {"to": "shadow", "csrf_token": csrf(client)}
    response = client.post("/ops/categories/order_status/promote", data=data)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/ops/categories/order_status?done=promoted-shadow&category=order_status"
    )
    assert "order_status is now in shadow mode" in client.get(response.headers["location"]).text
    assert _category(ops_stack).mode == CategoryMode.SHADOW
    [event] = _events(ops_stack, "category.mode_shadow")
    assert (event.actor, event.actor_user_id) == ("user:olive", ops_stack.user_ids["olive"])
    assert event.subject_id == "order_status"
    assert event.details == {"from": "review", "to": "shadow", "reason": "promoted"}
    # Now auto is refused for the evidence only, and the page says so.
    refused = client.post("/ops/categories/order_status/promote", data={**data, "to": "auto"}).text
    assert "shadow mode first" not in refused and "no certification yet" in refused


def test_demote_needs_a_reason_and_is_audited(ops_stack: OpsStack) -> None:
    client = ops_stack.as_role("admin")
    token = csrf(client)
    client.post("/ops/categories/refund/promote", data={"to": "shadow", "csrf_token": token})
    empty = client.post("/ops/categories/refund/demote", data={"reason": " ", "csrf_token": token})
    assert empty.status_code == 400 and "Say why it goes back to review" in empty.text
    assert _category(ops_stack, "refund").mode == CategoryMode.SHADOW
    done = client.post(
        "/ops/categories/refund/demote", data={"reason": "too many edits", "csrf_token": token}
    )
    assert done.status_code == 303 and _category(ops_stack, "refund").mode == CategoryMode.REVIEW
    [event] = _events(ops_stack, "category.mode_review")
    assert event.actor == "user:ada" and event.details["reason"] == "too many edits"


def test_unknown_category_is_a_404(ops_stack: OpsStack) -> None:
    client = ops_stack.as_role("ops")
    assert client.get("/ops/categories/nope").status_code == 404
    data = {"reason": "x", "enabled": "on", "csrf_token": csrf(client)}
    assert client.post("/ops/categories/nope/kill-switch", data=data).status_code == 404


def test_category_kill_switch_on_and_off_is_audited_and_shown(ops_stack: OpsStack) -> None:
    client = ops_stack.as_role("ops")
    token = csrf(client)
    url = "/ops/categories/order_status/kill-switch"
    assert client.post(url, data={"enabled": "on", "csrf_token": token}).status_code == 400
    on = client.post(url, data={"enabled": "on", "reason": "wrong dates", "csrf_token": token})
    assert on.status_code == 303 and _category(ops_stack).kill_switch is True
    page = client.get("/ops").text
    assert "Auto-sending is stopped for order_status." in page
    assert "wrong dates" in client.get("/ops/models").text
    off = client.post(url, data={"enabled": "off", "reason": "fixed", "csrf_token": token})
    assert off.status_code == 303 and _category(ops_stack).kill_switch is False
    events = _events(ops_stack, "kill_switch.on", "kill_switch.off")
    assert [(e.action, e.subject_id, e.actor, e.details["reason"]) for e in events] == [
        ("kill_switch.on", "order_status", "user:olive", "wrong dates"),
        ("kill_switch.off", "order_status", "user:olive", "fixed"),
    ]


def test_global_kill_switch_on_and_off_is_audited_and_prominent(ops_stack: OpsStack) -> None:
    client = ops_stack.as_role("admin")
    token = csrf(client)
    missing = client.post("/ops/kill-switch", data={"enabled": "on", "csrf_token": token})
    assert missing.headers["location"] == "/ops/models?error=reason"
    on = client.post(
        "/ops/kill-switch", data={"enabled": "on", "reason": "incident 42", "csrf_token": token}
    )
    assert on.status_code == 303
    with ops_stack.database.session() as session:
        flag = session.get(Flag, AUTO_SEND_KILL_SWITCH)
        assert flag is not None and flag.enabled and flag.reason == "incident 42"
    for page in ("/ops", "/ops/costs", "/ops/audit"):
        html = client.get(page).text
        assert "Global kill switch is ON" in html and "Reason: incident 42" in html, page
    client.post("/ops/kill-switch", data={"enabled": "off", "reason": "over", "csrf_token": token})
    assert "Global kill switch is ON" not in client.get("/ops").text
    events = _events(ops_stack, "kill_switch.on", "kill_switch.off")
    assert [(e.action, e.subject_id, e.actor) for e in events] == [
        ("kill_switch.on", "*", "user:ada"),
        ("kill_switch.off", "*", "user:ada"),
    ]


def test_audit_verdicts_are_recorded_and_a_demotion_shows_a_banner(ops_stack: OpsStack) -> None:
    seeded = seed(ops_stack.database, ops_stack.now)
    with ops_stack.database.session() as session:
        category = session.scalar(select(Category).where(Category.name == "order_status"))
        assert category is not None
        category.mode = CategoryMode.AUTO
        add_mail(session, seeded, "m8", at=ops_stack.now, category=None)
        add_draft(session, seeded, "m8", category="order_status", route=Route.AUTO,
                  at=ops_stack.now)  # fmt: skip
        add_audited_send(session, seeded, "m8", "order_status")
    first, second = seeded.samples
    client = ops_stack.as_role("ops")
    queue = client.get("/ops/audit").text
    assert "2 waiting" in queue and "Auto reply to m4: your parcel is on its way." in queue
    assert "Hello, this is mail m4." in queue  # the email beside the reply
    token = csrf(client)
    correct = client.post(
        f"/ops/audit/{first}/verdict", data={"verdict": "correct", "csrf_token": token}
    )
    assert correct.status_code == 303
    again = client.post(
        f"/ops/audit/{first}/verdict", data={"verdict": "changed", "csrf_token": token}
    )
    assert again.status_code == 409  # a verdict is final
    assert "Would be wrong" not in client.get("/ops").text
    assert 'data-banner="demotion"' not in client.get("/ops").text
    changed = client.post(
        f"/ops/audit/{second}/verdict",
        data={"verdict": "changed", "note": "wrong tracking link", "csrf_token": token},
    )
    assert changed.status_code == 303
    with ops_stack.database.session() as session:
        verdicts = dict(session.execute(select(AuditSample.id, AuditSample.verdict)).all())
        notes = dict(session.execute(select(AuditSample.id, AuditSample.note)).all())
    assert verdicts == {first: AuditVerdict.CORRECT, second: AuditVerdict.CHANGED}
    assert notes[second] == "wrong tracking link"
    [verdict] = [e for e in _events(ops_stack, "audit.verdict") if e.subject_id == str(second)]
    assert verdict.actor == "user:olive"
    # 1 wrong of 2 audited: the error is above 1% with 95% confidence, so the system demoted it.
    assert _category(ops_stack).mode == CategoryMode.REVIEW
    page = client.get("/ops").text
    assert 'data-banner="demotion"' in page
    assert "order_status was moved back to review automatically" in page
    assert "audited error 1/2 is above the target" in page
    decided = client.get("/ops/audit").text
    assert "0 waiting" in decided and "“wrong tracking link”" in decided
