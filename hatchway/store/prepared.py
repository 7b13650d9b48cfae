"""Statements that run for every email, executed on the DBAPI cursor of a SQLAlchemy connection.

SQLAlchemy compiles each statement once per dialect and set of parameter names, and its own
type processing applies: each bound value goes through its type's bind processor (a
TypeDecorator's included), each returned column through its result processor, and columns
left out of an INSERT or UPDATE get their Python-side ``default``/``onupdate``. The SQL,
the bound values and the rows are what ``connection.execute`` would give. What is skipped
is its per-execution machinery (the execution context, the compiled-cache lookup, the
Result and Row objects), which on a one-row statement cost about as much as the statement
itself: a triage run with offline models is some 30 such statements (BENCHMARKS.md).

Given an ORM session, a statement runs on the session's connection, in its transaction,
after its autoflush (as ``Session.execute`` would). Kept from ``Connection.execute``: the
``before_cursor_execute`` and ``after_cursor_execute`` events (statement-level listeners
still see every statement; ``context`` is None), and errors: a DBAPI error leaves as
SQLAlchemy's :class:`~sqlalchemy.exc.DBAPIError` subclass for it, and a lost server
connection is invalidated, as SQLAlchemy does. Not kept: the engine's ``echo`` log and
``handle_error`` events. Transactions stay SQLAlchemy's (``Database.transaction``, a
session, ``engine.connect``). A Python-side default that is neither a value nor a function
(a sequence) is refused: pass that column's value; a function that reads the execution
context would be given None.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["Prepared"]

Params = Mapping[str, Any]
On = Connection | Session  # a Core connection, or an ORM session (its connection is used)
ResultProcessor = Any  # Callable[[Any], Any] | None, as TypeEngine.result_processor returns


@dataclass(frozen=True)
class _Plan:
    """One statement compiled for one dialect and set of parameter names."""

    compiled: SQLCompiler
    positional: bool
    defaults: tuple[tuple[str, Any], ...]  # (column key, its ColumnDefault) not passed in
    processors: dict[str, Any]  # bind name → its type's bind processor (expanded ones aside)
    expands: bool  # an IN list or another value rendered per execution: the SQL varies


@dataclass(frozen=True)
class _Results:
    """How the returned columns are named and converted (read off the first cursor)."""

    keys: tuple[str, ...]
    processors: tuple[ResultProcessor, ...]
    any_processor: bool
    row: Any  # a namedtuple class with the keys as fields


class _Outcome(NamedTuple):
    rows: list[Any]
    rowcount: int
    keys: tuple[str, ...]


class Prepared:
    """A Core statement run on the DBAPI cursor; build it once, at import or start-up."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...], bool], _Plan] = {}
        # Job threads share these; two compiling the same plan at once store equal ones.
        self._results: dict[str, _Results] = {}

    def rows(self, connection: On, params: Params | None = None) -> list[Any]:
        """The statement's rows (a SELECT, or DML with RETURNING), values type-processed:
        named tuples, fields named as the columns (or their labels)."""
        return self._execute(connection, [params or {}], many=False).rows

    def mappings(self, connection: On, params: Params | None = None) -> list[dict[str, Any]]:
        """:meth:`rows` as dicts keyed by the columns' names (labels where given)."""
        rows, _, keys = self._execute(connection, [params or {}], many=False)
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def first(self, connection: On, params: Params | None = None) -> Any | None:
        """The first row, or None."""
        rows = self.rows(connection, params)
        return rows[0] if rows else None

    def scalar(self, connection: On, params: Params | None = None) -> Any:
        """The first row's first value, or None when there is no row."""
        rows = self.rows(connection, params)
        return rows[0][0] if rows else None

    def run(self, connection: On, params: Params | None = None) -> int:
        """Execute a statement; the rows it matched (the DBAPI's rowcount)."""
        return self._execute(connection, [params or {}], many=False).rowcount

    def run_many(self, connection: On, rows: Sequence[Params]) -> None:
        """Execute once per parameter set, in one ``executemany`` (every set the same keys)."""
        if rows:
            self._execute(connection, rows, many=True)

    def _execute(self, on: On, params: Sequence[Params], *, many: bool) -> _Outcome:
        if isinstance(on, Session):
            if on.autoflush:  # as session.execute does: pending objects are written first
                on.flush()
            connection = on.connection()
        else:
            connection = on
        dialect = connection.dialect
        plan = self._plan(dialect, params[0], many)
        bound = [_bound(plan, values) for values in params]
        sql, arguments = bound[0][0], [values for _, values in bound] if many else bound[0][1]
        cursor = connection.connection.cursor()
        try:
            dispatch = connection.dispatch
            if dispatch.before_cursor_execute:
                dispatch.before_cursor_execute(connection, cursor, sql, arguments, None, many)
            try:
                if many:
                    cursor.executemany(sql, arguments)
                else:
                    cursor.execute(sql, arguments)
                fetched = cursor.fetchall() if cursor.description else []
            except dialect.loaded_dbapi.Error as exc:
                raise _wrapped(connection, cursor, sql, arguments, exc) from exc
            if dispatch.after_cursor_execute:
                dispatch.after_cursor_execute(connection, cursor, sql, arguments, None, many)
            if not cursor.description:
                return _Outcome([], cursor.rowcount, ())
            results = self._result_plan(dialect, cursor.description)
            return _Outcome(_processed(fetched, results), cursor.rowcount, results.keys)
        finally:
            cursor.close()

    def _plan(self, dialect: Dialect, params: Params, many: bool) -> _Plan:
        key = (dialect.name, tuple(sorted(params)), many)
        plan = self._plans.get(key)
        if plan is None:
            compiled = self.statement.compile(
                dialect=dialect, column_keys=list(key[1]), for_executemany=many
            )
            assert isinstance(compiled, SQLCompiler)
            defaults = (
                *(_python_default(column, column.default) for column in compiled.insert_prefetch),
                *(_python_default(column, column.onupdate) for column in compiled.update_prefetch),
            )
            positional = compiled.positiontup is not None
            processors = _bind_processors(compiled, dialect)
            expands = bool(compiled.post_compile_params or compiled.literal_execute_params)
            plan = self._plans[key] = _Plan(compiled, positional, defaults, processors, expands)
        return plan

    def _result_plan(self, dialect: Dialect, description: Sequence[Any]) -> _Results:
        results = self._results.get(dialect.name)
        if results is None:
            columns = list(getattr(self.statement, "exported_columns", ()))
            processors: list[ResultProcessor] = [None] * len(description)
            if len(columns) == len(description):
                for index, (column, described) in enumerate(zip(columns, description, strict=True)):
                    kind = column.type.dialect_impl(dialect)
                    processors[index] = kind.result_processor(dialect, described[1])
            keys = tuple(str(described[0]) for described in description)
            row = namedtuple("Row", keys, rename=True)  # type: ignore[misc]  # noqa: PYI024
            results = _Results(keys, tuple(processors), any(processors), row)
            self._results[dialect.name] = results
        return results


