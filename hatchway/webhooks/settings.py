"""``[[webhooks]]`` in hatchway.toml: where events are posted, signed with which secret."""

from __future__ import annotations

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr

from hatchway.webhooks.events import EventType

__all__ = ["WebhookSettings"]


class WebhookSettings(BaseModel):
    """One receiving endpoint (e.g. the CRM's webhook URL) and how hard to try reaching it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: AnyHttpUrl = Field(description="Where events are POSTed as JSON.")
    secret: SecretStr = Field(
        description="Shared secret for the Hatchway-Signature HMAC; placeholders refused "
        "outside dev mode."
    )
    events: list[EventType] = Field(
        default_factory=lambda: list(EventType),
        min_length=1,
        description="Event types to send (default: all).",
    )
    timeout_seconds: float = Field(default=10, gt=0, le=120, description="Per request.")
    max_attempts: int = Field(default=8, ge=1, le=50, description="Then the delivery fails.")
    retry_initial_seconds: float = Field(
        default=30, gt=0, description="Backoff scale: a random wait up to this x 2^(attempt-1)."
    )
    retry_max_seconds: float = Field(default=3600, gt=0, description="Longest wait between tries.")

    @property
    def endpoint(self) -> str:
        """The URL as stored in the delivery log (the endpoint's identity)."""
        return str(self.url)

    def wants(self, event_type: str) -> bool:
        """True when this endpoint subscribed to ``event_type``."""
        return event_type in {event.value for event in self.events}
