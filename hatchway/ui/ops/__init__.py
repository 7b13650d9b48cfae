"""The ops console under /ops: categories and their evidence, charts, the audit queue,
model pins and kill switches, costs, and the audit log.

``ops_routers()`` gives the routers the app includes; ``OpsSettings`` nests in Settings as
``ops``. Routers are imported on demand so that the settings can be imported by
``hatchway.config`` without importing the web layer (which imports the config).
"""

from fastapi import APIRouter

from hatchway.ui.ops.settings import OpsSettings

__all__ = ["OpsSettings", "ops_routers"]


def ops_routers() -> list[APIRouter]:
    """The ops console's routers, one per page or resource."""
    from hatchway.ui.ops.routes import audit, categories, console, costs, log, models

    return [
        console.router,
        categories.router,
        audit.router,
        models.router,
        costs.router,
        log.router,
    ]
