"""The ops console under /ops: categories and their evidence, charts, the audit queue,
model pins and kill switches, costs, and the audit log.

``ops_routers`` are included by the app; ``OpsSettings`` nests in Settings as ``ops``.
"""

from fastapi import APIRouter

from hatchway.ui.ops.routes import audit, categories, console, costs, log, models
from hatchway.ui.ops.settings import OpsSettings

__all__ = ["OpsSettings", "ops_routers"]

ops_routers: list[APIRouter] = [
    console.router,
    categories.router,
    audit.router,
    models.router,
    costs.router,
    log.router,
]
