"""Setting an installation up: init, db upgrade/current/copy, users add."""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from hatchway.commands._context import app, database_for, settings_for, sub_app

__all__ = ["db_copy", "db_current", "db_upgrade", "init", "users_add"]

db_app = sub_app("db", "Database schema: migrations are the only way it changes.")
users_app = sub_app("users", "Local users of the review inbox and ops console.")


@app.command()
def init(
    path: Annotated[Path, typer.Option(help="Where to write the file.")] = Path("hatchway.toml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented hatchway.toml with a fresh secret key."""
    if path.exists() and not force:
        typer.echo(f"{path} exists; use --force to overwrite it.", err=True)
        raise typer.Exit(1)
    template = resources.files("hatchway").joinpath("hatchway.example.toml").read_text()
    secret = secrets.token_urlsafe(48)
    path.write_text(template.replace('secret_key = "change-me"', f'secret_key = "{secret}"'))
    typer.echo(f"Wrote {path}. Next: hatchway db upgrade")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create or migrate the schema to the newest revision, and add missing categories."""
    from hatchway.policies.categories import ensure_categories
    from hatchway.store.migrate import current_revision, upgrade

    database = database_for(settings_for(), migrated=False)
    upgrade(database, revision)
    with database.session() as session:
        added = ensure_categories(session)
    revision_now = current_revision(database)
    typer.echo(f"{database.display_url}: at revision {revision_now}; {added} categories added")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of the code."""
    from hatchway.store.migrate import current_revision, head_revision

    database = database_for(settings_for(), migrated=False)
    typer.echo(
        f"database: {current_revision(database) or 'empty'}; code: {head_revision(database)}"
    )


@db_app.command("copy")
def db_copy(
    to: Annotated[
        str, typer.Option(help="Empty PostgreSQL database, migrated with `hatchway db upgrade`.")
    ],
    chunk_size: Annotated[int, typer.Option(min=1, help="Rows per insert.")] = 1000,
) -> None:
    """Copy this SQLite database and its graph checkpoints into PostgreSQL (stop services first)."""
    from hatchway.store import Database
    from hatchway.store.copy import copy_database

    source = database_for(settings_for())
    target = Database(to)
    try:
        report = copy_database(
            source,
            target,
            chunk_size=chunk_size,
            progress=lambda name, rows: typer.echo(f"{name}: {rows}"),
        )
    finally:
        source.dispose()
        target.dispose()
    typer.echo(f"copied {report.summary()} to {target.display_url}")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="reviewer, ops or admin.")] = "reviewer",
    display_name: Annotated[str | None, typer.Option(help="Name shown in the UI.")] = None,
    password: Annotated[
        str | None, typer.Option(help="Password (prompted when not given).", hidden=True)
    ] = None,
) -> None:
    """Add a user, or reset an existing user's password and role."""
    from hatchway.accounts import create_or_reset_user
    from hatchway.store.models import Role

    try:
        chosen_role = Role(role)
    except ValueError:
        raise typer.BadParameter("must be reviewer, ops or admin", param_hint="--role") from None
    secret = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    database = database_for(settings_for())
    with database.session() as session:
        create_or_reset_user(
            session, username=username, password=secret, role=chosen_role, display_name=display_name
        )
    typer.echo(f"user {username} ({chosen_role.value}) saved")
