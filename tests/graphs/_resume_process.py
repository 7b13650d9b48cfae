"""Run as a separate process: resume a thread waiting at review, from the database URL alone.

``python -m tests.graphs._resume_process <database-url> <message-id> <decision-json>`` prints
``{"pid": ..., "status": ...}`` (status ``refused: ...`` when the thread is not waiting).
"""

from __future__ import annotations

import json
import os
import sys

import pydantic_ai.models

from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import DecisionRefused, TriageRunner
from hatchway.store import Database
from tests.graphs.conftest import make_services


def main(url: str, message_id: int, decision: ReviewerDecision) -> str:
    """Resume ``message_id`` with ``decision`` in this process; the run's status."""
    database = Database(url)
    try:
        with open_checkpointer(database) as saver:
            runner = TriageRunner(make_services(database), saver, owner=f"process-{os.getpid()}")
            try:
                return runner.resume(message_id, decision).value
            except DecisionRefused as refused:
                return f"refused: {refused.reason}"
    finally:
        database.dispose()


if __name__ == "__main__":
    pydantic_ai.models.ALLOW_MODEL_REQUESTS = False
    url, message, raw = sys.argv[1:4]
    status = main(url, int(message), ReviewerDecision.model_validate_json(raw))
    print(json.dumps({"pid": os.getpid(), "status": status}))
