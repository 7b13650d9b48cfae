"""API keys: create one (shown once), list them, revoke one."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from hatchway.commands._context import database_for, settings_for, sub_app
from hatchway.store.models import Role

__all__ = ["apikeys_create", "apikeys_list", "apikeys_revoke"]

apikeys_app = sub_app("apikeys", "API keys for programs using the JSON API (/api/v1).")


@apikeys_app.command("create")
def apikeys_create(
    name: Annotated[str, typer.Option(help="What uses the key, e.g. crm-production.")],
    role: Annotated[Role, typer.Option(help="reviewer, ops or admin.")] = Role.REVIEWER,
) -> None:
    """Make a key and print it once: only its hash is stored, it cannot be shown again."""
    from hatchway.api.keys import create_api_key

    if not name.strip() or len(name) > 100:
        raise typer.BadParameter("give a name of 1 to 100 characters", param_hint="--name")
    database = database_for(settings_for())
    with database.session() as session:
        key = create_api_key(
            session, name=name.strip(), role=role, created_by=f"cli:{getpass.getuser()}"
        )
    typer.echo(key.token)
    typer.echo(
        f"API key {key.prefix} ({key.name}, {key.role.value}) created. "
        "Store it now: it is not shown again.",
        err=True,
    )


@apikeys_app.command("list")
def apikeys_list() -> None:
    """Every key: prefix, name, role, when made and last used, revoked or not."""
    from hatchway.api.keys import list_api_keys

    database = database_for(settings_for())
    with database.session() as session:
        keys = list_api_keys(session)
    if not keys:
        typer.echo("no API keys; make one with `hatchway apikeys create --name NAME`")
    for key in keys:
        used = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never"
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        typer.echo(
            f"{key.prefix}  {key.name:<24} {key.role.value:<8} "
            f"created {key.created_at:%Y-%m-%d} by {key.created_by}  used {used}  {state}"
        )


@apikeys_app.command("revoke")
def apikeys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix, as `apikeys list` shows.")],
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    from hatchway.api.keys import ApiKeyRefused, revoke_api_key

    database = database_for(settings_for())
    try:
        with database.session() as session:
            key = revoke_api_key(session, prefix=prefix)
    except ApiKeyRefused as refused:
        typer.echo(f"error: {refused}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"API key {key.prefix} ({key.name}) revoked")
