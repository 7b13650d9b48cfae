"""`hatchway db copy`: a SQLite installation moved into PostgreSQL, waiting reviews included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from hatchway.accounts import create_or_reset_user
from hatchway.cli import app
from hatchway.errors import DatabaseError
from hatchway.graphs.checkpoint import open_checkpointer
from hatchway.graphs.nodes.review import ReviewerDecision
from hatchway.graphs.runner import TriageRunner
from hatchway.intake import accept_raw_message
from hatchway.policies.categories import ensure_categories
from hatchway.review import REVIEW_DECISION_JOB, submit_decision
from hatchway.store import Database
from hatchway.store.copy import CopyReport, copy_database
from hatchway.store.jobs import claim_job, finish_job
from hatchway.store.migrate import upgrade
from hatchway.store.models import Base, InboundSource, Job, OutboxEntry, OutboxState, Role, utcnow
from tests.graphs.conftest import CUSTOMER_MAIL, make_services

pytestmark = pytest.mark.postgres


def _mail(number: int) -> bytes:
    return CUSTOMER_MAIL.replace(b"<g1@example.com>", f"<g{number}@example.com>".encode())


def _migrated(url: str) -> Database:
    database = Database(url)
    upgrade(database)
    with database.session() as session:  # what `hatchway db upgrade` adds
        ensure_categories(session)
    return database


def _decide(database: Database, runner: TriageRunner, message_id: int, reviewer: int) -> None:
    """Submit a send decision and carry it out the way a worker's handler does."""
    decision = ReviewerDecision(action="send", reviewer_id=reviewer, body=f"Reply {message_id}")
    submit_decision(database, message_id=message_id, decision=decision, now=utcnow())
    job = claim_job(database, owner="w", kinds={REVIEW_DECISION_JOB}, lease=timedelta(minutes=1))
    assert job is not None and job.inbound_message_id == message_id
    runner.resume(message_id, ReviewerDecision.model_validate(job.payload))
    with database.session() as session:
        finish_job(session, job)


class Installation:
    """A SQLite installation in use: one reply sent by a reviewer, one waiting for review."""

    def __init__(self, url: str) -> None:
        self.database = _migrated(url)
        with self.database.session() as session:
            self.reviewer = create_or_reset_user(
                session, username="rita", password="pw-123456", role=Role.REVIEWER
            ).id
            self.answered, self.waiting = (
                accept_raw_message(session, raw=_mail(n), source=InboundSource.FILE).message.id
                for n in (1, 2)
            )
        with open_checkpointer(self.database) as saver:
            runner = TriageRunner(make_services(self.database), saver, owner="sqlite-worker")
            runner.start(self.answered)
            runner.start(self.waiting)
            _decide(self.database, runner, self.answered, self.reviewer)
            assert runner.waiting_for_review(self.waiting)


@pytest.fixture
def installation(sqlite_url: str) -> Iterator[Installation]:
    made = Installation(sqlite_url)
    yield made
    made.database.dispose()


@pytest.fixture
def target(postgres_url: str) -> Iterator[Database]:
    database = _migrated(postgres_url)
    yield database
    database.dispose()


