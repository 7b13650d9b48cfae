"""Settings of running hatchway as a service: log format, /metrics access, probes, shutdown."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["LogFormat", "ObservabilitySettings"]

LogFormat = Literal["text", "json"]


class ObservabilitySettings(BaseModel):
    """The ``[observability]`` table of hatchway.toml."""

    model_config = ConfigDict(extra="forbid")

    log_format: LogFormat = Field(
        default="text",
        description="text for a terminal (dev); json, one object a line, for production.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="When set, /metrics wants `Authorization: Bearer <token>`; open otherwise.",
    )
    readyz_timeout_seconds: float = Field(
        default=3.0, gt=0, le=60, description="Time budget of one /readyz check, all parts."
    )
    readyz_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="A /readyz answer is reused this long, so probes do not hammer IMAP/SMTP.",
    )
    shutdown_grace_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="On SIGTERM a worker finishes its job for this long, then hands it back; "
        "serve waits this long for in-flight requests.",
    )
