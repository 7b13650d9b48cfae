"""Categories: their modes, promotion on evidence, demotion, kill switches."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from sqlalchemy import select

from hatchway.commands._context import database_for, settings_for, sub_app
from hatchway.policies.automation import Actor, PromotionRefused
from hatchway.store import Database
from hatchway.store.models import AUTO_SEND_KILL_SWITCH, Category, CategoryMode, Flag, Role, User

__all__ = ["categories_demote", "categories_kill", "categories_list", "categories_promote"]

categories_app = sub_app("categories", "Categories: automation modes and kill switches.")

UserOption = Annotated[
    str | None, typer.Option("--user", help="The hatchway user (ops or admin) making the change.")
]


def _actor(database: Database, username: str | None) -> Actor:
    if username is None:
        return Actor(f"cli:{getpass.getuser()}")
    with database.session() as session:
        user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise typer.BadParameter(f"no active user {username!r}", param_hint="--user")
    if user.role not in (Role.OPS, Role.ADMIN):
        raise typer.BadParameter(
            f"{username} is a {user.role.value}; needs ops or admin", param_hint="--user"
        )
    return Actor(user.username, user_id=user.id)


@categories_app.command("list")
def categories_list() -> None:
    """Each category's mode, threshold, evidence and kill switch."""
    database = database_for(settings_for())
    with database.session() as session:
        flag = session.get(Flag, AUTO_SEND_KILL_SWITCH)
        if flag is not None and flag.enabled:
            typer.echo(f"GLOBAL KILL SWITCH ON: {flag.reason or ''}")
        for category in session.scalars(select(Category).order_by(Category.name)):
            evidence = category.evidence or {}
            bound = (
                f"bound {evidence['upper_bound']:.2%}"
                if "upper_bound" in evidence
                else "no evidence"
            )
            stop = " [stopped]" if category.kill_switch else ""
            typer.echo(f"{category.name:<22} {category.mode.value:<7}{stop} {bound}")


@categories_app.command("promote")
def categories_promote(
    name: str,
    to: Annotated[str, typer.Option(help="shadow or auto.")] = "shadow",
    user: UserOption = None,
) -> None:
    """Promote a category; auto is refused without current evidence (and says what is missing)."""
    from hatchway.policies.automation import promote

    try:
        mode = CategoryMode(to)
    except ValueError:
        raise typer.BadParameter("must be shadow or auto", param_hint="--to") from None
    from hatchway.policies.gate_state import current_gate_version

    database = database_for(settings_for())
    actor = _actor(database, user)
    try:
        with database.session() as session:
            gate_version = current_gate_version(session)
            promote(session, name=name, to=mode, actor=actor, gate_version=gate_version)
    except PromotionRefused as exc:
        typer.echo(f"refused: {name} stays where it is. Missing:", err=True)
        for item in exc.missing:
            typer.echo(f"  - {item}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{name} is now in {mode.value} mode")


@categories_app.command("demote")
def categories_demote(
    name: str,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")],
    user: UserOption = None,
) -> None:
    """Put a category back into review mode."""
    from hatchway.policies.automation import demote

    database = database_for(settings_for())
    with database.session() as session:
        demote(session, name=name, actor=_actor(database, user), reason=reason)
    typer.echo(f"{name} is now in review mode")


@categories_app.command("kill")
def categories_kill(
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")],
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    off: Annotated[bool, typer.Option("--off", help="Allow auto-sending again.")] = False,
    user: UserOption = None,
) -> None:
    """Stop every auto-send now (also those in the hold window), globally or per category."""
    from hatchway.policies.automation import set_kill_switch

    database = database_for(settings_for())
    with database.session() as session:
        set_kill_switch(
            session, enabled=not off, actor=_actor(database, user), reason=reason, name=category
        )
    scope = category or "all categories"
    typer.echo(f"auto-send {'allowed again' if off else 'STOPPED'} for {scope}")
