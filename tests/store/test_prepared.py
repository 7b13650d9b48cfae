"""Prepared statements give what ``connection.execute`` gives: the same values, typed the same
way (UTC datetimes, enums, JSON, decimals), the same Python defaults, the same errors, and
the statement events, on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Enum,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from hatchway.store import Database
from hatchway.store.models import ModelPin
from hatchway.store.models.base import UTCDateTime
from hatchway.store.prepared import Prepared
from hatchway.store.tables import MODEL_PINS

METADATA = MetaData()
WHEN = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


def _stamp() -> datetime:
    return WHEN + timedelta(days=1)


ITEMS = Table(
    "prepared_items",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), unique=True, nullable=False),
    Column("colour", Enum(Colour, native_enum=False, length=16), default=Colour.RED),
    Column("tags", JSON, default=list),
    Column("price", Numeric(10, 2)),
    Column("active", Boolean, default=True),
    Column("seen_at", UTCDateTime()),
    Column("created_at", UTCDateTime(), default=_stamp),
    Column("touched_at", UTCDateTime(), onupdate=_stamp),
    Column("revision", Integer, default=1),
    Column("stage", String(16), default="created", onupdate="updated"),
)

_INSERT = Prepared(insert(ITEMS).returning(ITEMS.c.id))
_BY_NAMES = Prepared(
    select(ITEMS).where(ITEMS.c.name.in_(bindparam("names", expanding=True))).order_by(ITEMS.c.id)
)
_SEEN_BEFORE = Prepared(
    select(ITEMS.c.name.label("who"), ITEMS.c.seen_at)
    .where(ITEMS.c.seen_at < bindparam("moment"))
    .order_by(ITEMS.c.name)
)
_RENAME = Prepared(
    update(ITEMS)
    .where(ITEMS.c.name == bindparam("old"))
    .values(name=bindparam("new"))
    .returning(ITEMS.c.name, ITEMS.c.touched_at, ITEMS.c.colour)
)
_DEACTIVATE = Prepared(update(ITEMS).where(ITEMS.c.price > bindparam("above")).values(active=False))


@pytest.fixture
def connection(empty_database: Database) -> Iterator[Connection]:
    METADATA.create_all(empty_database.engine)
    with empty_database.engine.connect() as connection:
        yield connection
        connection.rollback()


def _row(name: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": name,
        "colour": Colour.BLUE,
        "tags": ["a", {"b": 1}],
        "price": Decimal("12.50"),
        "active": True,
        "seen_at": WHEN,
    }
    return row | values


def test_rows_are_those_execute_returns_with_every_type_processed(connection: Connection) -> None:
    ids = [_INSERT.scalar(connection, _row(name)) for name in ("anna", "ben")]
    _INSERT.run_many(connection, [{"name": "cleo"}, {"name": "dora"}])  # Python defaults
    names = ["ben", "cleo", "dora", "nobody"]
    expected = connection.execute(_BY_NAMES.statement, {"names": names}).all()
    got = _BY_NAMES.rows(connection, {"names": names})
    assert [tuple(row) for row in got] == [tuple(row) for row in expected]
    ben, cleo = got[0], got[1]
    assert ben.id == ids[1] and ben.colour is Colour.BLUE and ben.tags == ["a", {"b": 1}]
    assert ben.price == Decimal("12.50") and ben.active is True
    assert ben.seen_at == WHEN and ben.seen_at.tzinfo is not None
    assert (cleo.colour, cleo.tags, cleo.created_at, cleo.revision) == (Colour.RED, [], _stamp(), 1)
    assert _BY_NAMES.rows(connection, {"names": []}) == []


def test_bound_values_are_processed_like_execute_does(connection: Connection) -> None:
    """An aware datetime is bound as the column stores it: a comparison finds the same rows."""
    _INSERT.run(connection, _row("early", seen_at=WHEN - timedelta(hours=1)))
    _INSERT.run(connection, _row("late", seen_at=WHEN + timedelta(hours=1)))
    cutoff = {"moment": WHEN.astimezone(UTC)}
    got = _SEEN_BEFORE.mappings(connection, cutoff)
    expected = connection.execute(_SEEN_BEFORE.statement, cutoff).mappings().all()
    assert (
        got
        == [dict(row) for row in expected]
        == [{"who": "early", "seen_at": WHEN - timedelta(hours=1)}]
    )


def test_update_returning_and_rowcount(connection: Connection) -> None:
    _INSERT.run_many(connection, [_row("cheap", price=Decimal(1)), _row("dear")])
    renamed = _RENAME.first(connection, {"old": "cheap", "new": "bargain"})
    assert renamed is not None
    assert (renamed.name, renamed.touched_at, renamed.colour) == ("bargain", _stamp(), Colour.BLUE)
    assert _RENAME.first(connection, {"old": "cheap", "new": "x"}) is None
    assert _DEACTIVATE.run(connection, {"above": Decimal(5)}) == 1
    assert _DEACTIVATE.run(connection, {"above": Decimal(100)}) == 0


def test_an_update_takes_the_onupdate_value_not_the_insert_default(
    connection: Connection,
) -> None:
    _INSERT.run(connection, _row("staged"))
    assert _BY_NAMES.rows(connection, {"names": ["staged"]})[0].stage == "created"
    _RENAME.run(connection, {"old": "staged", "new": "restaged"})
    assert _BY_NAMES.rows(connection, {"names": ["restaged"]})[0].stage == "updated"


def test_a_constraint_error_is_sqlalchemys_with_the_statement(connection: Connection) -> None:
    _INSERT.run(connection, _row("twin"))
    with pytest.raises(IntegrityError) as raised:
        _INSERT.run(connection, _row("twin"))
    assert "INSERT INTO prepared_items" in str(raised.value)
    assert not raised.value.connection_invalidated


def test_statement_events_see_every_statement(connection: Connection) -> None:
    seen: list[tuple[str, str]] = []

    def before(*args: Any) -> None:
        seen.append(("before", args[2]))

    def after(*args: Any) -> None:
        seen.append(("after", args[2]))

    event.listen(connection, "before_cursor_execute", before)
    event.listen(connection, "after_cursor_execute", after)
    _INSERT.run(connection, _row("watched"))
    assert [when for when, _ in seen] == ["before", "after"]
    assert all(sql.startswith("INSERT INTO prepared_items") for _, sql in seen)


def test_rows_of_a_session_use_its_connection(empty_database: Database) -> None:
    METADATA.create_all(empty_database.engine)
    with empty_database.session() as session:
        _INSERT.run(session, _row("in-session"))
        assert _BY_NAMES.rows(session, {"names": ["in-session"]})[0].name == "in-session"
    with empty_database.session() as session:
        assert session.execute(select(ITEMS.c.name)).scalars().all() == ["in-session"]


def test_a_session_writes_its_pending_objects_first_as_execute_does(database: Database) -> None:
    pinned = Prepared(select(MODEL_PINS.c.spec).where(MODEL_PINS.c.node == bindparam("node")))
    with database.session() as session:
        session.add(ModelPin(node="probe", spec="p:m@1", provider="p", model="m", version="1"))
        assert pinned.scalar(session, {"node": "probe"}) == "p:m@1"
        with session.no_autoflush:
            session.add(ModelPin(node="later", spec="p:m@2", provider="p", model="m", version="2"))
            assert pinned.scalar(session, {"node": "later"}) is None


@pytest.mark.postgres
def test_a_dropped_server_connection_is_invalidated(postgres_url: str) -> None:
    database = Database(postgres_url, pool_size=1)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        METADATA.create_all(database.engine)
        with database.engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(DBAPIError) as raised:
                _BY_NAMES.rows(connection, {"names": ["x"]})
            assert raised.value.connection_invalidated
        with database.engine.connect() as connection:  # the pool replaced it
            assert _BY_NAMES.rows(connection, {"names": ["x"]}) == []
    finally:
        admin.dispose()
        database.dispose()
