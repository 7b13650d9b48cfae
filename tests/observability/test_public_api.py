"""The public surface of hatchway.observability is deliberate: pinned here."""

from __future__ import annotations

import hatchway.observability as observability
import hatchway.observability.checks as checks
import hatchway.observability.metrics as metrics
import hatchway.observability.readiness as readiness
import hatchway.observability.web as web


def test_package_api() -> None:
    assert sorted(observability.__all__) == [
        "LogContextFilter",
        "LogFormat",
        "ObservabilitySettings",
        "configure_logging",
        "log_context",
    ]


def test_module_apis() -> None:
    assert sorted(checks.__all__) == ["ComponentCheck", "component_checks", "provider_base_urls"]
    assert sorted(metrics.__all__) == ["DatabaseCollector", "LATENCY_BUCKETS_MS"]
    assert sorted(readiness.__all__) == ["ComponentStatus", "ReadinessProbe", "ReadinessReport"]
    assert sorted(web.__all__) == ["install_observability", "metrics_router"]
