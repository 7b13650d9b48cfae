"""Which job kinds this installation's workers run, and with what.

The triage graph registers its handler here (job kind ``triage``); until a kind has a
handler its jobs wait in the queue, visible on the overview page, and nothing is lost.
"""

from __future__ import annotations

from hatchway.config import Settings
from hatchway.store import Database
from hatchway.worker import JobHandler

__all__ = ["default_handlers"]


def default_handlers(settings: Settings, database: Database) -> dict[str, JobHandler]:
    """The job handlers a `hatchway worker` process runs."""
    del settings, database  # used once handlers exist
    return {}