def _bind_processors(compiled: SQLCompiler, dialect: Dialect) -> dict[str, Any]:
    """Each bound parameter's processor, as its type gives it for ``dialect`` (the dialect's
    own implementation, a TypeDecorator's process_bind_param included). An expanding
    parameter's elements get theirs per execution (ExpandedState.processors)."""
    processors: dict[str, Any] = {}
    for bind, name in compiled.bind_names.items():
        if not bind.expanding:
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
    return processors


def _python_default(column: Any, default: Any) -> tuple[str, Any]:
    """A column SQLAlchemy fills in Python before the statement runs, with ``default`` (its
    ``default`` in an INSERT, its ``onupdate`` in an UPDATE): a scalar, or a callable that
    needs no execution context (``default=utcnow``, ``default=list``)."""
    if default is None or not (default.is_scalar or default.is_callable):
        raise ValueError(f"column {column.key}: pass its value (its default is not a plain one)")
    return column.key, default


def _bound(plan: _Plan, params: Params) -> tuple[str, Any]:
    """The SQL (IN lists expanded) and its arguments, bind processors applied."""
    if plan.defaults:
        params = dict(params)
        for key, default in plan.defaults:
            params[key] = default.arg(None) if default.is_callable else default.arg
    compiled, processors = plan.compiled, plan.processors
    if plan.expands:
        state = compiled.construct_expanded_state(params)
        sql, values, order = state.statement, state.parameters, state.positiontup
        processors = {**processors, **state.processors} if state.processors else processors
    else:  # the compiled SQL as it is: only the values are needed (a fifth of the cost)
        sql, order = compiled.string, compiled.positiontup
        values = compiled.construct_params(params)
        assert values is not None
    if processors:
        values = {
            name: processor(value) if (processor := processors.get(name)) else value
            for name, value in values.items()
        }
    if plan.positional:
        assert order is not None
        return sql, tuple(values[name] for name in order)
    return sql, values


def _processed(rows: Sequence[Any], results: _Results) -> list[Any]:
    make = results.row._make
    if not results.any_processor:
        return [make(row) for row in rows]
    converters = results.processors
    return [
        make(
            value if convert is None else convert(value)
            for convert, value in zip(converters, row, strict=True)
        )
        for row in rows
    ]


def _wrapped(
    connection: Connection, cursor: Any, sql: str, arguments: Any, exc: Any
) -> StatementError:
    """The DBAPI error as SQLAlchemy raises it; a lost connection is invalidated first."""
    dialect = connection.dialect
    lost = bool(dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor))
    if lost:
        connection.invalidate(exc)
    error: StatementError = DBAPIError.instance(
        sql,
        arguments,
        exc,
        dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=dialect,
    )
    return error
