"""A rule that escalates assigns the review item to a senior role and says which rule did it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver

from hatchway.graphs.runner import TriageRunner
from hatchway.intake import accept_raw_message
from hatchway.policies.rules import DEFAULT_RULES, Rule
from hatchway.store import Database
from hatchway.store.models import GraphRunStatus, InboundMessage, InboundSource, InboundStatus
from tests.graphs.conftest import CLASSIFICATION, answering, make_services

THREAT_MAIL = (
    b"From: Emma Hughes <emma@example.com>\r\nTo: support@shop.example\r\n"
    b"Subject: Final warning about NW-100231\r\nMessage-ID: <t1@example.com>\r\n\r\n"
    b"If NW-100231 is not refunded by Friday my solicitor will take you to court.\r\n"
)
LEGAL = {**CLASSIFICATION, "category": "legal_threat", "rationale": "threatens court"}
ADMIN_FOR_COURT = Rule(
    name="court-needs-admin",
    when={"text": {"matches": r"(?i)\bcourt\b"}},
    then={"require_role": "admin"},
    explain="Court mentioned: an admin must answer",
)


def _run(
    database: Database,
    checkpointer: BaseCheckpointSaver[Any],
    classification: dict[str, Any],
    rules: tuple[Rule, ...] = DEFAULT_RULES,
    assigned_role: str | None = None,
) -> InboundMessage:
    with database.session() as session:
        message = accept_raw_message(session, raw=THREAT_MAIL, source=InboundSource.FILE).message
        message.assigned_role = assigned_role
        message_id = message.id
    services = replace(make_services(database, classify=answering(classification)), rules=rules)
    runner = TriageRunner(services, checkpointer, owner="w")
    assert runner.start(message_id) == GraphRunStatus.INTERRUPTED
    with database.session() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.IN_REVIEW
        return message


def test_the_legal_threat_rule_assigns_the_item_to_ops(
    database: Database, checkpointer: BaseCheckpointSaver[Any]
) -> None:
    message = _run(database, checkpointer, LEGAL)
    assert message.assigned_role == "ops"
    assert "escalated to ops by rule legal-threat" in (message.status_reason or "")


def test_escalation_goes_to_the_highest_role_a_hit_requires(
    database: Database, checkpointer: BaseCheckpointSaver[Any]
) -> None:
    message = _run(database, checkpointer, LEGAL, rules=(*DEFAULT_RULES, ADMIN_FOR_COURT))
    assert message.assigned_role == "admin"
    assert "escalated to admin by rule legal-threat" in (message.status_reason or "")


def test_a_rule_without_escalate_assigns_no_role(
    database: Database, checkpointer: BaseCheckpointSaver[Any]
) -> None:
    no_escalation = tuple(rule for rule in DEFAULT_RULES if rule.name != "legal-threat")
    message = _run(database, checkpointer, LEGAL, rules=(*no_escalation, ADMIN_FOR_COURT))
    assert message.assigned_role is None
    assert "escalated" not in (message.status_reason or "")


@pytest.mark.parametrize(("before", "after"), [("admin", "admin"), ("reviewer", "ops")])
def test_escalation_raises_an_assigned_role_but_never_lowers_it(
    database: Database, checkpointer: BaseCheckpointSaver[Any], before: str, after: str
) -> None:
    message = _run(database, checkpointer, LEGAL, assigned_role=before)
    assert message.assigned_role == after
