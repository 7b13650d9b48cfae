"""Cost estimates (local 0, unknown None, exact Decimal arithmetic) and the prompt hash."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from hatchway.agents.costs import PRICES, PRICES_AS_OF, estimate_cost, prompt_hash
from hatchway.agents.pins import parse_pin

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("spec", "input_tokens", "output_tokens", "expected"),
    [
        ("openai:gpt-4.1-mini-2025-04-14", 1_000_000, 1_000_000, Decimal("2.00")),
        ("openai:gpt-4.1-mini-2025-04-14", 1_000, 500, Decimal("0.0012")),
        ("anthropic:claude-sonnet-4-5-20250929", 2_000, 1_000, Decimal("0.021")),
        ("anthropic:claude-3-5-haiku-20241022", 10_000, 0, Decimal("0.008")),
        ("openai:gpt-4.1-mini-2025-04-14", 0, 0, Decimal(0)),
    ],
)
def test_known_models(spec: str, input_tokens: int, output_tokens: int, expected: Decimal) -> None:
    assert estimate_cost(parse_pin("draft", spec), input_tokens, output_tokens) == expected


@pytest.mark.parametrize("spec", ["local:template-drafter@1.0.0", f"local:intent-tfidf@{DIGEST}"])
def test_local_models_cost_nothing(spec: str) -> None:
    assert estimate_cost(parse_pin("classify", spec), 5_000, 5_000) == Decimal(0)


@pytest.mark.parametrize(
    "spec",
    [
        "openai:gpt-5-2025-08-07",  # a real dated id that is not in the table
        "anthropic:claude-opus-4-1-20250805",
        f"ollama:llama3.1:8b@{DIGEST}",  # self-hosted: hardware, not tokens
        "vllm:qwen2.5-7b-2025-01-15",
    ],
)
def test_unknown_price_is_none(spec: str) -> None:
    assert estimate_cost(parse_pin("draft", spec), 1_000, 1_000) is None


def test_negative_tokens_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        estimate_cost(parse_pin("draft", "openai:gpt-4.1-mini-2025-04-14"), -1, 0)


def test_every_priced_model_is_a_valid_pin() -> None:
    for provider, model in PRICES:
        pin = parse_pin("draft", f"{provider}:{model}")
        assert (pin.provider, pin.model) == (provider, model)
    assert PRICES_AS_OF == "2026-11-22"


def test_prompt_hash_is_sha256_hex_of_utf8() -> None:
    assert prompt_hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    text = "Bonjour, où est ma commande NW-100231 ?"
    assert prompt_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert prompt_hash(text) != prompt_hash(text + " ")
