"""Category modes, promotion on evidence only, demotion and kill switches, all audited."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from hatchway.agents.pins import parse_pin
from hatchway.policies.automation import (
    Actor,
    PromotionRefused,
    demote,
    promote,
    record_evidence,
    set_kill_switch,
)
from hatchway.policies.categories import ensure_categories
from hatchway.policies.lifecycle import apply_model_pins
from hatchway.store import Database
from hatchway.store.models import (
    AUTO_SEND_KILL_SWITCH,
    AuditEvent,
    Category,
    CategoryMode,
    Flag,
)
from hatchway.store.models import ModelPin as ModelPinRow  # beside agents.pins' ModelPin

OPS = Actor("olive", user_id=None)
PINS = {
    "classify": parse_pin("classify", "local:intent-tfidf@sha256:" + "a" * 64),
    "draft": parse_pin("draft", "local:template-drafter@1.0.0"),
}
GOOD = {"n": 900, "errors_above": 0, "upper_bound": 0.0033, "coverage": 0.6, "gate_version": "g1"}


@pytest.fixture
def ready(database: Database) -> Database:
    with database.session() as session:
        ensure_categories(session)
        apply_model_pins(session, PINS, actor="system")
    return database


def _mode(database: Database, name: str = "order_status") -> CategoryMode:
    with database.session() as session:
        return session.scalars(select(Category.mode).where(Category.name == name)).one()


def _promote(database: Database, to: CategoryMode, gate: str | None = "g1") -> None:
    with database.session() as session:
        promote(session, name="order_status", to=to, actor=OPS, gate_version=gate)


def _certify(database: Database, evidence: dict[str, Any], threshold: float = 0.9) -> None:
    with database.session() as session:
        record_evidence(
            session, names=["order_status"], evidence=evidence, threshold=threshold, actor=OPS
        )


def test_auto_without_evidence_is_refused_and_says_what_is_missing(ready: Database) -> None:
    _promote(ready, CategoryMode.SHADOW)
    with pytest.raises(PromotionRefused) as refused:
        _promote(ready, CategoryMode.AUTO)
    assert "no certification yet" in str(refused.value)
    assert _mode(ready) == CategoryMode.SHADOW


def test_auto_needs_shadow_first(ready: Database) -> None:
    _certify(ready, GOOD)
    with pytest.raises(PromotionRefused, match="shadow mode first"):
        _promote(ready, CategoryMode.AUTO)


def test_auto_on_current_evidence_is_allowed_and_audited(ready: Database) -> None:
    _certify(ready, GOOD)
    _promote(ready, CategoryMode.SHADOW)
    _promote(ready, CategoryMode.AUTO)
    assert _mode(ready) == CategoryMode.AUTO
    with ready.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "category.mode_auto")
        ).one()
    assert event.actor == "olive" and event.details["from"] == "shadow"


@pytest.mark.parametrize(
    ("evidence", "gate", "problem"),
    [
        ({**GOOD, "upper_bound": 0.02}, "g1", "above the target"),
        (GOOD, "g2", "another gate model"),
        (GOOD, None, "another gate model"),
    ],
)
def test_stale_or_weak_evidence_is_refused(
    ready: Database, evidence: dict[str, Any], gate: str | None, problem: str
) -> None:
    _certify(ready, evidence)
    _promote(ready, CategoryMode.SHADOW)
    with pytest.raises(PromotionRefused, match=problem):
        _promote(ready, CategoryMode.AUTO, gate=gate)


def test_a_pin_change_demotes_and_invalidates_the_evidence(ready: Database) -> None:
    _certify(ready, GOOD)
    _promote(ready, CategoryMode.SHADOW)
    _promote(ready, CategoryMode.AUTO)
    new_pins = {**PINS, "classify": parse_pin("classify", "local:intent-tfidf@sha256:" + "b" * 64)}
    with ready.session() as session:
        changes = apply_model_pins(session, new_pins, actor="system:worker")
    assert changes and _mode(ready) == CategoryMode.REVIEW
    _promote(ready, CategoryMode.SHADOW)
    with pytest.raises(PromotionRefused, match="other model pins"):
        _promote(ready, CategoryMode.AUTO)


def test_kill_switches_block_promotion_and_are_audited(ready: Database) -> None:
    _certify(ready, GOOD)
    _promote(ready, CategoryMode.SHADOW)
    with ready.session() as session:
        set_kill_switch(session, enabled=True, actor=OPS, reason="incident 42")
    with pytest.raises(PromotionRefused, match="kill switch"):
        _promote(ready, CategoryMode.AUTO)
    with ready.session() as session:
        assert session.get(Flag, AUTO_SEND_KILL_SWITCH).enabled  # type: ignore[union-attr]
        set_kill_switch(session, enabled=False, actor=OPS, reason="resolved")
        set_kill_switch(session, enabled=True, actor=OPS, reason="odd replies", name="order_status")
    with pytest.raises(PromotionRefused, match="kill switch"):
        _promote(ready, CategoryMode.AUTO)


def test_demote_is_audited_with_the_reason(ready: Database) -> None:
    _promote(ready, CategoryMode.SHADOW)
    with ready.session() as session:
        demote(session, name="order_status", actor=OPS, reason="audited error too high")
    assert _mode(ready) == CategoryMode.REVIEW
    with ready.session() as session:
        reasons = [e.details.get("reason") for e in session.scalars(select(AuditEvent))]
    assert "audited error too high" in reasons


def test_unknown_category_lists_the_known_ones(ready: Database) -> None:
    with ready.session() as session, pytest.raises(PromotionRefused, match="order_status"):
        promote(session, name="nope", to=CategoryMode.SHADOW, actor=OPS, gate_version="g1")


def test_cli_promote_refuses_without_evidence_and_lists_what_is_missing(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from hatchway.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HATCHWAY_DEV_MODE", "true")
    monkeypatch.setenv("HATCHWAY_DATABASE_URL", "sqlite:///h.db")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["users", "add", "rita", "--password", "pw-123456"]).exit_code == 0
    as_reviewer = runner.invoke(app, ["categories", "promote", "refund", "--user", "rita"])
    assert as_reviewer.exit_code == 2 and "needs ops or admin" in as_reviewer.output
    assert runner.invoke(app, ["categories", "promote", "refund", "--to", "shadow"]).exit_code == 0
    refused = runner.invoke(app, ["categories", "promote", "refund", "--to", "auto"])
    assert refused.exit_code == 1
    assert "no certification yet" in refused.output
    listed = runner.invoke(app, ["categories", "list"])
    assert "refund" in listed.output and "shadow" in listed.output
    killed = runner.invoke(app, ["categories", "kill", "--reason", "incident"])
    assert "STOPPED" in killed.output
    assert "GLOBAL KILL SWITCH ON" in runner.invoke(app, ["categories", "list"]).output


def test_workers_starting_together_store_the_pins_once(database: Database) -> None:
    """A second worker applying the same new pins while the first's transaction is open
    waits for it, then finds the pins stored: no duplicate row (which stopped the worker on
    PostgreSQL), one audit event per node."""
    with database.session() as session:
        ensure_categories(session)
    outcome: dict[str, object] = {}

    def second_worker() -> None:
        try:
            with database.session() as session:
                outcome["changes"] = apply_model_pins(session, PINS, actor="system:worker-b")
        except Exception as exc:  # reported below
            outcome["error"] = exc

    with database.session() as session:
        apply_model_pins(session, PINS, actor="system:worker-a")
        second = threading.Thread(target=second_worker)
        second.start()
        second.join(timeout=0.5)
        assert second.is_alive(), "the second worker should wait for the first's transaction"
    second.join(timeout=30)
    assert outcome == {"changes": []}
    with database.session() as session:
        stored = session.scalars(select(ModelPinRow.node)).all()
        actors = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "model_pin.changed")
        ).all()
    assert sorted(stored) == sorted(PINS)
    assert actors == ["system:worker-a"] * len(PINS)
