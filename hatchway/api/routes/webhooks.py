"""The webhook delivery log: what was sent to which endpoint, and redelivery (ops role).

The log's own records (:class:`hatchway.webhooks.DeliveryRecord`) are the public shape.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from hatchway.api.deps import DatabaseDep, OpsKey
from hatchway.api.errors import ApiError, ErrorResponse
from hatchway.store import Database
from hatchway.webhooks import DeliveryNotFound, DeliveryRecord, list_deliveries, redeliver

__all__ = ["router"]

router = APIRouter(prefix="/webhooks/deliveries", tags=["webhooks"])

DeliveryId = Annotated[int, Path(ge=1, le=2**62)]
_NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "No such delivery."}
}


@router.get("", response_model=list[DeliveryRecord])
async def deliveries(
    key: OpsKey,
    database: DatabaseDep,
    failed: Annotated[bool, Query(description="Only deliveries that gave up.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[DeliveryRecord]:
    """The newest deliveries first: endpoint, state, attempts, the last answer or error."""
    records = await run_in_threadpool(list_deliveries, database, failed_only=failed, limit=limit)
    return records


@router.post("/{delivery_id}/redeliver", response_model=DeliveryRecord, responses=_NOT_FOUND)
async def redeliver_one(
    delivery_id: DeliveryId, key: OpsKey, database: DatabaseDep
) -> DeliveryRecord:
    """Send it again with fresh attempts (same delivery id, so receivers can de-duplicate)."""
    return await run_in_threadpool(_redeliver, database, delivery_id)


def _redeliver(database: Database, delivery_id: int) -> DeliveryRecord:
    try:
        return redeliver(database, delivery_id)
    except DeliveryNotFound:
        raise ApiError(404, "not_found", f"No webhook delivery {delivery_id}.") from None
