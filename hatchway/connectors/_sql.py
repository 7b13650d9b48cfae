"""Reading a shop's own database through a mapping of logical fields to its table/column names.

No reflection: each logical table is a small settings model naming the physical table and its
columns (``None`` for a column the database does not have). Queries are SQLAlchemy Core over
lightweight ``table()``/``column()`` clauses, so any name is quoted correctly and nothing is
read at start-up; each adapter builds its statements once, with bind parameters, and
:meth:`SqlSource.rows` runs them with values, on the DBAPI cursor (:mod:`hatchway.store.prepared`:
a lookup reads some eight row sets per email). SQLAlchemy errors become hatchway errors
here, in one place.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import (
    Connection,
    Engine,
    Select,
    TableClause,
    column,
    create_engine,
    make_url,
    select,
    table,
)
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from hatchway.connectors._values import MoneyUnit
from hatchway.errors import ConfigError, ProtocolError, TransientError
from hatchway.pool_ping import ping_when_idle
from hatchway.store.prepared import Prepared

__all__ = [
    "KeyType",
    "SqlSettingsBase",
    "SqlSource",
    "TableMap",
    "key_value",
    "tables_switched_off",
]

KeyType = Literal["integer", "text"]

# Messages that mean "the mapping names something the database does not have": a fix for the
# operator, not an outage. SQLite reports them as OperationalError, PostgreSQL as ProgrammingError.
_MAPPING_MISTAKES = ("no such table", "no such column", "does not exist")


class TableMap(BaseModel):
    """One logical table: ``table`` is its name in the shop database; every other key names the
    column holding that field ("" when the database has none)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _not_columns: ClassVar[frozenset[str]] = frozenset({"table", "key_type"})

    table: str = Field(min_length=1, description="the table's name in the shop database")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: object) -> object:
        # TOML has no null: "" marks a column the database does not have.
        return None if value == "" else value

    def columns(self) -> dict[str, str]:
        """Logical field → physical column, leaving out fields the database lacks (None)."""
        return {
            name: value
            for name, value in self
            if name not in self._not_columns and isinstance(value, str)
        }


class SqlSettingsBase(BaseModel):
    """Where the shop database is and how it stores money."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["sql"] = Field(default="sql", description="selects the SQL adapter")
    url: str = Field(min_length=1, description="SQLAlchemy URL, e.g. postgresql+psycopg://…")
    db_schema: str | None = Field(default=None, description="schema holding the tables")
    money: MoneyUnit = Field(default="cents", description="cents (36800) or units (368.00)")
    currency: str = Field(
        default="EUR", min_length=3, max_length=3, description="when no currency column exists"
    )


def tables_switched_off(data: object) -> object:
    """Before-validator for a tables model: ``name = false`` in TOML means "no such table"."""
    if isinstance(data, dict):
        return {name: (None if value is False else value) for name, value in data.items()}
    return data


def key_value(value: str, key_type: KeyType) -> int | str | None:
    """A string id as the key column stores it; None when it cannot be such a key."""
    if key_type == "text":
        return value
    try:
        return int(value)
    except ValueError:
        return None


class SqlSource:
    """An engine plus the mapping helpers; errors leave as hatchway errors."""

    def __init__(self, connector: str, engine: Engine, db_schema: str | None = None) -> None:
        self.connector = connector
        self.engine = engine
        self.db_schema = db_schema
        self._reading = threading.local()  # the connection of this thread's reading(), if any
        self._prepared: dict[Select[Any], Prepared] = {}  # each adapter statement, compiled once

    @classmethod
    def from_settings(cls, connector: str, settings: SqlSettingsBase) -> SqlSource:
        """Build the engine (no connection is made yet)."""
        try:
            engine = create_engine(settings.url)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise ConfigError(
                f"{connector}.url",
                f"is not a usable SQLAlchemy URL ({exc})",
                "write it like postgresql+psycopg://user@host/db or sqlite:///shop.db",
            ) from exc
        # A connection idle a while is pinged before use and replaced if the server dropped
        # it; one used moments ago is not (a ping per checkout was a round trip per query).
        ping_when_idle(engine)
        return cls(connector, engine, settings.db_schema)

    def table(self, mapping: TableMap) -> TableClause:
        """The lightweight table clause for ``mapping``."""
        names = mapping.columns().values()
        return table(mapping.table, *(column(name) for name in names), schema=self.db_schema)

    def select(self, mapping: TableMap) -> tuple[TableClause, Select[Any]]:
        """``SELECT`` every mapped column, labelled with its logical name."""
        clause = self.table(mapping)
        labelled = [clause.c[phys].label(logical) for logical, phys in mapping.columns().items()]
        return clause, select(*labelled)

    def rows(
        self, statement: Select[Any], params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run a read, binding ``params`` to its bind parameters; its rows as dicts keyed by
        logical names."""
        prepared = self._prepared.get(statement)
        if prepared is None:
            prepared = self._prepared.setdefault(statement, Prepared(statement))
        shared: Connection | None = getattr(self._reading, "connection", None)
        with self.errors():
            if shared is not None:
                return prepared.mappings(shared, params)
            with self.engine.connect() as connection:
                return prepared.mappings(connection, params)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Within: this thread's :meth:`rows` share one connection (one pool checkout and
        liveness ping for a record and its related rows, not one per query)."""
        if getattr(self._reading, "connection", None) is not None:
            yield  # nested: the outer reading's connection serves
            return
        with self.errors(), self.engine.connect() as connection:
            self._reading.connection = connection
            try:
                yield
            finally:
                self._reading.connection = None

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Map SQLAlchemy/DBAPI errors to TransientError or ProtocolError."""
        try:
            yield
        except DBAPIError as exc:
            url = self._display_url()  # rendered only for an error: most calls raise none
            text = str(exc.orig).lower()
            if any(mistake in text for mistake in _MAPPING_MISTAKES):
                raise ProtocolError(
                    self.connector,
                    f"{url}: {exc.orig} (check the table/column mapping in hatchway.toml)",
                ) from exc
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise TransientError(self.connector, f"{url}: {exc.orig}") from exc
            raise ProtocolError(self.connector, f"{url}: {exc.orig}") from exc

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()

    def _display_url(self) -> str:
        return make_url(self.engine.url).render_as_string(hide_password=True)
