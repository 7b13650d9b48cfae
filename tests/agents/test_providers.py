"""ModelSettings and build_model: the right pydantic-ai class, model name and URL, no network."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from pydantic_ai import Agent
from pydantic_ai.models import Model
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.ollama import OllamaModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.models.test import TestModel
from pydantic_ai.providers.ollama import OllamaProvider
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.providers.openai_compatible import OpenAICompatibleProvider
from pydantic_ai.providers.vllm import VLLMProvider

from hatchway.agents.model_settings import DEFAULT_PINS, CompatibleServer, ModelSettings
from hatchway.agents.pins import ModelPin, PinError, parse_pin
from hatchway.agents.providers import (
    build_model,
    check_ollama_digest,
    ollama_digest_problem,
)
from hatchway.errors import ConfigError, ProtocolError, TransientError

HEX = "0123456789abcdef" * 4
DIGEST = f"sha256:{HEX}"
OLLAMA_URL = "http://127.0.0.1:11434/v1"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Building a model must not open a connection, and no provider key leaks in from the env."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access while building a model")

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "ANTHROPIC_API_KEY",
                 "OLLAMA_BASE_URL", "OLLAMA_API_KEY", "VLLM_BASE_URL", "VLLM_API_KEY"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield


def settings(**overrides: Any) -> ModelSettings:
    base: dict[str, Any] = {
        "openai": {"api_key": "sk-test"},
        "anthropic": {"api_key": "sk-ant-test"},
        "compatible": {
            "ollama": {"base_url": OLLAMA_URL},
            "vllm": {"base_url": "http://gpu-1:8000/v1", "api_key": "vllm-key"},
            "gpu-box": {"base_url": "https://gpu-2.internal/v1/"},
        },
    }
    return ModelSettings.model_validate(base | overrides)


def build(spec: str, model_settings: ModelSettings | None = None) -> Model:
    return build_model(parse_pin("draft", spec), model_settings or settings())


# --- ModelSettings ---------------------------------------------------------------------------


def test_defaults_are_offline_and_exact() -> None:
    defaults = ModelSettings()
    pins = defaults.model_pins()
    assert defaults.pins == dict(DEFAULT_PINS) == {"draft": "local:template-drafter@1.0.0"}
    assert pins["draft"].provider == "local" and pins["draft"].version == "1.0.0"
    assert (defaults.request_timeout, defaults.max_retries) == (60.0, 2)


def test_unpinned_classifier_says_how_to_pin_it() -> None:
    with pytest.raises(ConfigError) as caught:
        ModelSettings().pin_for("classify")
    assert caught.value.key == "models.pins.classify"
    assert "hatchway classifier train" in caught.value.fix
    with pytest.raises(ConfigError, match=r"models\.pins\.classify_fallback"):
        ModelSettings().pin_for("classify_fallback")


def test_pin_for() -> None:
    pinned = ModelSettings(pins={"classify": f"local:intent-tfidf@{DIGEST}"})
    assert pinned.pin_for("classify").version == DIGEST
    assert pinned.pin_for("draft").model == "template-drafter"


def test_given_pins_merge_over_defaults() -> None:
    merged = settings(pins={"classify_fallback": "openai:gpt-4.1-mini-2025-04-14"})
    assert merged.pins == {
        "draft": DEFAULT_PINS["draft"],
        "classify_fallback": "openai:gpt-4.1-mini-2025-04-14",
    }
    replaced = settings(pins={"draft": "anthropic:claude-sonnet-4-5-20250929"})
    assert replaced.pins == {"draft": "anthropic:claude-sonnet-4-5-20250929"}


def test_floating_pins_refused_by_settings() -> None:
    with pytest.raises(PinError) as caught:
        settings(pins={"draft": "openai:gpt-4o", "classify": "ollama:llama3.1"})
    assert set(caught.value.nodes) == {"draft", "classify"}


@pytest.mark.parametrize(
    ("spec", "setting", "env_var"),
    [
        ("openai:gpt-4.1-mini-2025-04-14", "models.openai.api_key", "OPENAI_API_KEY"),
        ("anthropic:claude-sonnet-4-5-20250929", "models.anthropic.api_key", "ANTHROPIC_API_KEY"),
    ],
)
def test_missing_api_key_names_node_provider_and_setting(
    spec: str, setting: str, env_var: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = spec.partition(":")[0]
    with pytest.raises(PinError) as caught:
        ModelSettings(pins={"draft": spec})
    error = caught.value
    assert isinstance(error, ConfigError)
    assert error.key == "models.pins.draft"
    assert f"provider {provider!r} is not configured" in error.problem
    assert setting in error.fix and env_var in error.fix
    assert "HATCHWAY_MODELS__" in error.fix
    monkeypatch.setenv(env_var, "from-env")
    assert ModelSettings(pins={"draft": spec}).pins["draft"] == spec


def test_unconfigured_compatible_server_names_the_section_to_add() -> None:
    with pytest.raises(PinError) as caught:
        ModelSettings(pins={"classify_fallback": f"ollama:llama3.1:8b@{DIGEST}"})
    error = caught.value
    assert error.key == "models.pins.classify_fallback"
    assert "'ollama' is not configured" in error.problem
    assert "[models.compatible.ollama]" in error.fix and "base_url" in error.fix


def test_pin_and_provider_problems_come_in_one_error() -> None:
    with pytest.raises(PinError) as caught:
        ModelSettings(pins={"draft": "anthropic:claude-sonnet-4-5-20250929", "classify": "x"})
    assert set(caught.value.nodes) == {"draft", "classify"}


@pytest.mark.parametrize("name", ["openai", "anthropic", "local"])
def test_compatible_server_cannot_shadow_a_builtin_provider(name: str) -> None:
    with pytest.raises(ValidationError, match="built-in provider"):
        settings(compatible={name: {"base_url": OLLAMA_URL}})


def test_compatible_server_needs_an_http_url() -> None:
    with pytest.raises(ValidationError, match="http"):
        CompatibleServer(base_url="127.0.0.1:11434")


def test_settings_refuse_unknown_keys() -> None:
    with pytest.raises(ValidationError):
        ModelSettings.model_validate({"openai": {"apikey": "x"}})


# --- build_model -----------------------------------------------------------------------------


def test_openai() -> None:
    model = build("openai:gpt-4.1-mini-2025-04-14")
    assert type(model) is OpenAIChatModel
    assert model.model_name == "gpt-4.1-mini-2025-04-14"
    assert isinstance(model._provider, OpenAIProvider)
    assert model.base_url == "https://api.openai.com/v1/"
    assert model.client.api_key == "sk-test"


def test_openai_base_url_and_organization() -> None:
    custom = settings(
        openai={"api_key": "sk-x", "base_url": "https://proxy.example/v1", "organization": "org-9"}
    )
    model = build("openai:gpt-4.1-mini-2025-04-14", custom)
    assert isinstance(model, OpenAIChatModel)
    assert model.base_url == "https://proxy.example/v1/"
    assert model.client.organization == "org-9"
    assert model.client.api_key == "sk-x"


def test_openai_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    model = build("openai:gpt-4.1-mini-2025-04-14", ModelSettings())
    assert isinstance(model, OpenAIChatModel)
    assert model.client.api_key == "sk-env"


def test_anthropic() -> None:
    model = build("anthropic:claude-sonnet-4-5-20250929")
    assert type(model) is AnthropicModel
    assert model.model_name == "claude-sonnet-4-5-20250929"
    assert model.system == "anthropic"
    assert model.base_url.startswith("https://api.anthropic.com")


def test_ollama_sends_the_name_without_the_digest() -> None:
    model = build(f"ollama:llama3.1:8b@{DIGEST}")
    assert type(model) is OllamaModel
    assert model.model_name == "llama3.1:8b"
    assert isinstance(model._provider, OllamaProvider)
    assert model.base_url == OLLAMA_URL + "/"


def test_vllm() -> None:
    model = build("vllm:Qwen/Qwen2.5-7B-Instruct@2025-01-15")
    assert type(model) is OpenAIChatModel
    assert isinstance(model._provider, VLLMProvider)
    assert model.model_name == "Qwen/Qwen2.5-7B-Instruct"
    assert model.base_url == "http://gpu-1:8000/v1/"
    assert model.client.api_key == "vllm-key"


def test_generic_compatible_server_never_gets_the_openai_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    model = build("gpu-box:qwen2.5-7b-2025-01-15")
    assert type(model) is OpenAIChatModel
    provider = model._provider
    assert isinstance(provider, OpenAICompatibleProvider)
    assert provider.name == "gpu-box" and model.system == "gpu-box"
    assert model.model_name == "qwen2.5-7b-2025-01-15"
    assert model.base_url == "https://gpu-2.internal/v1/"
    assert model.client.api_key != "sk-must-not-leak"


def test_kind_overrides_the_name() -> None:
    custom = settings(compatible={"laptop": {"base_url": OLLAMA_URL, "kind": "ollama"}})
    model = build(f"laptop:llama3.1@{DIGEST}", custom)
    assert type(model) is OllamaModel


def test_timeout_and_retries_become_model_settings() -> None:
    model = build("openai:gpt-4.1-mini-2025-04-14", settings(request_timeout=12.5, max_retries=0))
    assert model.settings == {"timeout": 12.5, "request_timeout": 12.5, "max_retries": 0}


def test_local_delegates_to_the_factory() -> None:
    seen: list[ModelPin] = []
    offline = TestModel()

    def factory(pin: ModelPin) -> Model:
        seen.append(pin)
        return offline

    pin = parse_pin("classify", "local:intent-tfidf@1.0.0")
    assert build_model(pin, ModelSettings(), local_factory=factory) is offline
    assert seen == [pin]


def test_local_without_factory_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        build_model(parse_pin("classify", "local:intent-tfidf@1.0.0"), ModelSettings())
    assert caught.value.key == "models.pins.classify"
    assert "local_factory" in caught.value.fix


def test_build_refuses_an_unconfigured_provider() -> None:
    with pytest.raises(PinError, match=r"models\.anthropic\.api_key"):
        build_model(parse_pin("draft", "anthropic:claude-sonnet-4-5-20250929"), ModelSettings())


def test_built_models_make_no_request_in_tests() -> None:
    agent = Agent(build("openai:gpt-4.1-mini-2025-04-14"))
    with pytest.raises(RuntimeError, match="ALLOW_MODEL_REQUESTS"):
        asyncio.run(agent.run("hello"))  # not run_sync: its loop outlives the test


# --- Ollama digest check ---------------------------------------------------------------------

TAGS = {"models": [{"name": "llama3.1:8b", "model": "llama3.1:8b", "digest": HEX}]}


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (f"ollama:llama3.1:8b@{DIGEST}", None),
        ("ollama:llama3.1:8b@sha256:" + "f" * 64, "has digest " + DIGEST),
        (f"ollama:llama3.1@{DIGEST}", "no model llama3.1:latest"),
    ],
)
def test_ollama_digest_problem(spec: str, problem: str | None) -> None:
    found = ollama_digest_problem(parse_pin("draft", spec), TAGS)
    assert found is None if problem is None else problem in (found or "")


def run_check(spec: str, handler: httpx.MockTransport) -> None:
    async def check() -> None:
        async with httpx.AsyncClient(transport=handler) as client:
            await check_ollama_digest(
                parse_pin("draft", spec), CompatibleServer(base_url=OLLAMA_URL), client
            )

    asyncio.run(check())


def test_check_ollama_digest_asks_the_native_api() -> None:
    urls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json=TAGS)

    run_check(f"ollama:llama3.1:8b@{DIGEST}", httpx.MockTransport(answer))
    assert urls == ["http://127.0.0.1:11434/api/tags"]
    with pytest.raises(ConfigError, match="models.pins.draft"):
        run_check("ollama:llama3.1:8b@sha256:" + "f" * 64, httpx.MockTransport(answer))


def test_check_ollama_digest_classifies_failures() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransientError):
        run_check(f"ollama:llama3.1:8b@{DIGEST}", httpx.MockTransport(down))
    broken = httpx.MockTransport(lambda request: httpx.Response(500, text="boom"))
    with pytest.raises(ProtocolError):
        run_check(f"ollama:llama3.1:8b@{DIGEST}", broken)
    garbage = httpx.MockTransport(lambda request: httpx.Response(200, text="not json"))
    with pytest.raises(ProtocolError):
        run_check(f"ollama:llama3.1:8b@{DIGEST}", garbage)
