"""The inbox's reason kinds match the wording the pipeline writes (or the filter finds nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

import hatchway
from hatchway.store import Database
from hatchway.store.jobs import ClaimedJob, enqueue
from hatchway.store.models import InboundMessage, InboundSource
from hatchway.ui.inbox.reasons import REVIEW_REASON_KINDS, ReviewReasonKind
from hatchway.worker import Worker

PACKAGE = Path(hatchway.__file__).parent
# Where an f-string puts a value before the phrase, the source holds it after the brace.
WRITTEN_AS = {"failed": "} failed: "}


def _sources() -> str:
    return "\n".join(
        path.read_text()
        for path in PACKAGE.rglob("*.py")
        if path.name != "reasons.py" and "migrations" not in path.parts
    )


@pytest.mark.parametrize("kind", REVIEW_REASON_KINDS.values(), ids=lambda kind: kind.code)
def test_each_reason_kind_is_written_somewhere(kind: ReviewReasonKind) -> None:
    phrase = WRITTEN_AS.get(kind.code, kind.phrase)
    assert phrase in _sources(), f"no code writes {phrase!r}: update reasons.py with the wording"


def test_a_job_that_kept_failing_is_a_failed_step(database: Database) -> None:
    """The worker's reason (not only a graph node's) is found by the "failed" kind."""
    with database.session() as session:
        message = InboundMessage(source=InboundSource.FILE, raw=b"x", content_sha256="b" * 64)
        session.add(message)
        session.flush()
        enqueue(session, kind="triage", inbound_message_id=message.id).max_attempts = 1

    def broken(job: ClaimedJob) -> None:
        raise RuntimeError("provider down")

    assert Worker(database, {"triage": broken}).run_once()
    with database.session() as session:
        reason = session.get_one(InboundMessage, message.id).status_reason or ""
    assert REVIEW_REASON_KINDS["failed"].phrase in reason.lower(), reason
