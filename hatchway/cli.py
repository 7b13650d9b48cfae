"""The `hatchway` command. Settings are built here, once, and passed to everything else."""

from __future__ import annotations

import logging
import secrets
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from hatchway._version import __version__
from hatchway.config import Settings, load_settings
from hatchway.connectors.imap import ImapSettings
from hatchway.errors import HatchwayError
from hatchway.store import Database

__all__ = ["app", "main"]

app = typer.Typer(
    name="hatchway",
    help="Agentic email automation with human escape hatches.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(
    help="Database schema: migrations are the only way it changes.", no_args_is_help=True
)
users_app = typer.Typer(
    help="Local users of the review inbox and ops console.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="hatchway.toml to read (default: $HATCHWAY_CONFIG, ./hatchway.toml)."
    ),
]


class _State:
    config_file: Path | None = None


_state = _State()


@app.callback()
def _global(
    config: ConfigOption = None,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"hatchway {__version__}")
        raise typer.Exit()
    _state.config_file = config


def _settings(**overrides: object) -> Settings:
    settings = load_settings(_state.config_file, **overrides)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    return settings


def _database(settings: Settings) -> Database:
    database = Database(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    database.check()
    return database


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

    database = _database(_settings())
    upgrade(database, revision)
    with database.session() as session:
        added = ensure_categories(session)
    revision_now = current_revision(database)
    typer.echo(f"{database.display_url}: at revision {revision_now}; {added} categories added")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of the code."""
    from hatchway.store.migrate import current_revision, head_revision

    database = _database(_settings())
    typer.echo(
        f"database: {current_revision(database) or 'empty'}; code: {head_revision(database)}"
    )


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Listen address (default from settings).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Serve the review inbox, ops console and API."""
    import uvicorn

    from hatchway.store.migrate import require_current
    from hatchway.ui.app import create_app

    settings = _settings()
    database = _database(settings)
    require_current(database)
    uvicorn.run(
        create_app(settings, database),
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level=settings.log_level.lower(),
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run the jobs that are due, then exit.")] = False,
) -> None:
    """Claim and run background jobs until stopped (SIGTERM/SIGINT finish the current job)."""
    from hatchway.handlers import default_handlers
    from hatchway.runtime import build_outbox_relay
    from hatchway.store.migrate import require_current
    from hatchway.worker import Worker

    settings = _settings()
    database = _database(settings)
    require_current(database)
    relay = build_outbox_relay(settings, database)
    if relay is None:
        logging.getLogger("hatchway").warning("no [smtp] configured: approved replies will wait")
    pollers = [] if relay is None else [relay.relay_once]
    runner = Worker(database, default_handlers(settings, database), pollers=pollers)
    if once:
        count = 0
        while runner.run_once():
            count += 1
        runner.poll()
        typer.echo(f"ran {count} jobs")
        return
    runner.install_signal_handlers()
    runner.run()


@app.command()
def ingest(
    once: Annotated[bool, typer.Option(help="One pass over every mailbox, then exit.")] = False,
    mailbox: Annotated[
        list[str] | None, typer.Option(help="Only this mailbox (repeatable).")
    ] = None,
) -> None:
    """Fetch new mail from the configured IMAP mailboxes (IDLE, or polling) and store it."""
    from hatchway.store.migrate import require_current

    settings = _settings()
    database = _database(settings)
    require_current(database)
    boxes = [box for box in settings.mailboxes if not mailbox or box.name in mailbox]
    if not boxes:
        typer.echo("no mailboxes configured (add [[mailboxes]] to hatchway.toml)", err=True)
        raise typer.Exit(1)
    if once:
        _ingest_once(settings, database, boxes)
    else:
        _watch(settings, database, boxes)


def _ingest_once(settings: Settings, database: Database, boxes: list[ImapSettings]) -> None:
    from hatchway.ingest import ingest_mailbox
    from hatchway.runtime import mailbox_connector

    def progress(name: str, done: int, total: int) -> None:
        typer.echo(f"\r{name}: {done}/{total} messages stored", nl=False, err=True)

    for box in boxes:
        with mailbox_connector(box)() as client:
            report = ingest_mailbox(
                database,
                client,
                box,
                own_domains=frozenset(settings.own_domains),
                progress=progress,
            )
        typer.echo(
            f"\n{box.name}: {report.stored} new, {report.already_stored} already stored "
            f"{report.by_status or ''}",
            err=True,
        )


def _watch(settings: Settings, database: Database, boxes: list[ImapSettings]) -> None:
    import signal
    import threading

    from hatchway.ingest import watch_mailbox
    from hatchway.runtime import mailbox_connector

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [
        threading.Thread(
            target=watch_mailbox,
            args=(database, box, mailbox_connector(box), stop),
            kwargs={"own_domains": frozenset(settings.own_domains)},
            name=f"ingest:{box.name}",
            daemon=True,
        )
        for box in boxes
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads) and not stop.wait(1):
        pass


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the demo keeps its databases.")
    ] = Path("var/demo"),
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server afterwards.")
    ] = True,
) -> None:
    """Set up the demo shop (SQLite, sample mailbox, demo users) and serve it."""
    from hatchway.demo import DEMO_OWN_DOMAINS, find_demo_data, prepare_demo

    database_url = f"sqlite:///{directory / 'hatchway.db'}"
    settings = _settings(dev_mode=True, database_url=database_url, own_domains=DEMO_OWN_DOMAINS)
    result = prepare_demo(settings, data=find_demo_data(), directory=directory)
    typer.echo(result.summary())
    if not serve_after:
        return
    import uvicorn

    from hatchway.ui.app import create_app

    url = f"http://127.0.0.1:{port}/"
    typer.echo(f"\nhatchway demo: open {url}  (Ctrl-C to stop)\n")
    uvicorn.run(
        create_app(settings, result.database), host="127.0.0.1", port=port, log_level="warning"
    )


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="reviewer, ops or admin.")] = "reviewer",
    display_name: Annotated[str | None, typer.Option(help="Name shown in the UI.")] = None,
    password: Annotated[
        str | None, typer.Option(help="Password (prompted when not given).", hidden=True)
    ] = None,
) -> None:
    """Add a user, or reset an existing user's password and role."""
    from hatchway.accounts import create_or_reset_user
    from hatchway.store.migrate import require_current
    from hatchway.store.models import Role

    try:
        chosen_role = Role(role)
    except ValueError:
        raise typer.BadParameter("must be reviewer, ops or admin", param_hint="--role") from None
    secret = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    database = _database(_settings())
    require_current(database)
    with database.session() as session:
        create_or_reset_user(
            session, username=username, password=secret, role=chosen_role, display_name=display_name
        )
    typer.echo(f"user {username} ({chosen_role.value}) saved")


def main() -> None:
    """Entry point: a HatchwayError is printed plainly with its fix, exit code 1."""
    try:
        app()
    except HatchwayError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
