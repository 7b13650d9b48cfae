"""/readyz's engine: run every component check at once, within a time budget, cached briefly.

A load balancer probing every few seconds gets the cached answer, so the IMAP and SMTP
servers see at most one login per ``cache_seconds``, whatever the number of probes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hatchway.errors import ConfigError, DatabaseError
from hatchway.observability.checks import ComponentCheck

__all__ = ["ComponentStatus", "ReadinessProbe", "ReadinessReport"]


@dataclass(frozen=True)
class ComponentStatus:
    """One component: ok, or the problem seen."""

    ok: bool
    problem: str | None = None
    fix: str | None = None

    def as_json(self) -> dict[str, str]:
        """``{"status": "ok"}`` or ``{"status": "down", "problem": ..., "fix": ...}``."""
        body = {"status": "ok" if self.ok else "down"}
        if self.problem is not None:
            body["problem"] = self.problem
        if self.fix is not None:
            body["fix"] = self.fix
        return body


@dataclass(frozen=True)
class ReadinessReport:
    """Every component's status at ``checked_at`` (monotonic seconds)."""

    components: dict[str, ComponentStatus]
    checked_at: float = field(default=0.0)

    @property
    def ready(self) -> bool:
        """True when every component is ok."""
        return all(status.ok for status in self.components.values())

    def as_json(self) -> dict[str, object]:
        """The /readyz body: overall ``status``, then one key per component."""
        body: dict[str, object] = {"status": "ok" if self.ready else "unavailable"}
        body.update({name: status.as_json() for name, status in self.components.items()})
        return body


class ReadinessProbe:
    """Runs the checks concurrently in threads; answers from cache for ``cache_seconds``."""

    def __init__(
        self,
        checks: Mapping[str, ComponentCheck],
        *,
        budget_seconds: float,
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.checks = dict(checks)
        self.budget_seconds = budget_seconds
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._last: ReadinessReport | None = None
        self._lock = asyncio.Lock()

    async def report(self) -> ReadinessReport:
        """The cached report while fresh, else a new one (concurrent callers share it)."""
        async with self._lock:
            last = self._last
            if last is not None and self.clock() - last.checked_at < self.cache_seconds:
                return last
            self._last = await self._check_all()
            return self._last

    async def _check_all(self) -> ReadinessReport:
        names = list(self.checks)
        tasks = [asyncio.create_task(asyncio.to_thread(_status_of, self.checks[n])) for n in names]
        done, pending = await asyncio.wait(tasks, timeout=self.budget_seconds)
        for task in pending:
            task.cancel()  # the thread ends by its own socket timeout; its answer is dropped
        late = ComponentStatus(False, f"no answer within {self.budget_seconds:g}s")
        components = {
            name: task.result() if task in done else late
            for name, task in zip(names, tasks, strict=True)
        }
        return ReadinessReport(components, checked_at=self.clock())


def _status_of(check: ComponentCheck) -> ComponentStatus:
    try:
        check()
    except (ConfigError, DatabaseError) as exc:
        return ComponentStatus(False, exc.problem, exc.fix)
    except Exception as exc:  # any failure is a finding here, never a crash of /readyz
        return ComponentStatus(False, f"{type(exc).__name__}: {exc}")
    return ComponentStatus(True)
