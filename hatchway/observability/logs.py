"""Logging set up once at process start (by the CLI): text for a terminal, JSON for production.

Every record passes :class:`LogContextFilter`, so both formats show the item, job and
request ids; JSON lines carry them as fields (``item_id``, ``job_id``, ``request_id``).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from hatchway.observability.context import LogContextFilter
from hatchway.observability.settings import LogFormat

__all__ = ["configure_logging"]

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"
_JSON_FIELDS = ["asctime", "levelname", "name", "message", "item_id", "job_id", "request_id"]
# Libraries whose INFO lines are noise next to ours.
_QUIET = ("alembic", "httpx", "httpcore")


class _TextContext(logging.Filter):
    """Renders the ids that are set as ` [item=7 job=12]`, nothing when none are."""

    def filter(self, record: logging.LogRecord) -> bool:
        parts = [
            f"{label}={value}"
            for label, value in (
                ("item", getattr(record, "item_id", None)),
                ("job", getattr(record, "job_id", None)),
                ("request", getattr(record, "request_id", None)),
            )
            if value is not None
        ]
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return True


def configure_logging(level: str, log_format: LogFormat, stream: TextIO | None = None) -> None:
    """Replace the root logger's handlers with one writing ``log_format`` lines to stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(LogContextFilter())
    if log_format == "json":
        formatter: logging.Formatter = JsonFormatter(
            _JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level"}
        )
    else:
        handler.addFilter(_TextContext())
        formatter = logging.Formatter(_TEXT_FORMAT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
