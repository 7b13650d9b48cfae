"""Settings of `hatchway worker`: how many jobs run at once, and how many of them backfill."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hatchway.errors import ConfigError

__all__ = ["POOL_MARGIN", "WorkerSettings"]

POOL_MARGIN = 4
"""Database connections beyond one per job in flight: pollers, claims, the lease fence."""


class WorkerSettings(BaseModel):
    """The ``[worker]`` table of hatchway.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    concurrency: int = Field(
        default=16,
        ge=1,
        le=256,
        description="Jobs (graph runs) in flight at once in one worker process; they mostly "
        "wait on model calls. The PostgreSQL connection pool is sized to match.",
    )
    backfill_slots: int | None = Field(
        default=None,
        ge=1,
        description="At most this many of those jobs from the backfill lane, so live mail "
        "keeps slots (and CPU) free; default a quarter of concurrency (at least 1).",
    )

    @model_validator(mode="after")
    def _backfill_within_concurrency(self) -> WorkerSettings:
        if self.backfill_slots is not None and self.backfill_slots > self.concurrency:
            raise ConfigError(
                "worker.backfill_slots",
                f"is {self.backfill_slots}, more than worker.concurrency ({self.concurrency})",
                f"use 1..{self.concurrency}, or leave it unset for a quarter of concurrency",
            )
        return self

    @property
    def backfill_slot_count(self) -> int:
        """The backfill slots in force: the setting, or a quarter of concurrency."""
        if self.backfill_slots is not None:
            return self.backfill_slots
        return max(1, self.concurrency // 4)

    @property
    def database_pool_size(self) -> int:
        """Connections the worker's database pool keeps: one per job in flight plus a margin."""
        return self.concurrency + POOL_MARGIN
