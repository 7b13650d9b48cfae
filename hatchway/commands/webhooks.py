"""Webhooks: the delivery log and manual redelivery."""

from __future__ import annotations

from typing import Annotated

import typer

from hatchway.commands._context import database_for, settings_for, sub_app
from hatchway.webhooks import DeliveryRecord, list_deliveries, redeliver

__all__ = ["webhooks_deliveries", "webhooks_redeliver"]

webhooks_app = sub_app("webhooks", "Webhooks: the delivery log and redelivery.")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    failed: Annotated[bool, typer.Option("--failed", help="Only failed deliveries.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
) -> None:
    """The delivery log: each delivery's event, endpoint, state, attempts and last answer."""
    database = database_for(settings_for())
    try:
        records = list_deliveries(database, failed_only=failed, limit=limit)
    finally:
        database.dispose()
    if not records:
        typer.echo("no failed deliveries" if failed else "no deliveries")
    for record in records:
        typer.echo(_line(record))


@webhooks_app.command("redeliver")
def webhooks_redeliver(
    delivery_id: Annotated[int, typer.Argument(help="The delivery's id (see `deliveries`).")],
) -> None:
    """Deliver again (a delivered or failed one too) with a fresh set of attempts."""
    database = database_for(settings_for())
    try:
        record = redeliver(database, delivery_id)
    finally:
        database.dispose()
    typer.echo(f"delivery {record.id} queued again: {record.event_type} to {record.endpoint}")


def _line(record: DeliveryRecord) -> str:
    answer = (
        f"HTTP {record.last_status_code}" if record.last_status_code is not None else "no answer"
    )
    when = record.delivered_at or record.next_attempt_at
    error = f" - {record.last_error.splitlines()[0][:120]}" if record.last_error else ""
    return (
        f"{record.id:>6} {record.state.value:<10} {record.event_type:<24} "
        f"{record.attempts}/{record.max_attempts} {answer:<9} {when:%Y-%m-%d %H:%M:%S} "
        f"{record.endpoint}{error}"
    )
