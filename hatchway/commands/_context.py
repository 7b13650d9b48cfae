"""What every command shares: the typer apps, the --config option, building Settings once."""

from __future__ import annotations

from pathlib import Path

import typer

from hatchway.config import Settings, load_settings
from hatchway.observability.logs import configure_logging
from hatchway.store import Database

__all__ = ["app", "database_for", "settings_for", "state", "sub_app"]

app = typer.Typer(
    name="hatchway",
    help="Agentic email automation with human escape hatches.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def sub_app(name: str, help: str) -> typer.Typer:
    """A command group (`hatchway db ...`)."""
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


class _State:
    config_file: Path | None = None


state = _State()


def settings_for(**overrides: object) -> Settings:
    """Load the Settings (once per command) and set up logging from them."""
    settings = load_settings(state.config_file, **overrides)
    configure_logging(settings.log_level, settings.observability.log_format)
    return settings


def database_for(settings: Settings, *, migrated: bool = True) -> Database:
    """The database, checked reachable and (unless ``migrated=False``) at the current schema."""
    from hatchway.runtime import open_database
    from hatchway.store.migrate import require_current

    database = open_database(settings)
    if migrated:
        require_current(database)
    return database
