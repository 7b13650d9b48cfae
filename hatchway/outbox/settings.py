"""Outbox settings: hold windows, retries, leases, and what the Sent folder can prove."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["OutboxSettings"]


class OutboxSettings(BaseModel):
    """How approved replies wait, are sent, retried and recovered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hold_auto_seconds: float = Field(
        default=30, ge=0, description="undo window before an automatic send"
    )
    hold_review_seconds: float = Field(
        default=10, ge=0, description="undo window after a reviewer clicks Send"
    )
    max_attempts: int = Field(default=6, ge=1, description="tries on temporary SMTP errors")
    retry_base_seconds: float = Field(default=30, gt=0, description="first retry delay; doubles")
    lease_seconds: float = Field(default=120, gt=0, description="how long one send may take")
    audit_share: float = Field(
        default=0.05, ge=0, le=1, description="share of auto-sent replies drawn for a human audit"
    )
    provider_files_sent: bool = Field(
        default=False,
        description=(
            "true when the mail provider itself files every sent message in the Sent folder "
            "(Gmail, Microsoft 365): then a message missing there after a crash provably did "
            "not go out and is resent; otherwise it goes back to review as 'may have been sent'"
        ),
    )
