"""Configuration commands: print the generated reference, check the settings before a restart."""

from __future__ import annotations

from typing import Annotated

import typer

from hatchway.commands._context import database_for, state, sub_app
from hatchway.config import Settings, load_settings, resolve_config_file
from hatchway.errors import ConfigError, DatabaseError

__all__ = ["config_check", "config_reference"]

config_app = sub_app("config", "The configuration: its reference, and a check before restarts.")


@config_app.command("reference")
def config_reference() -> None:
    """Print the configuration reference (Markdown) generated from the Settings model."""
    from hatchway.config_reference import render_reference

    typer.echo(render_reference(), nl=False)


@config_app.command("check")
def config_check(
    database: Annotated[
        bool,
        typer.Option(help="Also check that the database is reachable and migrated."),
    ] = False,
) -> None:
    """Load the settings as the service would (file + environment); exit 1 on a problem."""
    try:
        config_file = resolve_config_file(state.config_file)
        settings = load_settings(state.config_file)
    except ConfigError as exc:
        _report_config_error(exc)
        raise typer.Exit(1) from None
    source = str(config_file) if config_file else "no config file (environment and defaults)"
    typer.echo(f"OK: settings from {source}")
    typer.echo(_summary(settings))
    if database:
        _check_database(settings)


def _report_config_error(exc: ConfigError) -> None:
    typer.echo("error: the settings do not load", err=True)
    typer.echo(f"  key:     {exc.key}", err=True)
    typer.echo(f"  problem: {exc.problem}", err=True)
    typer.echo(f"  fix:     {exc.fix}", err=True)


def _summary(settings: Settings) -> str:
    from hatchway.store.database import mask_url

    smtp = settings.smtp.host if settings.smtp else "none (replies wait in the outbox)"
    return (
        f"  database: {mask_url(settings.database_url)}\n"
        f"  mailboxes: {', '.join(box.name for box in settings.mailboxes) or 'none'}\n"
        f"  smtp: {smtp}\n"
        f"  dev_mode: {str(settings.dev_mode).lower()}"
    )


def _check_database(settings: Settings) -> None:
    try:
        database = database_for(settings)
    except DatabaseError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    database.dispose()
    typer.echo("OK: database reachable and at the newest schema revision")
