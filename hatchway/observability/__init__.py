"""Running hatchway as a service: logs with item ids, readiness checks, Prometheus metrics.

Only the light parts are imported here (config.py imports the settings); the metrics
collector and the readiness checks live in their own modules.
"""

from hatchway.observability.context import LogContextFilter, log_context
from hatchway.observability.logs import configure_logging
from hatchway.observability.settings import LogFormat, ObservabilitySettings

__all__ = [
    "LogContextFilter",
    "LogFormat",
    "ObservabilitySettings",
    "configure_logging",
    "log_context",
]
