"""Webhook deliveries as the API shows them (the delivery log)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from hatchway.store.models import DeliveryState

__all__ = ["DeliveryPublic"]


class DeliveryPublic(BaseModel):
    """One event sent (or to be sent) to one endpoint, with how it went."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int
    event_type: str
    endpoint: str
    state: DeliveryState
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
