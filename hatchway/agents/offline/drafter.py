"""The template drafter: per-category reply templates filled with the facts in the prompt.

Templates live in ``templates/<category>.<language>.txt`` (see :mod:`.templating` for their
language). Fact keys the templates read: ``order.<id>.status | placed_at | total | carrier |
tracking_number | shipped_at | delivered_at | return_deadline | invoice_id | refund_status |
refund_amount | return_status | shipping_address``, ``product.<sku>.name | available |
restock_date``, ``policy.return_window_days | warranty_years``, ``shop.name`` and the
customer record's ``name``. Values are copied verbatim, except order statuses, which are
shown in words of the reply's language.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources

from pydantic_ai.exceptions import UserError

from hatchway.agents.offline._base import OfflineModel
from hatchway.agents.offline.templating import Slot, fill_template
from hatchway.agents.outputs import DraftReply
from hatchway.agents.requests import DraftRequest, parse_user_prompt

__all__ = [
    "TEMPLATE_CATEGORIES",
    "TEMPLATE_DRAFTER",
    "TEMPLATE_DRAFTER_VERSION",
    "TEMPLATE_LANGUAGES",
    "TemplateDrafterModel",
    "build_slots",
    "templates_digest",
]

TEMPLATE_DRAFTER = "template-drafter"
TEMPLATE_DRAFTER_VERSION = "1.0.0"
TEMPLATE_CATEGORIES = (
    "order_status",
    "return_request",
    "refund",
    "product_availability",
    "address_change",
    "complaint",
    "invoice_copy",
    "cancellation",
)
TEMPLATE_LANGUAGES = ("en", "de")
_FALLBACK_CATEGORY = "other"
_STATUS_WORDS = {
    "en": {"pending": "awaiting payment", "paid": "paid and being prepared"},
    "de": {
        "pending": "noch nicht bezahlt",
        "paid": "bezahlt und in Vorbereitung",
        "packed": "verpackt",
        "shipped": "versandt",
        "delivered": "zugestellt",
        "cancelled": "storniert",
        "returned": "zurückgesendet",
        "refunded": "erstattet",
    },
}
_REPLY_PREFIX = re.compile(r"^(re|aw|sv|antw|r|rif)\s*:", re.I)


def _template_files() -> resources.abc.Traversable:
    return resources.files(__package__).joinpath("templates")


def templates_digest() -> str:
    """sha256 over every template file (name and bytes): what this release's wording is."""
    digest = hashlib.sha256()
    for item in sorted(_template_files().iterdir(), key=lambda t: t.name):
        if item.name.endswith(".txt"):
            digest.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    return digest.hexdigest()


def _first_ids(request: DraftRequest, kind: str) -> list[str]:
    ids = [f.key.split(".")[1] for f in request.facts if f.key.count(".") == 2]
    kinds = [f.key.split(".")[0] for f in request.facts if f.key.count(".") == 2]
    return list(dict.fromkeys(i for i, k in zip(ids, kinds, strict=True) if k == kind))


def build_slots(request: DraftRequest) -> dict[str, Slot]:
    """Placeholder values from the request's facts and customer record; nothing else."""
    slots: dict[str, Slot] = {}
    primary = {kind: (_first_ids(request, kind) or [""])[0] for kind in ("order", "product")}
    for fact in request.facts:
        if fact.value is None or fact.value == "":
            continue
        kind, _, rest = fact.key.partition(".")
        ident, _, field = rest.partition(".")
        if kind in primary and field and "." not in field:
            if ident != primary[kind]:
                continue
            slots.setdefault(f"{kind}.id", Slot(ident, ident, fact.key))
            name = f"{kind}.{field}"
        else:
            name = fact.key
        raw = str(fact.value)
        text = (
            _STATUS_WORDS.get(request.language, {}).get(raw, raw) if name == "order.status" else raw
        )
        slots[name] = Slot(text, raw, fact.key)
    for field, value in (request.customer or {}).items():
        if value is not None and value != "":
            slots[f"customer.{field}"] = Slot(str(value), str(value), f"customer.{field}")
    return slots


def _pick_template(category: str, language: str) -> tuple[str, list[str]]:
    risks: list[str] = []
    if category not in TEMPLATE_CATEGORIES:
        risks.append(f"No reply template for category {category!r}: only a holding reply.")
        category = _FALLBACK_CATEGORY
    if language not in TEMPLATE_LANGUAGES:
        risks.append(f"No {language!r} template: the draft is in English and needs translating.")
        language = "en"
    text = _template_files().joinpath(f"{category}.{language}.txt").read_text(encoding="utf-8")
    return text, risks


def _subject(subject: str) -> str:
    subject = subject.strip()
    if not subject:
        return "Re: your message"
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


class TemplateDrafterModel(OfflineModel):
    """Fills the category's template in the request's language; lists what it could not fill."""

    def __init__(self) -> None:
        super().__init__(model_name=f"{TEMPLATE_DRAFTER}@{TEMPLATE_DRAFTER_VERSION}")

    def answer(self, prompt: str) -> DraftReply:
        """Draft the reply for a rendered draft prompt."""
        request = parse_user_prompt(prompt)
        if not isinstance(request, DraftRequest):
            raise UserError(f"{self.model_name} only answers draft prompts")
        template, risks = _pick_template(request.category, request.language)
        filled = fill_template(template, build_slots(request))
        risks += filled.risks
        risks += [f"No fact for {{{name}}}: that sentence was left out." for name in filled.missing]
        if len(orders := _first_ids(request, "order")) > 1:
            risks.append(f"Facts cover several orders; the draft only answers {orders[0]}.")
        return DraftReply(
            subject=_subject(request.subject),
            body=filled.text,
            facts_used=filled.facts_used,
            risks=risks,
        )
