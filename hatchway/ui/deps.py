"""FastAPI dependencies: the database, a session per request, templates, settings, clock.

The ones that only read app.state are ``async``: FastAPI runs sync dependencies in the
thread pool, and a hop per trivial dependency costs more than the work itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from hatchway.config import Settings
from hatchway.store import Database
from hatchway.ui.settings import UiSettings

__all__ = [
    "ClockDep",
    "DatabaseDep",
    "SessionDep",
    "SettingsDep",
    "TemplatesDep",
    "UiSettingsDep",
]


async def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _session(database: Annotated[Database, Depends(_database)]) -> Iterator[Session]:
    with database.session() as session:
        yield session


async def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _ui_settings(request: Request) -> UiSettings:
    ui: UiSettings = request.app.state.ui_settings
    return ui


async def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


DatabaseDep = Annotated[Database, Depends(_database)]
SessionDep = Annotated[Session, Depends(_session)]
"""One transaction for the whole request. On SQLite it holds the write lock until the
response: routes that call services opening their own sessions use DatabaseDep instead."""
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
SettingsDep = Annotated[Settings, Depends(_settings)]
UiSettingsDep = Annotated[UiSettings, Depends(_ui_settings)]
ClockDep = Annotated[datetime, Depends(_now)]
"""Now (UTC) for this request; tests replace ``app.state.clock`` to move time."""
