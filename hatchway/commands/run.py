"""Running the service: serve, worker, ingest."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

import typer

from hatchway.commands._context import app, database_for, settings_for
from hatchway.config import Settings
from hatchway.connectors.imap import ImapSettings
from hatchway.store import Database

__all__ = ["ingest", "serve", "worker"]

log = logging.getLogger("hatchway.cli")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default: settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings).")] = None,
) -> None:
    """Serve the review inbox, ops console and API."""
    settings = settings_for()
    database = database_for(settings)
    import uvicorn

    from hatchway.ui.app import create_app

    uvicorn.run(
        create_app(settings, database),
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep the logging the CLI set up (JSON lines in production)
        # uvicorn handles SIGTERM/SIGINT itself: stop accepting, let requests finish.
        timeout_graceful_shutdown=max(1, round(settings.observability.shutdown_grace_seconds)),
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run the jobs that are due, then exit.")] = False,
) -> None:
    """Run triage jobs and relay the outbox until stopped (SIGTERM/SIGINT finish the job first)."""
    # Settings and database first: a bad key or an unreachable database is reported at once,
    # not after the graph's imports (seconds on a busy machine).
    settings = settings_for()
    database = database_for(settings)
    from hatchway.handlers import open_handlers
    from hatchway.runtime import build_outbox_relay
    from hatchway.webhooks.dispatcher import build_webhook_dispatcher
    from hatchway.worker import Worker, worker_name

    relay = build_outbox_relay(settings, database)
    if relay is None:
        log.warning("no [smtp] configured: approved replies will wait in the outbox")
    from hatchway.api.retention import IdempotencyKeyExpiry
    from hatchway.policies.gate_state import GateRetrainSchedule

    pollers: list[Callable[[], object]] = [
        GateRetrainSchedule(database, settings),
        IdempotencyKeyExpiry(database, settings.api),
    ]
    if relay is not None:
        pollers.append(relay.relay_once)
    if (webhooks := build_webhook_dispatcher(settings, database)) is not None:
        pollers.append(webhooks)
    name = worker_name()
    with open_handlers(settings, database, owner=name) as handlers:
        grace = timedelta(seconds=settings.observability.shutdown_grace_seconds)
        runner = Worker(
            database,
            handlers,
            name=name,
            pollers=pollers,
            shutdown_grace=grace,
            concurrency=settings.worker.concurrency,
            backfill_slots=settings.worker.backfill_slot_count,
        )
        if once:
            count = 0
            while runner.run_once():
                count += 1
            runner.poll()
            typer.echo(f"ran {count} jobs")
            return
        runner.install_signal_handlers()
        if not runner.run():
            _exit_now()


def _exit_now() -> None:
    """Exit 0 at once: the unfinished job was handed back, its handler thread is abandoned."""
    logging.shutdown()
    os._exit(0)


@app.command()
def ingest(
    once: Annotated[bool, typer.Option(help="One pass over every mailbox, then exit.")] = False,
    mailbox: Annotated[
        list[str] | None, typer.Option(help="Only this mailbox (repeatable).")
    ] = None,
) -> None:
    """Fetch new mail from the configured IMAP mailboxes (IDLE, or polling) and store it."""
    settings = settings_for()
    database = database_for(settings)
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
            report = ingest_mailbox(database, client, box, progress=progress)
        typer.echo(
            f"\n{box.name}: {report.stored} new, {report.already_stored} already stored "
            f"{report.by_status or ''}",
            err=True,
        )


def _watch(settings: Settings, database: Database, boxes: list[ImapSettings]) -> None:
    from hatchway.ingest import watch_mailbox
    from hatchway.runtime import mailbox_connector

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    grace = settings.observability.shutdown_grace_seconds
    # Each IDLE is re-issued within the grace, so a watcher notices the stop in time.
    idle_seconds = max(1.0, min(60.0, grace))
    threads = [
        threading.Thread(
            target=watch_mailbox,
            args=(database, box, mailbox_connector(box), stop),
            kwargs={"poll_seconds": idle_seconds},
            name=f"ingest:{box.name}",
            daemon=True,
        )
        for box in boxes
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads) and not stop.wait(1):
        pass
    deadline = time.monotonic() + grace + 5
    for thread in threads:  # each ends its IDLE and logs out
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
