"""Schema changes go through Alembic only: upgrade, show the revision, refuse stale schemas."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError

from hatchway.errors import DatabaseError
from hatchway.store.database import Database

__all__ = ["alembic_config", "current_revision", "head_revision", "require_current", "upgrade"]

SCRIPT_LOCATION = "hatchway.store:migrations"


def alembic_config(database: Database) -> Config:
    """An Alembic Config pointing at the packaged migrations and this database."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option(
        "sqlalchemy.url", database.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest)."""
    config = alembic_config(database)
    try:
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except (OperationalError, SADatabaseError) as exc:
        database.check()  # a connection problem gets its own, clearer error
        raise DatabaseError(
            database.display_url, f"migration failed ({exc.orig})", "see the log"
        ) from exc


def head_revision(database: Database) -> str | None:
    """The newest revision the installed code knows."""
    return ScriptDirectory.from_config(alembic_config(database)).get_current_head()


def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    database.check()
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(database: Database) -> None:
    """Refuse to run on a schema that is missing or older than the code."""
    current, head = current_revision(database), head_revision(database)
    if current != head:
        state = "has no schema yet" if current is None else f"is at {current}, code needs {head}"
        raise DatabaseError(database.display_url, state, "run `hatchway db upgrade`")
