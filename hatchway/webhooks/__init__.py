"""Webhooks out, for the CRM: events recorded with their cause, signed deliveries, a log.

Call sites record events with :func:`record_event`; the worker runs the poller from
:func:`hatchway.webhooks.dispatcher.build_webhook_dispatcher` (imported from its module,
so this package stays light enough for ``hatchway.config`` and the policies to import);
operators list and redeliver with :func:`list_deliveries` and :func:`redeliver`.
See docs/webhooks.md for the wire format and how a receiver verifies a signature.
"""

from hatchway.webhooks.delivery_log import (
    DeliveryNotFound,
    DeliveryRecord,
    get_delivery,
    list_deliveries,
    redeliver,
)
from hatchway.webhooks.events import (
    EventType,
    item_payload,
    record_back_in_review,
    record_event,
    reply_payload,
)
from hatchway.webhooks.settings import WebhookSettings
from hatchway.webhooks.signing import SignatureInvalid, signature_header, verify_signature

__all__ = [
    "DeliveryNotFound",
    "DeliveryRecord",
    "EventType",
    "SignatureInvalid",
    "WebhookSettings",
    "get_delivery",
    "item_payload",
    "list_deliveries",
    "record_back_in_review",
    "record_event",
    "redeliver",
    "reply_payload",
    "signature_header",
    "verify_signature",
]
