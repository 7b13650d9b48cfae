"""``[crm]`` in hatchway.toml: which adapter (``kind = "sql"`` or ``"http"``) and its settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from hatchway.connectors.crm.http import HttpCrmSettings
from hatchway.connectors.crm.sql_settings import SqlCrmSettings

__all__ = ["CrmSettings", "HttpCrmSettings", "SqlCrmSettings"]

CrmSettings = Annotated[SqlCrmSettings | HttpCrmSettings, Field(discriminator="kind")]
"""The ``[crm]`` section: ``SqlCrmSettings`` or ``HttpCrmSettings``, chosen by ``kind``."""
