"""Estimated cost of a model call, and the prompt hash that attributes each output (I5).

The prices are ESTIMATES for reports and budgets, never for billing: USD per million tokens
from the providers' public list prices as known when this table was written (2026-11-22),
without batch, cached-input or priority-tier rates. Check the provider's pricing page before
relying on them. Offline (``local``) models cost 0; anything not in the table is unknown
(None), self-hosted servers (Ollama, vLLM) included: their cost is hardware, not tokens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from hatchway.agents.pins import ModelPin

__all__ = [
    "PRICES",
    "PRICES_AS_OF",
    "TokenPrice",
    "estimate_cost",
    "prompt_hash",
]

PRICES_AS_OF = "2026-11-22"
_MILLION = Decimal(1_000_000)


class TokenPrice(NamedTuple):
    """Estimated USD per million input and output tokens."""

    input_per_million: Decimal
    output_per_million: Decimal


def _usd(input_per_million: str, output_per_million: str) -> TokenPrice:
    return TokenPrice(Decimal(input_per_million), Decimal(output_per_million))


PRICES: Mapping[tuple[str, str], TokenPrice] = {
    ("openai", "gpt-4.1-2025-04-14"): _usd("2.00", "8.00"),
    ("openai", "gpt-4.1-mini-2025-04-14"): _usd("0.40", "1.60"),
    ("openai", "gpt-4.1-nano-2025-04-14"): _usd("0.10", "0.40"),
    ("openai", "gpt-4o-2024-08-06"): _usd("2.50", "10.00"),
    ("openai", "gpt-4o-mini-2024-07-18"): _usd("0.15", "0.60"),
    ("anthropic", "claude-sonnet-4-5-20250929"): _usd("3.00", "15.00"),
    ("anthropic", "claude-haiku-4-5-20251001"): _usd("1.00", "5.00"),
    ("anthropic", "claude-3-5-haiku-20241022"): _usd("0.80", "4.00"),
}
"""Estimated list prices (USD per million tokens) of dated models, keyed by (provider, model)."""


def estimate_cost(pin: ModelPin, input_tokens: int, output_tokens: int) -> Decimal | None:
    """Estimated USD cost of one call: 0 for local models, None when the price is unknown."""
    if input_tokens < 0 or output_tokens < 0:
        raise ValueError("token counts cannot be negative")
    if pin.provider == "local":
        return Decimal(0)
    price = PRICES.get((pin.provider, pin.model))
    if price is None:
        return None
    spent = input_tokens * price.input_per_million + output_tokens * price.output_per_million
    return spent / _MILLION


def prompt_hash(text: str) -> str:
    """SHA-256 (hex) of the exact prompt text sent, UTF-8 encoded, to attribute its output."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
