"""Small pieces every node uses: loading the message, turning a model run into a record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final, NamedTuple

from sqlalchemy import bindparam, select

from hatchway.agents.costs import estimate_cost
from hatchway.agents.pins import ModelPin
from hatchway.agents.runinfo import RunInfo
from hatchway.graphs.recording import NodeRecord
from hatchway.store import Database
from hatchway.store.prepared import Prepared
from hatchway.store.tables import MESSAGES as _MESSAGES

__all__ = ["MessageText", "load_message", "messages_cached", "model_record"]


class MessageText(NamedTuple):
    """What the nodes read of the inbound message: its parsed fields, not its raw bytes."""

    subject: str | None
    from_address: str | None
    text_body: str | None
    html_body: str | None


_run_messages: ContextVar[dict[int, MessageText] | None] = ContextVar(
    "hatchway_run_messages", default=None
)
_LOAD: Final = Prepared(
    select(*(_MESSAGES.c[name] for name in MessageText._fields)).where(
        _MESSAGES.c.id == bindparam("b_id")
    )
)


@contextmanager
def messages_cached() -> Iterator[None]:
    """Within: :func:`load_message` reads each message once (a graph run's nodes all read
    the same one, and only its parsed fields, which do not change)."""
    token = _run_messages.set({})
    try:
        yield
    finally:
        _run_messages.reset(token)


def load_message(database: Database, message_id: int) -> MessageText:
    """The parsed fields of the inbound message a thread is about."""
    cache = _run_messages.get()
    if cache is not None and (cached := cache.get(message_id)) is not None:
        return cached
    message = _load(database, message_id)
    if cache is not None:
        cache[message_id] = message
    return message


def _load(database: Database, message_id: int) -> MessageText:
    with database.reading() as connection:
        row = _LOAD.first(connection, {"b_id": message_id})
    if row is None:
        raise LookupError(f"inbound message {message_id} does not exist")
    return MessageText(*row)


def model_record(
    pin: ModelPin, info: RunInfo, *, input_summary: str, output_summary: str
) -> NodeRecord:
    """The NodeRun fields of one model call: pinned model, prompt hash, tokens, cost (I5)."""
    return NodeRecord(
        provider=pin.provider,
        model=pin.model,
        model_version=pin.version,
        prompt_hash=info.prompt_hash,
        input_tokens=info.input_tokens,
        output_tokens=info.output_tokens,
        cost_usd=estimate_cost(pin, info.input_tokens, info.output_tokens),
        input_summary=input_summary,
        output_summary=output_summary,
    )
