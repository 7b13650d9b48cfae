"""Alembic environment: runs on the connection hatchway hands over (see store/migrate.py)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import create_engine

from hatchway.store.models import Base
from hatchway.store.models.base import UTCDateTime

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Migrate on the given connection, or on one made from sqlalchemy.url (alembic CLI)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as new_connection:
        _run(new_connection)
    engine.dispose()


def _render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Migrations must not import the models: UTCDateTime is written as a plain DateTime."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """LangGraph's checkpoint tables share the PostgreSQL database; they are not ours."""
    return not (type_ == "table" and name is not None and name.startswith("checkpoint"))


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
        render_item=_render_item,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `hatchway db upgrade`")
run_migrations_online()
