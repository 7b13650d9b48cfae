"""Categories: mode, threshold and evidence; promotion on evidence only; audit by API key."""

from __future__ import annotations

from sqlalchemy import select

from hatchway.policies.automation import Actor, record_evidence
from hatchway.policies.gate_state import GATE_NODE
from hatchway.store.models import AuditEvent, Category, CategoryMode, ModelPin, Role
from tests.api.conftest import ApiStack


def _mode(api: ApiStack, name: str) -> CategoryMode:
    with api.database.session() as session:
        category = session.scalar(select(Category).where(Category.name == name))
        assert category is not None
        return category.mode


def _events(api: ApiStack) -> list[AuditEvent]:
    with api.database.session() as session:
        query = select(AuditEvent).where(AuditEvent.action.like("category.mode_%"))
        return list(session.scalars(query.order_by(AuditEvent.id)))


def _certify(api: ApiStack, name: str, upper_bound: float) -> None:
    with api.database.session() as session:
        session.add(ModelPin(node=GATE_NODE, spec="gate@v7", provider="local", model="gate",
                             version="v7"))  # fmt: skip
        session.flush()
        evidence = {"upper_bound": upper_bound, "n": 900, "errors": 1, "gate_version": "gate@v7"}
        record_evidence(session, names=[name], evidence=evidence, threshold=0.83, actor=Actor("t"))


def test_categories_list_their_mode_threshold_and_evidence(api: ApiStack) -> None:
    _certify(api, "order_status", 0.004)
    categories = {item["name"]: item for item in api.get("/categories").json()}
    with api.database.session() as session:
        assert set(categories) == set(session.scalars(select(Category.name)))
    order = categories["order_status"]
    assert order["mode"] == "review" and order["threshold"] == 0.83
    assert order["evidence"]["upper_bound"] == 0.004 and order["evidence"]["n"] == 900
    assert order["auto_blockers"] == []
    other = next(item for name, item in categories.items() if name != "order_status")
    assert other["evidence"] is None and other["auto_blockers"][0].startswith("no certification")
    assert api.get("/categories/order_status").json() == order
    missing = api.get("/categories/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_ops_promote_through_shadow_to_auto_on_evidence_audited_by_key(api: ApiStack) -> None:
    _certify(api, "order_status", 0.004)
    early = api.post("/categories/order_status/promote", Role.OPS, json={"to": "auto"})
    assert early.status_code == 409 and "shadow mode first" in early.json()["error"]["message"]
    shadow = api.post("/categories/order_status/promote", Role.OPS, json={"to": "shadow"})
    assert shadow.status_code == 200 and shadow.json()["mode"] == "shadow"
    auto = api.post("/categories/order_status/promote", Role.ADMIN, json={"to": "auto"})
    assert auto.status_code == 200, auto.text
    assert _mode(api, "order_status") == CategoryMode.AUTO
    events = _events(api)
    assert [event.action for event in events] == ["category.mode_shadow", "category.mode_auto"]
    ops_prefix = api.tokens[Role.OPS].split("_")[1]
    assert events[0].actor == f"api-key:crm-ops ({ops_prefix})"
    assert events[0].actor_user_id is None and events[0].subject_id == "order_status"
    assert events[1].actor.startswith("api-key:crm-admin")


def test_promotion_without_evidence_is_refused_with_the_reasons(api: ApiStack) -> None:
    api.post("/categories/order_status/promote", Role.OPS, json={"to": "shadow"})
    response = api.post("/categories/order_status/promote", Role.OPS, json={"to": "auto"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "promotion_refused" and error["field"] == "to"
    assert "no certification yet" in error["message"]
    assert _mode(api, "order_status") == CategoryMode.SHADOW
    assert [event.action for event in _events(api)] == ["category.mode_shadow"]


def test_weak_evidence_is_refused_too(api: ApiStack) -> None:
    _certify(api, "order_status", 0.05)
    api.post("/categories/order_status/promote", Role.OPS, json={"to": "shadow"})
    response = api.post("/categories/order_status/promote", Role.OPS, json={"to": "auto"})
    assert response.status_code == 409 and "above the target" in response.json()["error"]["message"]


def test_demote_needs_a_reason_and_is_audited(api: ApiStack) -> None:
    api.post("/categories/order_status/promote", Role.OPS, json={"to": "shadow"})
    blank = api.post("/categories/order_status/demote", Role.OPS, json={"reason": "  "})
    assert blank.status_code == 422 and blank.json()["error"]["field"] == "reason"
    response = api.post("/categories/order_status/demote", Role.OPS, json={"reason": "odd drafts"})
    assert response.status_code == 200 and response.json()["mode"] == "review"
    event = _events(api)[-1]
    assert event.action == "category.mode_review" and event.details["reason"] == "odd drafts"
    assert event.actor.startswith("api-key:crm-ops")


def test_changes_to_unknown_categories_are_404_and_bodies_validated(api: ApiStack) -> None:
    response = api.post("/categories/nope/promote", Role.OPS, json={"to": "shadow"})
    assert response.status_code == 404
    response = api.post("/categories/order_status/promote", Role.OPS, json={"to": "review"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "to"
    assert api.post("/categories/nope/demote", Role.OPS, json={"reason": "x"}).status_code == 404