def _rows(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    with database.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def test_every_row_arrives_unchanged(installation: Installation, target: Database) -> None:
    report = copy_database(installation.database, target, chunk_size=2)
    source_rows, target_rows = _rows(installation.database), _rows(target)
    assert target_rows == source_rows
    for name in ("users", "categories", "inbound_messages", "drafts", "node_runs", "jobs"):
        assert source_rows[name], f"the installation should have {name} rows"
    assert report.rows == {name: len(rows) for name, rows in source_rows.items()}
    assert report.checkpoints > 0 and report.checkpoint_writes > 0


def test_checkpoints_arrive_with_their_pending_writes(
    installation: Installation, target: Database
) -> None:
    copy_database(installation.database, target)
    with open_checkpointer(installation.database) as old, open_checkpointer(target) as new:
        originals = list(old.list(None))
        assert {item.config["configurable"]["thread_id"] for item in originals} == {
            str(installation.answered),
            str(installation.waiting),
        }
        for original in originals:
            copied = new.get_tuple(original.config)
            assert copied is not None
            assert copied.checkpoint["channel_values"] == original.checkpoint["channel_values"]
            assert copied.checkpoint["channel_versions"] == original.checkpoint["channel_versions"]
            assert copied.metadata == original.metadata
            assert copied.parent_config == original.parent_config
            assert sorted(map(repr, copied.pending_writes or [])) == sorted(
                map(repr, original.pending_writes or [])
            )


def test_a_failed_copy_leaves_the_target_empty(
    installation: Installation, target: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> tuple[int, int]:
        raise RuntimeError("checkpoint store unreachable")

    monkeypatch.setattr("hatchway.store.copy._copy_checkpoints", broken)
    seeded = _rows(target)
    with pytest.raises(RuntimeError, match="unreachable"):
        copy_database(installation.database, target)
    assert _rows(target) == seeded
    monkeypatch.undo()
    copy_database(installation.database, target)  # and the copy can simply be run again
    assert _rows(target) == _rows(installation.database)


def test_a_waiting_review_resumes_on_postgresql(
    installation: Installation, target: Database
) -> None:
    copy_database(installation.database, target)
    with target.session() as session:
        copied_max_job = session.scalar(select(func.max(Job.id)))
    with open_checkpointer(target) as saver:
        runner = TriageRunner(make_services(target), saver, owner="postgres-worker")
        assert runner.waiting_for_review(installation.waiting)
        assert not runner.waiting_for_review(installation.answered)
        _decide(target, runner, installation.waiting, installation.reviewer)
    with target.session() as session:
        entries = session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)).all()
        new_jobs = session.scalars(select(Job.id).where(Job.id > (copied_max_job or 0))).all()
    assert [(e.inbound_message_id, e.state) for e in entries] == [
        (installation.answered, OutboxState.HELD),
        (installation.waiting, OutboxState.HELD),
    ]
    assert entries[1].body == f"Reply {installation.waiting}"
    assert new_jobs, "sequences continue after the copied ids"


def test_a_non_empty_target_is_refused(installation: Installation, target: Database) -> None:
    copy_database(installation.database, target)
    before = _rows(target)
    with pytest.raises(DatabaseError, match=r"is not empty \(\w+ has \d+ rows\)"):
        copy_database(installation.database, target)
    assert _rows(target) == before


def test_wrong_kinds_and_unmigrated_targets_are_refused(
    installation: Installation, postgres_url: str
) -> None:
    unmigrated = Database(postgres_url)
    with pytest.raises(DatabaseError, match="has no schema yet"):
        copy_database(installation.database, unmigrated)
    with pytest.raises(DatabaseError, match="is not a SQLite database"):
        copy_database(unmigrated, installation.database)
    with pytest.raises(DatabaseError, match="is not a PostgreSQL database"):
        copy_database(installation.database, installation.database)
    unmigrated.dispose()


def test_db_copy_command(
    installation: Installation,
    target: Database,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HATCHWAY_DEV_MODE", "true")
    monkeypatch.setenv("HATCHWAY_DATABASE_URL", str(installation.database.url))
    monkeypatch.delenv("HATCHWAY_CONFIG", raising=False)
    result = CliRunner().invoke(app, ["db", "copy", "--to", postgres_url])
    assert result.exit_code == 0, result.output
    report = CopyReport(rows={name: len(rows) for name, rows in _rows(target).items()})
    assert f"copied {sum(report.rows.values())} rows in {len(report.rows)} tables" in result.output
    assert "inbound_messages: 2" in result.output


def test_public_surface() -> None:
    import hatchway.store.copy

    assert hatchway.store.copy.__all__ == ["DEFAULT_CHUNK_SIZE", "CopyReport", "copy_database"]
