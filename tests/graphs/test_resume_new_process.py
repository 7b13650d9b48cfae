"""run → interrupt → a new OS process → resume, on SQLite and PostgreSQL (invariant I4's
escape hatch survives a restart): the second process knows only the database URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import TriageRunner, thread_config
from hatchway.store import Database
from hatchway.store.models import (
    Approval,
    DecisionLabel,
    GraphRun,
    GraphRunStatus,
    InboundMessage,
    InboundStatus,
    NodeRun,
    OutboxEntry,
    ReviewDecision,
)

REPO = Path(__file__).resolve().parents[2]
EDITED = "Hello Emma,\n\nyour parcel is with DHL and arrives on Tuesday.\n\nNorthwind"


def _resume_elsewhere(database: Database, message_id: int, decision: ReviewerDecision) -> Any:
    url = database.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "tests.graphs._resume_process", url, str(message_id),
         decision.model_dump_json()],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_decision_resumes_the_thread_in_a_new_process(
    database: Database, runner: TriageRunner, message_id: int, reviewer_id: int
) -> None:
    assert runner.start(message_id) == GraphRunStatus.INTERRUPTED
    decision = ReviewerDecision(action="send", reviewer_id=reviewer_id, body=EDITED)
    result = _resume_elsewhere(database, message_id, decision)
    assert result["pid"] != os.getpid()
    assert result["status"] == GraphRunStatus.COMPLETED.value
    with database.session() as session:
        entry = session.scalars(select(OutboxEntry)).one()
        assert (entry.approval, entry.approved_by, entry.body) == (
            Approval.HUMAN,
            reviewer_id,
            EDITED,
        )
        assert session.scalars(select(ReviewDecision)).one().label == DecisionLabel.EDITED
        assert session.scalars(select(GraphRun)).one().status == GraphRunStatus.COMPLETED
        nodes = [run.node for run in session.scalars(select(NodeRun).order_by(NodeRun.id))]
        message = session.get(InboundMessage, message_id)
        assert message is not None and message.status == InboundStatus.APPROVED
    assert nodes[-2:] == ["review", "dispatch"] and nodes.count("classify") == 1
    # This process's graph sees the other process's checkpoint: the thread has ended.
    assert runner.graph.get_state(thread_config(message_id)).next == ()
    again = _resume_elsewhere(database, message_id, decision)
    assert again["status"].startswith("refused: it is not waiting")
    with database.session() as session:
        assert len(session.scalars(select(OutboxEntry)).all()) == 1
