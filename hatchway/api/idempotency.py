"""Idempotency records: what identifies a repeated submission, and the answer it gets again.

A submission is known by up to three things, each one a record with the first answer:
its Idempotency-Key (per API key; the same key with other content is an error), its
Message-ID (one message, whatever route it took) and its exact bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.api.errors import ApiError
from hatchway.store.models import IdempotencyRecord

__all__ = ["IDEMPOTENCY_HEADER", "Answer", "SubmissionKey", "find_answer", "record_answer"]

IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class SubmissionKey:
    """One thing that identifies a submission: a scope and a key inside it."""

    scope: str
    key: str
    api_key_id: int | None = None

    @property
    def key_sha256(self) -> str:
        return hashlib.sha256(self.key.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def is_client_key(self) -> bool:
        """An Idempotency-Key header, which must come with the same content every time."""
        return self.api_key_id is not None

    @classmethod
    def idempotency_key(cls, api_key_id: int, key: str) -> SubmissionKey:
        return cls(f"key:{api_key_id}", key, api_key_id)

    @classmethod
    def message_id(cls, message_id: str) -> SubmissionKey:
        return cls("message-id", message_id)

    @classmethod
    def content(cls, content_sha256: str) -> SubmissionKey:
        return cls("content", content_sha256)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer to a submission: status code and JSON body; ``replayed`` if a repeat's."""

    status_code: int
    body: dict[str, Any]
    inbound_message_id: int
    replayed: bool = False


def find_answer(session: Session, keys: list[SubmissionKey], request_sha256: str) -> Answer | None:
    """The first answer to any of ``keys``; ApiError 422 when an Idempotency-Key is reused."""
    for key in keys:
        record = _record(session, key)
        if record is None:
            continue
        if key.is_client_key and record.request_sha256 != request_sha256:
            raise ApiError(
                422,
                "idempotency_key_reused",
                f"This {IDEMPOTENCY_HEADER} was used with a different request; "
                "use a new key for a new submission.",
                field=IDEMPOTENCY_HEADER,
            )
        return Answer(record.status_code, record.response_body, record.inbound_message_id, True)
    return None


def record_answer(
    session: Session,
    keys: list[SubmissionKey],
    request_sha256: str,
    answer: Answer,
    *,
    only_missing: bool = False,
) -> None:
    """Store ``answer`` under each of ``keys`` (flushed, so a concurrent twin fails here,
    on the unique key). ``only_missing`` adds just the keys not known yet, for a replay
    that brought a new Idempotency-Key; a new answer must never skip a key, or a twin that
    committed meanwhile would go unnoticed."""
    for key in keys:
        if only_missing and _record(session, key) is not None:
            continue
        session.add(
            IdempotencyRecord(
                scope=key.scope,
                key_sha256=key.key_sha256,
                api_key_id=key.api_key_id,
                request_sha256=request_sha256,
                inbound_message_id=answer.inbound_message_id,
                status_code=answer.status_code,
                response_body=answer.body,
            )
        )
    session.flush()


def _record(session: Session, key: SubmissionKey) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == key.scope, IdempotencyRecord.key_sha256 == key.key_sha256
        )
    )
