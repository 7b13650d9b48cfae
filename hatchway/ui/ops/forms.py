"""What the ops console's forms post, validated apart from the ORM rows they change."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hatchway.store.models import AuditVerdict, CategoryMode

__all__ = ["DemoteForm", "KillSwitchForm", "PromoteForm", "VerdictForm"]

_FORM = ConfigDict(extra="ignore", str_strip_whitespace=True)  # csrf_token is checked apart


class PromoteForm(BaseModel):
    """Promote a category one step: review → shadow, or shadow → auto."""

    model_config = _FORM

    to: Literal[CategoryMode.SHADOW, CategoryMode.AUTO]


class DemoteForm(BaseModel):
    """Back to review, with the reason for the audit log."""

    model_config = _FORM

    reason: str = Field(default="", max_length=500)


class KillSwitchForm(BaseModel):
    """Turn a kill switch on or off, with the reason for the audit log."""

    model_config = _FORM

    enabled: Literal["on", "off"]
    reason: str = Field(default="", max_length=500)


class VerdictForm(BaseModel):
    """An auditor's verdict on a sampled auto-sent reply."""

    model_config = _FORM

    verdict: Literal[AuditVerdict.CORRECT, AuditVerdict.CHANGED]
    note: str = Field(default="", max_length=2000)
