"""FastAPI dependencies: the database, a session per request, the templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from hatchway.store import Database

__all__ = ["DatabaseDep", "SessionDep", "TemplatesDep"]


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _session(database: Annotated[Database, Depends(_database)]) -> Iterator[Session]:
    with database.session() as session:
        yield session


def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


DatabaseDep = Annotated[Database, Depends(_database)]
SessionDep = Annotated[Session, Depends(_session)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
