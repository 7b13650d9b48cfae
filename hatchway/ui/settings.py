"""Settings of the web UI: session lifetimes, login rate limits, claims, the review SLA."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["UiSettings"]


class UiSettings(BaseModel):
    """How long people stay signed in, how hard guessing is, how items are held and aged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    session_idle_minutes: float = Field(default=30, gt=0, description="signed out after idling")
    session_absolute_hours: float = Field(default=12, gt=0, description="signed out regardless")
    session_touch_seconds: float = Field(
        default=60, ge=0, description="last-seen is written at most this often (one write/min)"
    )
    login_failures_per_user: int = Field(default=5, ge=1, description="per account and window")
    login_failures_per_address: int = Field(
        default=20, ge=1, description="per client address and window (an office shares one)"
    )
    login_window_minutes: float = Field(
        default=15, gt=0, description="failed logins are counted over this window"
    )
    claim_minutes: float = Field(
        default=10, gt=0, description="an opened item is held this long, renewed while open"
    )
    review_sla_hours: float = Field(default=4, gt=0, description="items older than this are late")
    page_size: int = Field(default=50, ge=5, le=500, description="inbox items per page")
    counts_cache_seconds: float = Field(
        default=5, ge=0, description="the inbox's per-category counts are reused this long"
    )
    cookie_secure: bool | None = Field(
        default=None, description="Secure cookie flag; default: on unless dev mode"
    )
