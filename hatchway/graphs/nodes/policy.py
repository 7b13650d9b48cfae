"""The deterministic nodes: lookup, rules, check, gate.

lookup reads the sender's CRM record, the orders and SKUs the classifier found, and the
products the email names (the classifier's product names, else a catalogue name match on
the email text); rules evaluates the declarative business rules (``policies.rules``) plus
the built-in ones (never-auto categories, an unsure classifier); check flags text aimed at
the AI and checks the draft's claims against the facts (``policies.claims``); gate scores
the draft with the gate in force (unknown without one). Anything they are not sure about
sends the item to a human.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import bindparam, select

from hatchway.agents.outputs import Classification, DraftReply
from hatchway.agents.requests import Fact
from hatchway.graphs.nodes.common import load_message
from hatchway.graphs.nodes.escalation import escalation_of
from hatchway.graphs.nodes.injection import injection_signals
from hatchway.graphs.recording import NodeFunction, NodeRecord, NodeResult
from hatchway.graphs.services import TriageServices
from hatchway.graphs.state import TriageState
from hatchway.policies.claims import FactIndex, check_claims, failed_claims
from hatchway.policies.gate import GATE_MODEL, GateInput
from hatchway.policies.rules import build_context, evaluate
from hatchway.store.prepared import Prepared
from hatchway.store.tables import MESSAGES

__all__ = ["make_check", "make_gate", "make_lookup", "make_rules"]

NEVER_AUTO = frozenset({"legal_threat", "other"})
MAX_PRODUCT_NAMES = 3


def make_lookup(services: TriageServices) -> NodeFunction:
    """lookup: the customer's record, orders and stock, read-only."""

    def lookup(state: TriageState) -> NodeResult:
        classification = Classification.model_validate(state["classification"])
        message = load_message(services.database, state["message_id"])
        entities = classification.entities
        names = list(dict.fromkeys(entities.product_names))[:MAX_PRODUCT_NAMES]
        if not names and not entities.skus:
            text = f"{message.subject or ''}\n{message.text_body or ''}"
            names = services.lookup.product_names_in(text)[:MAX_PRODUCT_NAMES]
        result = services.lookup.lookup(
            sender=message.from_address or "", classification=classification, product_names=names
        )
        update: dict[str, Any] = {
            "customer": result.customer,
            "facts": [fact.model_dump(mode="json") for fact in result.facts],
            "notes": list(result.notes),
        }
        summary = f"orders {entities.order_ids}, skus {entities.skus}, products {names}"
        found = f"customer {'found' if result.customer else 'not found'}, {len(result.facts)} facts"
        return update, NodeRecord(input_summary=summary, output_summary=found)

    return lookup


def make_rules(services: TriageServices) -> NodeFunction:
    """rules: what must go to a human whatever the confidence, each hit explained."""

    def rules(state: TriageState) -> NodeResult:
        classification = Classification.model_validate(state["classification"])
        message = load_message(services.database, state["message_id"])
        context = build_context(
            classification=classification,
            customer=state.get("customer"),
            facts=[Fact.model_validate(fact) for fact in state.get("facts", [])],
            subject=message.subject or "",
            body=message.text_body or "",
        )
        hits = [hit.as_dict() for hit in evaluate(services.rules, context)]
        hits += _built_in_hits(services, classification)
        reasons = [hit["explanation"] for hit in hits if hit["action"] != "note"]
        if (escalation := escalation_of(hits)) is not None:
            reasons.append(escalation.reason)
        record = NodeRecord(output_summary="; ".join(h["explanation"] for h in hits) or "no hit")
        return {"rule_hits": hits, "review_reasons": reasons}, record

    return rules


def _built_in_hits(
    services: TriageServices, classification: Classification
) -> list[dict[str, Any]]:
    """Checks that depend on settings rather than rules: an unsure classifier, 'other' mail."""
    hits = []
    if classification.category in NEVER_AUTO:
        explanation = f"{classification.category} mail is always answered by a person"
        hits.append(
            {"rule": "never-auto-category", "action": "require_review", "explanation": explanation}
        )
    threshold = services.settings.confidence_threshold
    if classification.confidence < threshold:
        hits.append(
            {
                "rule": "classifier-unsure",
                "action": "require_review",
                "explanation": f"the classifier is unsure ({classification.confidence:.2f} < "
                f"{threshold:.2f}); {classification.category} is a guess",
            }
        )
    return hits


def make_check(services: TriageServices) -> NodeFunction:
    """check: text in the email aimed at the AI (always; it forces review), then the draft's
    order numbers, amounts, stock promises, dates, tracking and links vs the facts."""

    def check(state: TriageState) -> NodeResult:
        injection = _injection_results(services, state["message_id"])
        flagged = [result["explanation"] for result in injection]
        if state.get("draft") is None:
            summary = f"no draft to check; {len(injection)} injection signals"
            update = {"check_results": injection, "review_reasons": flagged}
            return update, NodeRecord(output_summary=summary)
        draft = DraftReply.model_validate(state["draft"])
        facts = [Fact.model_validate(fact) for fact in state.get("facts", [])]
        classification = Classification.model_validate(state["classification"])
        own_orders = FactIndex(facts).ids("order") if state.get("customer") else []
        results = check_claims(
            draft,
            facts,
            customer_order_ids=own_orders,
            mentioned_order_ids=classification.entities.order_ids,
            allowed_link_domains=services.allowed_link_domains,
        )
        failed = [result.explanation for result in failed_claims(results)]
        summary = (
            f"{len(results)} claims, {len(failed)} not backed by facts; "
            f"{len(injection)} injection signals"
        )
        update = {
            "check_results": [*injection, *(r.as_dict() for r in results)],
            "review_reasons": [*flagged, *failed],
        }
        return update, NodeRecord(output_summary=summary)

    return check


_RAW: Final = Prepared(select(MESSAGES.c.raw).where(MESSAGES.c.id == bindparam("b_id")))


def _injection_results(services: TriageServices, message_id: int) -> list[dict[str, Any]]:
    """Injection signals as failed check results (the raw bytes are read for hidden HTML)."""
    message = load_message(services.database, message_id)
    raw = None
    if message.html_body:
        with services.database.reading() as connection:
            raw = _RAW.scalar(connection, {"b_id": message_id})
    signals = injection_signals(message.subject or "", message.text_body or "", raw)
    return [
        {
            "check": "injection",
            "claim": signal.kind,
            "ok": False,
            "explanation": signal.explanation,
            "evidence": signal.evidence,
        }
        for signal in signals
    ]


def make_gate(services: TriageServices) -> NodeFunction:
    """gate: the probability a reviewer would send the draft unchanged (unknown → review)."""

    def gate(state: TriageState) -> NodeResult:
        if state.get("draft") is None:
            empty = {"score": None, "version": None, "explanation": "no draft to score"}
            return {"gate": empty}, NodeRecord(output_summary="no draft to score")
        message = load_message(services.database, state["message_id"])
        in_force = services.gate.current()
        gate_input = GateInput.from_state(
            state, email_text=message.text_body or "", reference=in_force.reference
        )
        scored = in_force.score(gate_input)
        verdict: dict[str, Any] = {
            "score": scored.score,
            "version": scored.version,
            "explanation": scored.explanation,
        }
        summary = "unknown" if scored.score is None else f"{scored.score:.3f}"
        record = NodeRecord(
            model=GATE_MODEL,
            model_version=scored.version,
            output_summary=summary,
            provider="local" if scored.version else None,
        )
        return {"gate": verdict}, record

    return gate
