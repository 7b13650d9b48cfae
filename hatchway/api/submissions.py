"""Submitting inbound mail through the API: the same intake as IMAP, answered idempotently.

The raw bytes, their parse result (or quarantine reason), the triage job and the
idempotency records commit in one transaction. Two concurrent duplicates race on the
records' unique key; the loser's whole transaction rolls back and it answers the winner's.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hatchway.api.errors import ApiError
from hatchway.api.idempotency import Answer, SubmissionKey, find_answer, record_answer
from hatchway.api.schemas import SubmissionPublic
from hatchway.intake import accept_raw_message
from hatchway.mail.parse import ParsedEmail, parse_message
from hatchway.store import Database
from hatchway.store.models import InboundMessage, InboundSource

__all__ = ["submit_raw"]


def submit_raw(
    database: Database,
    *,
    raw: bytes,
    api_key_id: int,
    idempotency_key: str | None,
    own_domains: frozenset[str] = frozenset(),
) -> Answer:
    """Store ``raw`` (quarantined if it cannot be parsed) or answer as the first time did."""
    request_sha256 = hashlib.sha256(raw).hexdigest()
    keys = _keys_of(raw, request_sha256, api_key_id, idempotency_key, own_domains)
    try:
        with database.session() as session:
            return _submit_once(session, raw, keys, request_sha256, own_domains)
    except IntegrityError:
        with database.session() as session:
            answer = find_answer(session, keys, request_sha256)
        if answer is None:  # the twin rolled back after all: the client may simply retry
            raise ApiError(
                409, "conflict", "A duplicate submission was in progress; retry."
            ) from None
        return answer


def _keys_of(
    raw: bytes,
    request_sha256: str,
    api_key_id: int,
    idempotency_key: str | None,
    own_domains: frozenset[str],
) -> list[SubmissionKey]:
    keys = []
    if idempotency_key is not None:
        keys.append(SubmissionKey.idempotency_key(api_key_id, idempotency_key))
    message_id = _message_id(raw, own_domains)
    if message_id is not None:
        keys.append(SubmissionKey.message_id(message_id))
    keys.append(SubmissionKey.content(request_sha256))
    return keys


def _message_id(raw: bytes, own_domains: frozenset[str]) -> str | None:
    # The same parser as intake, so the id is normalised exactly as it is stored. It never
    # raises by contract; if a bug makes it, intake quarantines the mail and says why.
    try:
        parsed = parse_message(raw, own_domains=own_domains)
    except Exception:
        return None
    return parsed.message_id if isinstance(parsed, ParsedEmail) else None


def _submit_once(
    session: Session,
    raw: bytes,
    keys: list[SubmissionKey],
    request_sha256: str,
    own_domains: frozenset[str],
) -> Answer:
    answer = find_answer(session, keys, request_sha256)
    if answer is not None:
        record_answer(session, keys, request_sha256, answer, only_missing=True)
        return answer
    earlier = _stored_with_message_id(session, keys)
    if earlier is not None:  # came in another way (IMAP) before: the same message
        answer = Answer(200, _public(earlier, duplicate=True), earlier.id)
    else:
        accepted = accept_raw_message(
            session, raw=raw, source=InboundSource.API, own_domains=own_domains
        )
        message, is_new = accepted.message, accepted.is_new
        answer = Answer(201 if is_new else 200, _public(message, duplicate=not is_new), message.id)
    record_answer(session, keys, request_sha256, answer)
    return answer


def _stored_with_message_id(session: Session, keys: list[SubmissionKey]) -> InboundMessage | None:
    message_ids = [key.key for key in keys if key.scope == "message-id"]
    if not message_ids:
        return None
    query = select(InboundMessage).where(InboundMessage.message_id == message_ids[0])
    return session.scalars(query.order_by(InboundMessage.id).limit(1)).first()


def _public(message: InboundMessage, *, duplicate: bool) -> dict[str, object]:
    public = SubmissionPublic(
        id=message.id,
        status=message.status,
        status_reason=message.status_reason,
        message_id=message.message_id,
        duplicate=duplicate,
    )
    return public.model_dump(mode="json")
