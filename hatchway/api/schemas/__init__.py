"""Request and response bodies of the API, kept apart from the ORM rows they describe."""

from hatchway.api.schemas.categories import CategoryPublic, DemoteRequest, PromoteRequest
from hatchway.api.schemas.decisions import DecisionCreate, DecisionQueued
from hatchway.api.schemas.messages import (
    DecisionPublic,
    DraftPublic,
    MessageCreate,
    MessageDetail,
    MessagePage,
    MessageSummary,
    OutboxPublic,
    SubmissionPublic,
)

__all__ = [
    "CategoryPublic",
    "DecisionCreate",
    "DecisionPublic",
    "DecisionQueued",
    "DemoteRequest",
    "DraftPublic",
    "MessageCreate",
    "MessageDetail",
    "MessagePage",
    "MessageSummary",
    "OutboxPublic",
    "PromoteRequest",
    "SubmissionPublic",
]
