"""What the current log line is about: item (inbound message), job and request ids.

Context variables, so each thread and each asyncio task carries its own; a logging filter
copies them onto every record (see logs.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["LogContextFilter", "log_context"]

_item_id: ContextVar[int | None] = ContextVar("hatchway_log_item_id", default=None)
_job_id: ContextVar[int | None] = ContextVar("hatchway_log_job_id", default=None)
_request_id: ContextVar[str | None] = ContextVar("hatchway_log_request_id", default=None)


@contextmanager
def log_context(
    *, item_id: int | None = None, job_id: int | None = None, request_id: str | None = None
) -> Iterator[None]:
    """Log lines inside carry these ids (those given; the others stay as they were)."""
    item = _item_id.set(item_id if item_id is not None else _item_id.get())
    job = _job_id.set(job_id if job_id is not None else _job_id.get())
    request = _request_id.set(request_id if request_id is not None else _request_id.get())
    try:
        yield
    finally:
        _request_id.reset(request)
        _job_id.reset(job)
        _item_id.reset(item)


class LogContextFilter(logging.Filter):
    """Adds ``item_id``, ``job_id`` and ``request_id`` to every record (None when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; only annotates it."""
        record.item_id = _item_id.get()
        record.job_id = _job_id.get()
        record.request_id = _request_id.get()
        return True
