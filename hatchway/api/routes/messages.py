"""Inbound messages: submit one (raw RFC 822 or structured JSON), list them, read one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from hatchway.api.deps import DatabaseDep, ReviewerKey, SessionDep
from hatchway.api.errors import ApiError, ErrorResponse
from hatchway.api.idempotency import IDEMPOTENCY_HEADER
from hatchway.api.queries import message_detail, message_page
from hatchway.api.schemas import MessageCreate, MessageDetail, MessagePage, SubmissionPublic
from hatchway.api.structured import compose_inbound
from hatchway.api.submissions import submit_raw
from hatchway.config import Settings
from hatchway.store.models import InboundStatus

__all__ = ["MAX_MESSAGE_BYTES", "router"]

router = APIRouter(prefix="/messages", tags=["messages"])

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # what common mail servers accept
RFC822 = "message/rfc822"
JSON = "application/json"

_SUBMIT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON: {"schema": {"$ref": "#/components/schemas/MessageCreate"}},
            RFC822: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
_SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": SubmissionPublic, "description": "Stored before: the first answer again."},
    201: {"model": SubmissionPublic, "description": "Stored (or quarantined, with the reason)."},
    413: {"model": ErrorResponse, "description": "Larger than 25 MiB."},
    415: {"model": ErrorResponse, "description": "Neither message/rfc822 nor JSON."},
}

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=255,
        description="Repeats with this key (per API key) get the first answer again.",
    ),
]


@router.post(
    "",
    status_code=201,
    response_model=SubmissionPublic,
    responses=_SUBMIT_RESPONSES,
    openapi_extra=_SUBMIT_BODY,
)
async def submit_message(
    request: Request,
    key: ReviewerKey,
    database: DatabaseDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Submit an inbound e-mail; it takes the same way as mail fetched over IMAP.

    Mail that cannot be parsed is stored and quarantined with the reason (status 201,
    ``status: quarantined``), never refused. A repeat (same Idempotency-Key, Message-ID or
    bytes) gets the first answer again, with the header ``Idempotent-Replayed: true``.
    """
    raw = await _raw_message(request)
    settings: Settings = request.app.state.settings
    answer = await run_in_threadpool(
        submit_raw,
        database,
        raw=raw,
        api_key_id=key.id,
        idempotency_key=idempotency_key,
        own_domains=frozenset(settings.own_domains),
    )
    root = request.scope.get("root_path", "")
    headers = {"Location": f"{root}/messages/{answer.inbound_message_id}"}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


async def _raw_message(request: Request) -> bytes:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in (RFC822, JSON):
        raise ApiError(415, "unsupported_media_type", f"Send {RFC822} or {JSON}.")
    body = await _read_capped(request)
    if media_type == RFC822:
        if not body:
            raise ApiError(422, "validation_error", "The message is empty.", field="body")
        return body
    try:
        submission = MessageCreate.model_validate_json(body)
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors(include_url=False)) from None
    return compose_inbound(submission)


async def _read_capped(request: Request) -> bytes:
    """The body, refused (413) as soon as it passes the limit: never held whole if too big."""
    too_large = ApiError(413, "payload_too_large", "The message is larger than 25 MiB.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_MESSAGE_BYTES:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_MESSAGE_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("", response_model=MessagePage)
def list_messages(
    key: ReviewerKey,
    session: SessionDep,
    status: InboundStatus | None = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagePage:
    """Items newest first, filtered by status and category, paged by ``before_id``."""
    return message_page(session, status=status, category=category, before_id=before_id, limit=limit)


@router.get(
    "/{message_id}",
    response_model=MessageDetail,
    responses={404: {"model": ErrorResponse, "description": "No such message."}},
)
def get_message(
    message_id: Annotated[int, Path(ge=1, le=2**62)], key: ReviewerKey, session: SessionDep
) -> MessageDetail:
    """One item with its drafts, review decisions and outbox state."""
    return message_detail(session, message_id)
