"""The deterministic nodes: lookup, rules, check, gate.

rules, check and gate are deliberately small here and conservative: anything they are not
sure about sends the item to a human. The declarative rules engine, the full claim checks
and the trained gate replace their insides without changing the graph.
"""

from __future__ import annotations

from typing import Any

from hatchway.agents.offline.entities import extract_entities
from hatchway.agents.outputs import Classification, DraftReply
from hatchway.graphs.nodes.common import load_message
from hatchway.graphs.recording import NodeFunction, NodeRecord, NodeResult
from hatchway.graphs.services import TriageServices
from hatchway.graphs.state import TriageState
from hatchway.policies.gate import GATE_MODEL, GateInput

__all__ = ["make_check", "make_gate", "make_lookup", "make_rules"]

NEVER_AUTO = frozenset({"legal_threat", "other"})


def make_lookup(services: TriageServices) -> NodeFunction:
    """lookup: the customer's record, orders and stock, read-only."""

    def lookup(state: TriageState) -> NodeResult:
        classification = Classification.model_validate(state["classification"])
        message = load_message(services.database, state["message_id"])
        result = services.lookup.lookup(
            sender=message.from_address or "", classification=classification
        )
        update: dict[str, Any] = {
            "customer": result.customer,
            "facts": [fact.model_dump(mode="json") for fact in result.facts],
            "notes": list(result.notes),
        }
        entities = classification.entities
        summary = f"orders {entities.order_ids}, skus {entities.skus}"
        found = f"customer {'found' if result.customer else 'not found'}, {len(result.facts)} facts"
        return update, NodeRecord(input_summary=summary, output_summary=found)

    return lookup


def make_rules(services: TriageServices) -> NodeFunction:
    """rules: what must go to a human whatever the confidence, each hit explained."""

    def rules(state: TriageState) -> NodeResult:
        classification = Classification.model_validate(state["classification"])
        hits = []
        if classification.category in NEVER_AUTO:
            hits.append(
                _hit(
                    "never-auto-category",
                    f"{classification.category} mail is always answered by a person",
                )
            )
        if classification.confidence < services.settings.confidence_threshold:
            hits.append(
                _hit(
                    "classifier-unsure",
                    f"the classifier is unsure "
                    f"({classification.confidence:.2f} < "
                    f"{services.settings.confidence_threshold:.2f}); "
                    f"{classification.category} is a guess",
                )
            )
        if state.get("customer") is None:
            hits.append(_hit("unknown-sender", "the sender is not a known customer"))
        reasons = [hit["explanation"] for hit in hits]
        record = NodeRecord(output_summary="; ".join(reasons) or "no rule hit")
        return {"rule_hits": hits, "review_reasons": reasons}, record

    return rules


def _hit(rule: str, explanation: str) -> dict[str, str]:
    return {"rule": rule, "action": "require_review", "explanation": explanation}


def make_check(services: TriageServices) -> NodeFunction:
    """check: every order number and amount in the draft must come from the looked-up facts."""

    def check(state: TriageState) -> NodeResult:
        if state.get("draft") is None:
            return {"check_results": []}, NodeRecord(output_summary="no draft to check")
        draft = DraftReply.model_validate(state["draft"])
        facts = state.get("facts", [])
        known_text = " ".join(f"{fact['key']} {fact['value']}" for fact in facts)
        claims = extract_entities(draft.body)
        results = [_claim("order_id", order, order in known_text) for order in claims.order_ids]
        results += [
            _claim("amount", f"{money.amount} {money.currency}", _amount_known(money.amount, facts))
            for money in claims.amounts
        ]
        failed = [r["explanation"] for r in results if not r["ok"]]
        summary = f"{len(results)} claims, {len(failed)} not backed by facts"
        return {"check_results": results, "review_reasons": failed}, NodeRecord(
            output_summary=summary
        )

    return check


def _claim(kind: str, claim: str, ok: bool) -> dict[str, Any]:
    verdict = "matches the looked-up facts" if ok else "is not backed by any looked-up fact"
    return {"check": kind, "claim": claim, "ok": ok, "explanation": f"{kind} {claim} {verdict}"}


def _amount_known(amount: Any, facts: list[dict[str, Any]]) -> bool:
    wanted = f"{amount:.2f}"
    return any(wanted in str(fact["value"]) for fact in facts)


def make_gate(services: TriageServices) -> NodeFunction:
    """gate: the probability a reviewer would send the draft unchanged (unknown → review)."""

    def gate(state: TriageState) -> NodeResult:
        if state.get("draft") is None:
            empty = {"score": None, "version": None, "explanation": "no draft to score"}
            return {"gate": empty}, NodeRecord(output_summary="no draft to score")
        message = load_message(services.database, state["message_id"])
        gate_input = GateInput.from_state(
            state, email_text=message.text_body or "", reference=services.gate.reference
        )
        scored = services.gate.score(gate_input)
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
