"""Pin grammar: every accepted and refused form; errors list every bad node with its fix."""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from hatchway.agents.pins import (
    KNOWN_NODES,
    ModelPin,
    PinError,
    PinProblem,
    parse_pin,
    validate_pins,
)
from hatchway.errors import ConfigError

DIGEST = "sha256:" + "0123456789abcdef" * 4

ACCEPTED = [
    ("openai:gpt-4.1-mini-2025-04-14", "openai", "gpt-4.1-mini-2025-04-14", "2025-04-14"),
    ("openai:gpt-4o-2024-08-06", "openai", "gpt-4o-2024-08-06", "2024-08-06"),
    ("anthropic:claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet-4-5-20250929", "20250929"),
    ("anthropic:claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku-20241022", "20241022"),
    (f"ollama:llama3.1@{DIGEST}", "ollama", "llama3.1", DIGEST),
    (f"ollama:llama3.1:8b@{DIGEST}", "ollama", "llama3.1:8b", DIGEST),
    (f"local:intent-tfidf@{DIGEST}", "local", "intent-tfidf", DIGEST),
    ("local:template-drafter@1.0.0", "local", "template-drafter", "1.0.0"),
    (
        "local:template-drafter@2.1.0-rc.1+build.5",
        "local",
        "template-drafter",
        "2.1.0-rc.1+build.5",
    ),
    ("vllm:Qwen/Qwen2.5-7B-Instruct@2025-01-15", "vllm", "Qwen/Qwen2.5-7B-Instruct", "2025-01-15"),
    ("vllm:my-model@20250115", "vllm", "my-model", "20250115"),
    ("gpu-box:qwen2.5-7b-2025-01-15", "gpu-box", "qwen2.5-7b-2025-01-15", "2025-01-15"),
    ("  openai:gpt-4.1-mini-2025-04-14 ", "openai", "gpt-4.1-mini-2025-04-14", "2025-04-14"),
]

OPENAI_FIX = "pin a dated version such as openai:gpt-4.1-mini-2025-04-14"
ANTHROPIC_FIX = "anthropic:claude-sonnet-4-5-20250929"
OLLAMA_FIX = "@sha256:<64 hex>"
LOCAL_FIX = "local:intent-tfidf@sha256:<64 hex> or @1.0.0"
GENERIC_FIX = "name-YYYY-MM-DD"

REFUSED = [
    ("", "empty", GENERIC_FIX),
    ("   ", "empty", GENERIC_FIX),
    ("gpt-4o", "no provider", GENERIC_FIX),
    ("gpt-4.1-mini-2025-04-14", "no provider", GENERIC_FIX),
    (":gpt-4.1-mini-2025-04-14", "no provider", GENERIC_FIX),
    ("OpenAI:gpt-4.1-mini-2025-04-14", "no provider", GENERIC_FIX),
    ("openai:", "no model", OPENAI_FIX),
    ("openai:gpt-4o", "no version", OPENAI_FIX),
    ("openai:gpt-4.1-mini", "no version", OPENAI_FIX),
    ("openai:gpt-4-0613", "no version", OPENAI_FIX),
    ("openai:gpt-4o-2024-13-06", "not a calendar date", OPENAI_FIX),
    ("openai:gpt-4o-2024-02-30", "not a calendar date", OPENAI_FIX),
    ("openai:chatgpt-4o-latest", "latest", OPENAI_FIX),
    ("openai:gpt-4o@2024-08-06", "addresses no model by @version", OPENAI_FIX),
    ("anthropic:claude-sonnet-4-5", "no version", ANTHROPIC_FIX),
    ("anthropic:claude-3-5-sonnet-latest", "latest", ANTHROPIC_FIX),
    ("anthropic:claude-3-5-haiku-20241322", "not a calendar date", ANTHROPIC_FIX),
    ("anthropic:claude-sonnet-4-5@20250929", "addresses no model by @version", ANTHROPIC_FIX),
    ("ollama:llama3.1", "without a digest", OLLAMA_FIX),
    ("ollama:llama3.1:8b", "without a digest", OLLAMA_FIX),
    ("ollama:llama3.1:latest", "latest", OLLAMA_FIX),
    ("ollama:llama3.1@latest", "latest", OLLAMA_FIX),
    ("ollama:llama3.1@1.0.0", "only a sha256 digest", OLLAMA_FIX),
    ("ollama:llama3.1-2025-01-01", "without a digest", OLLAMA_FIX),
    ("ollama:llama3.1@sha256:abc", "only a sha256 digest", OLLAMA_FIX),
    ("local:intent-tfidf", "no version", LOCAL_FIX),
    ("local:intent-tfidf@", "not an exact version", LOCAL_FIX),
    ("local:intent-tfidf@auto", "not an exact version", LOCAL_FIX),
    ("local:intent-tfidf@trained", "not an exact version", LOCAL_FIX),
    ("local:template-drafter@1", "not an exact version", LOCAL_FIX),
    ("local:template-drafter@1.0", "not an exact version", LOCAL_FIX),
    ("local:template-drafter@^1.0.0", "not an exact version", LOCAL_FIX),
    ("local:template-drafter@1.x.0", "not an exact version", LOCAL_FIX),
    ("local:template-drafter@01.0.0", "not an exact version", LOCAL_FIX),
    ("local:intent-tfidf@LATEST", "latest", LOCAL_FIX),
    ("local:intent-tfidf@sha256:" + "A" * 64, "not an exact version", LOCAL_FIX),
    ("local:intent-tfidf@sha256:" + "a" * 63, "not an exact version", LOCAL_FIX),
    ("local:intent-tfidf@2025-0101", "not an exact version", LOCAL_FIX),
    ("vllm:qwen", "no version", GENERIC_FIX),
    ("vllm:qwen@v1", "not an exact version", GENERIC_FIX),
]


