"""Migrations are the only source of the schema, and they agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from hatchway.errors import DatabaseError
from hatchway.store import Database
from hatchway.store.migrate import current_revision, head_revision, require_current, upgrade
from hatchway.store.models import AuditEvent, Base


def test_models_and_migrations_agree(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_creates_every_model_table(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_twice_is_a_no_op(database: Database) -> None:
    upgrade(database)
    assert current_revision(database) == head_revision(database)


def test_downgrade_to_base_and_back(database: Database) -> None:
    from alembic import command

    from hatchway.store.migrate import alembic_config

    config = alembic_config(database)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    upgrade(database)
    assert current_revision(database) == head_revision(database)


def test_unmigrated_database_is_refused_with_the_fix(empty_database: Database) -> None:
    with pytest.raises(DatabaseError, match="hatchway db upgrade"):
        require_current(empty_database)


def test_audit_events_are_append_only(database: Database) -> None:
    with database.session() as session:
        session.add(AuditEvent(actor="system", action="test", subject_type="test"))
    for statement in ("UPDATE audit_events SET action = 'changed'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
            conn.execute(text(statement))
    with database.session() as session:
        assert session.query(AuditEvent).one().action == "test"
