"""Build the pydantic-ai model a pin names, from ModelSettings, without any network request.

* ``openai:<dated id>``  -> ``OpenAIChatModel`` + ``OpenAIProvider`` (api_key, base_url).
* ``anthropic:<dated id>`` -> ``AnthropicModel`` + ``AnthropicProvider``.
* ``<server>:<model>@<version>`` for a server in ``models.compatible`` -> ``OllamaModel`` +
  ``OllamaProvider`` (kind ``ollama``), ``OpenAIChatModel`` + ``VLLMProvider`` (``vllm``) or
  ``OpenAIChatModel`` + ``OpenAICompatibleProvider`` (anything else). Never ``OpenAIProvider``
  with a foreign base_url: it would send OPENAI_API_KEY to that server.
* ``local:...`` -> whatever ``local_factory`` (the offline models) returns.

Ollama: the name sent is the pin's model without the digest (``llama3.1:8b``). Current Ollama
parses no ``@digest`` in a model name (types/model/name.go: "The digest check has been
removed"), so ``llama3.1@sha256:...`` would be refused as an invalid name. The digest is
checked instead against ``GET /api/tags`` by :func:`check_ollama_digest`, once at startup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx
from openai import AsyncOpenAI
from pydantic import SecretStr
from pydantic_ai.models import Model
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.ollama import OllamaModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.ollama import OllamaProvider
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.providers.openai_compatible import OpenAICompatibleProvider
from pydantic_ai.providers.vllm import VLLMProvider
from pydantic_ai.settings import ModelSettings as RequestSettings

from hatchway.agents.deprecations import NO_DEPRECATION_WARNING
from hatchway.agents.model_settings import (
    CompatibleServer,
    ModelSettings,
    OpenAISettings,
    provider_problem,
)
from hatchway.agents.pins import ModelPin, PinError
from hatchway.errors import ConfigError, ProtocolError, TransientError

__all__ = [
    "LocalModelFactory",
    "build_model",
    "check_ollama_digest",
    "ollama_digest_problem",
    "request_settings",
]

LocalModelFactory = Callable[[ModelPin], Model]


def build_model(
    pin: ModelPin, settings: ModelSettings, *, local_factory: LocalModelFactory | None = None
) -> Model:
    """The pydantic-ai model for ``pin``. Raises ConfigError if its provider is not configured."""
    problem = provider_problem(pin, settings)
    if problem is not None:
        raise PinError([problem])
    if pin.provider == "local":
        return _local_model(pin, local_factory)
    defaults = request_settings(settings)
    # A pinned model's deprecation is reported by hatchway (agents/deprecations.py), not
    # warned about on every request.
    quiet = NO_DEPRECATION_WARNING
    if pin.provider == "openai":
        openai = _openai(settings.openai)
        return OpenAIChatModel(pin.model, provider=openai, settings=defaults, profile=quiet)
    if pin.provider == "anthropic":
        provider = AnthropicProvider(
            api_key=_secret(settings.anthropic.api_key), base_url=settings.anthropic.base_url
        )
        return AnthropicModel(pin.model, provider=provider, settings=defaults, profile=quiet)
    return _compatible_model(pin, pin.provider, settings.compatible[pin.provider], defaults)


def request_settings(settings: ModelSettings) -> RequestSettings:
    """Per-request defaults: ``request_timeout`` bounds each attempt (``timeout``) and the whole
    call, SDK retries included (pydantic-ai's ``request_timeout``)."""
    return RequestSettings(
        timeout=settings.request_timeout,
        request_timeout=settings.request_timeout,
        max_retries=settings.max_retries,
    )


def _local_model(pin: ModelPin, local_factory: LocalModelFactory | None) -> Model:
    if local_factory is None:
        raise ConfigError(
            f"models.pins.{pin.node}",
            f"{pin.spec!r} is an offline model but no local model factory was given",
            "pass local_factory= (the offline models in hatchway.agents.offline) to build_model",
        )
    return local_factory(pin)


def _openai(openai: OpenAISettings) -> OpenAIProvider:
    api_key = _secret(openai.api_key)
    if openai.organization is None:
        return OpenAIProvider(base_url=openai.base_url, api_key=api_key)
    # OpenAIProvider takes no organization; the SDK client does (None -> OPENAI_API_KEY).
    client = AsyncOpenAI(
        api_key=api_key, base_url=openai.base_url, organization=openai.organization
    )
    return OpenAIProvider(openai_client=client)


def _compatible_model(
    pin: ModelPin, name: str, server: CompatibleServer, defaults: RequestSettings
) -> Model:
    api_key = _secret(server.api_key)
    kind = server.kind_for(name)
    if kind == "ollama":
        ollama = OllamaProvider(base_url=server.base_url, api_key=api_key)
        return OllamaModel(pin.model, provider=ollama, settings=defaults)
    if kind == "vllm":
        vllm = VLLMProvider(base_url=server.base_url, api_key=api_key)
        return OpenAIChatModel(pin.model, provider=vllm, settings=defaults)
    generic = OpenAICompatibleProvider(name, base_url=server.base_url, api_key=api_key)
    return OpenAIChatModel(pin.model, provider=generic, settings=defaults)


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def ollama_digest_problem(pin: ModelPin, tags: Mapping[str, Any]) -> str | None:
    """Why an Ollama ``GET /api/tags`` answer does not hold ``pin``'s digest, or None if it does."""
    name = pin.model if ":" in pin.model else f"{pin.model}:latest"
    want = pin.version.removeprefix("sha256:")
    for entry in tags.get("models", []):
        if entry.get("name") == name or entry.get("model") == name:
            have = str(entry.get("digest", "")).removeprefix("sha256:")
            if have == want:
                return None
            return f"the server's {name} has digest sha256:{have}, not the pinned {pin.version}"
    return f"the server has no model {name} (ollama pull {name}, then check its digest)"


async def check_ollama_digest(
    pin: ModelPin, server: CompatibleServer, client: httpx.AsyncClient
) -> None:
    """Ask the Ollama server which digest ``pin.model`` has; ConfigError if not the pinned one.

    A network request: call it at startup (or in a health check), never per message.
    """
    url = server.base_url.removesuffix("/v1") + "/api/tags"
    try:
        response = await client.get(url)
        response.raise_for_status()
        tags = response.json()
    except httpx.TransportError as exc:
        raise TransientError(f"ollama {url}", str(exc)) from exc
    except (httpx.HTTPStatusError, ValueError) as exc:
        raise ProtocolError(f"ollama {url}", f"cannot read the model list: {exc}") from exc
    problem = ollama_digest_problem(pin, tags if isinstance(tags, Mapping) else {})
    if problem is not None:
        fix = "pull the pinned model, or re-pin after replaying reviewed mail through the new one"
        raise ConfigError(f"models.pins.{pin.node}", problem, fix)