@pytest.mark.parametrize(("spec", "provider", "model", "version"), ACCEPTED)
def test_accepted_pins(spec: str, provider: str, model: str, version: str) -> None:
    pin = parse_pin("draft", spec)
    assert pin == ModelPin("draft", provider, model, version, spec.strip())


@pytest.mark.parametrize(("spec", "problem", "fix"), REFUSED)
def test_refused_pins_name_node_spec_and_fix(spec: str, problem: str, fix: str) -> None:
    with pytest.raises(PinError) as caught:
        parse_pin("classify_fallback", spec)
    error = caught.value
    assert isinstance(error, ConfigError)
    assert error.key == "models.pins.classify_fallback"
    assert fix in error.fix
    assert problem in error.problem
    assert repr(spec.strip()) in str(error)
    assert "classify_fallback" in str(error) and fix in str(error)
    assert error.nodes == ("classify_fallback",)


def test_pin_is_frozen() -> None:
    pin = parse_pin("draft", "openai:gpt-4.1-mini-2025-04-14")
    with pytest.raises(dataclasses.FrozenInstanceError):
        pin.model = "gpt-4o"  # type: ignore[misc]


def test_validate_pins_parses_every_node() -> None:
    pins = validate_pins(
        {
            "classify": f"local:intent-tfidf@{DIGEST}",
            "classify_fallback": "anthropic:claude-3-5-haiku-20241022",
            "draft": "openai:gpt-4.1-mini-2025-04-14",
        }
    )
    assert set(pins) == KNOWN_NODES
    assert pins["draft"].node == "draft"
    assert pins["classify_fallback"].provider == "anthropic"


def test_all_bad_nodes_are_reported_together() -> None:
    with pytest.raises(PinError) as caught:
        validate_pins(
            {"classify": "ollama:llama3.1:8b", "draft": "openai:gpt-4o", "summarise": "x:y@1.0.0"}
        )
    error = caught.value
    assert error.key == "models.pins"
    assert set(error.nodes) == {"classify", "draft", "summarise"}
    text = str(error)
    assert "3 pins refused" in text
    for fragment in ("models.pins.classify", "models.pins.draft", "models.pins.summarise"):
        assert fragment in text
    assert OPENAI_FIX in text and OLLAMA_FIX in text


def test_unknown_node_is_refused_even_with_a_good_pin() -> None:
    with pytest.raises(PinError) as caught:
        validate_pins({"draft": "openai:gpt-4.1-mini-2025-04-14", "classify": "local:x@1.0.0",
                       "drafts": "openai:gpt-4.1-mini-2025-04-14"})  # fmt: skip
    (problem,) = caught.value.problems
    assert problem.node == "drafts"
    assert problem.problem == "unknown node"
    assert "classify, classify_fallback, draft" in problem.fix


def test_known_nodes_can_be_given() -> None:
    pins = validate_pins({"route": "local:router@1.0.0"}, known_nodes={"route"}, required_nodes=())
    assert pins["route"].model == "router"
    with pytest.raises(PinError, match="unknown node"):
        validate_pins({"draft": "local:x@1.0.0"}, known_nodes={"route"}, required_nodes=())


def test_missing_required_node_is_refused() -> None:
    assert set(validate_pins({"draft": "openai:gpt-4.1-mini-2025-04-14"})) == {"draft"}
    with pytest.raises(PinError) as caught:
        validate_pins(
            {"draft": "openai:gpt-4.1-mini-2025-04-14"}, required_nodes={"classify", "draft"}
        )
    (problem,) = caught.value.problems
    assert (problem.node, problem.problem) == ("classify", "not pinned")
    assert "models.pins.classify" in problem.fix


def test_check_adds_problems_to_the_same_error() -> None:
    def no_openai(pin: ModelPin) -> PinProblem | None:
        if pin.provider != "openai":
            return None
        return PinProblem(pin.node, pin.spec, "not configured", "set models.openai.api_key")

    with pytest.raises(PinError) as caught:
        validate_pins(
            {"classify": "local:x@1.0.0x", "draft": "openai:gpt-4.1-mini-2025-04-14"},
            check=no_openai,
        )
    assert caught.value.nodes == ("classify", "draft")
    assert "models.openai.api_key" in str(caught.value)


PUBLIC_API = {
    "hatchway.agents.pins": {
        "DIGEST_PROVIDERS", "HOSTED_PROVIDERS", "KNOWN_NODES", "ModelPin",
        "PinError", "PinProblem", "parse_pin", "validate_pins",
    },
    "hatchway.agents.model_settings": {
        "DEFAULT_PINS", "RESERVED_PROVIDERS", "AnthropicSettings", "CompatibleServer",
        "ModelSettings", "OpenAISettings", "provider_problem",
    },
    "hatchway.agents.providers": {
        "LocalModelFactory", "build_model", "check_ollama_digest", "ollama_digest_problem",
        "request_settings",
    },
    "hatchway.agents.costs": {
        "PRICES", "PRICES_AS_OF", "TokenPrice", "estimate_cost", "prompt_hash",
    },
}  # fmt: skip


@pytest.mark.parametrize("module_name", sorted(PUBLIC_API))
def test_public_api_is_pinned(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert set(module.__all__) == PUBLIC_API[module_name]
    for name in module.__all__:
        assert hasattr(module, name)
