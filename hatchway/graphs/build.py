"""Build the triage services (pinned models, prompts, lookups) from Settings."""

from __future__ import annotations

import logging
from functools import partial

from hatchway.agents.classify import classify_prompt, make_classify_agent
from hatchway.agents.deprecations import PinDeprecation, pin_deprecation, today_utc
from hatchway.agents.draft import draft_prompt, make_draft_agent
from hatchway.agents.offline.factory import local_model_factory
from hatchway.agents.outputs import Classification
from hatchway.agents.pins import ModelPin
from hatchway.agents.providers import build_model
from hatchway.config import Settings
from hatchway.errors import ConfigError
from hatchway.graphs.services import Lookup, NodeModel, NoLookup, TriageServices
from hatchway.policies.gate_state import GateInForce
from hatchway.store import Database

__all__ = ["build_triage_services", "reply_from_address"]

log = logging.getLogger(__name__)


def reply_from_address(settings: Settings) -> str:
    """The address replies are sent from: the SMTP sender, else support@ our first domain."""
    if settings.smtp is not None:
        return settings.smtp.from_address
    if settings.own_domains:
        return f"support@{settings.own_domains[0]}"
    raise ConfigError(
        "smtp.from_address", "no address to reply from", "configure [smtp] or set own_domains"
    )


def build_triage_services(
    settings: Settings, database: Database, *, lookup: Lookup | None = None
) -> TriageServices:
    """Every node's pinned model and prompt; ConfigError (with the fix) if a pin is missing."""
    local = partial(local_model_factory, models_dir=settings.models_dir)
    models = settings.models
    classify_pin, draft_pin = models.pin_for("classify"), models.pin_for("draft")
    classify = NodeModel(
        make_classify_agent(build_model(classify_pin, models, local_factory=local)),
        classify_pin,
        classify_prompt(),
        _reported_deprecation(classify_pin),
    )
    draft = NodeModel(
        make_draft_agent(build_model(draft_pin, models, local_factory=local)),
        draft_pin,
        draft_prompt(),
        _reported_deprecation(draft_pin),
    )
    fallback: NodeModel[Classification] | None = None
    fallback_pin = models.model_pins().get("classify_fallback")
    if fallback_pin is not None:
        fallback = NodeModel(
            make_classify_agent(build_model(fallback_pin, models, local_factory=local)),
            fallback_pin,
            classify_prompt(),
            _reported_deprecation(fallback_pin),
        )
    if lookup is None:
        lookup = connector_lookup(settings)
    return TriageServices(
        database=database,
        classify=classify,
        draft=draft,
        classify_fallback=fallback,
        from_address=reply_from_address(settings),
        lookup=lookup,
        gate=GateInForce(database, settings.models_dir),
        rules=settings.rules.active,
        allowed_link_domains=tuple(settings.claims.allowed_link_domains),
        settings=settings.triage,
        outbox=settings.outbox,
    )


def _reported_deprecation(pin: ModelPin) -> PinDeprecation | None:
    """The pin's deprecation, if its provider announced one, logged once as the worker starts."""
    deprecation = pin_deprecation(pin)
    if deprecation is not None:
        today = today_utc()
        if deprecation.retired(today):
            log.error("node %s: %s; its items go to review", pin.node, deprecation.describe(today))
        else:
            log.warning("node %s: %s", pin.node, deprecation.describe(today))
    return deprecation


def connector_lookup(settings: Settings) -> Lookup:
    """The CRM and inventory lookup the settings describe (NoLookup when neither is set)."""
    if settings.crm is None and settings.inventory is None:
        return NoLookup()
    from hatchway.connectors.crm import connect_crm
    from hatchway.connectors.inventory import connect_inventory
    from hatchway.connectors.lookup import ConnectorLookup

    crm = connect_crm(settings.crm) if settings.crm is not None else None
    inventory = connect_inventory(settings.inventory) if settings.inventory is not None else None
    return ConnectorLookup(crm, inventory, shop=settings.shop)
