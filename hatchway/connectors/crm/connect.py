"""Build the configured CRM connector from its settings (one per process, closed at exit)."""

from __future__ import annotations

from hatchway.connectors.crm.http import HttpCrm, HttpCrmSettings
from hatchway.connectors.crm.protocol import CrmConnector
from hatchway.connectors.crm.sql import SqlCrm
from hatchway.connectors.crm.sql_settings import SqlCrmSettings

__all__ = ["connect_crm"]


def connect_crm(settings: SqlCrmSettings | HttpCrmSettings) -> CrmConnector:
    """The adapter ``settings.kind`` names; nothing is contacted until the first call."""
    if isinstance(settings, SqlCrmSettings):
        return SqlCrm.from_settings(settings)
    return HttpCrm(settings)
