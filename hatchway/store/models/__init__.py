"""The typed SQLAlchemy models; the schema itself is made only by Alembic migrations."""

from hatchway.store.models.api import ApiKey, IdempotencyRecord
from hatchway.store.models.automation import (
    AUTO_SEND_KILL_SWITCH,
    Category,
    CategoryMode,
    Flag,
    ModelPin,
)
from hatchway.store.models.base import Base, utcnow
from hatchway.store.models.jobs import Job, JobState, Lane
from hatchway.store.models.mail import InboundMessage, InboundSource, InboundStatus, Mailbox, Thread
from hatchway.store.models.outbox import (
    Approval,
    AuditSample,
    AuditVerdict,
    OutboxEntry,
    OutboxState,
)
from hatchway.store.models.people import ROLE_RANK, AuditEvent, Role, User
from hatchway.store.models.review import (
    DecisionAction,
    DecisionLabel,
    Draft,
    DraftAuthor,
    ReviewDecision,
    Route,
)
from hatchway.store.models.runs import GraphRun, GraphRunStatus, NodeRun, NodeRunStatus
from hatchway.store.models.sessions import LoginAttempt, UiSession
from hatchway.store.models.webhooks import DeliveryState, WebhookDelivery, WebhookEvent

__all__ = [
    "ApiKey",
    "IdempotencyRecord",
    "AuditSample",
    "AuditVerdict",
    "AUTO_SEND_KILL_SWITCH",
    "Flag",
    "Approval",
    "AuditEvent",
    "Base",
    "Category",
    "CategoryMode",
    "DecisionAction",
    "DecisionLabel",
    "DeliveryState",
    "Draft",
    "DraftAuthor",
    "GraphRun",
    "GraphRunStatus",
    "InboundMessage",
    "InboundSource",
    "InboundStatus",
    "Job",
    "JobState",
    "Lane",
    "LoginAttempt",
    "Mailbox",
    "ModelPin",
    "NodeRun",
    "NodeRunStatus",
    "OutboxEntry",
    "OutboxState",
    "ReviewDecision",
    "ROLE_RANK",
    "Role",
    "Route",
    "Thread",
    "UiSession",
    "User",
    "WebhookDelivery",
    "WebhookEvent",
    "utcnow",
]
