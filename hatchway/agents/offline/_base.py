"""The shared shape of the offline models: read the rendered prompt, answer the output schema."""

from __future__ import annotations

import json
import math
from abc import abstractmethod
from collections.abc import Sequence

from pydantic import BaseModel
from pydantic_ai.exceptions import UserError
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    ModelResponsePart,
    TextPart,
    ToolCallPart,
    UserPromptPart,
)
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.profiles import ModelProfile
from pydantic_ai.settings import ModelSettingName, ModelSettings
from pydantic_ai.usage import RequestUsage

from hatchway.agents.prompts import CHARS_PER_TOKEN

__all__ = ["OfflineModel", "estimate_tokens"]

_TUNING_KNOBS: frozenset[ModelSettingName] = frozenset(
    {"temperature", "top_p", "max_tokens", "seed", "presence_penalty", "frequency_penalty"}
)


def estimate_tokens(text: str) -> int:
    """The same ~4 characters per token estimate as the static prefix counts."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _last_user_prompt(messages: Sequence[ModelMessage]) -> str:
    """The latest user prompt text; output retries repeat it, so the answer stays the same."""
    for message in reversed(messages):
        if not isinstance(message, ModelRequest):
            continue
        for part in reversed(message.parts):
            if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                return part.content
    raise UserError("offline models need a text user prompt made by render_user_prompt()")


class OfflineModel(Model):
    """A deterministic local model that answers an agent's structured output from the prompt.

    It ignores tuning settings (temperature, max_tokens...), calls no tools, and reports usage
    as estimated tokens (~4 characters each) so NodeRuns of offline and hosted models compare.
    """

    unsupported_settings = _TUNING_KNOBS

    def __init__(self, *, model_name: str) -> None:
        profile = ModelProfile(supports_json_schema_output=True, supports_json_object_output=True)
        super().__init__(profile=profile)
        self._model_name = model_name

    @property
    def model_name(self) -> str:
        """Name and version, e.g. ``intent-tfidf@sha256:…``."""
        return self._model_name

    @property
    def system(self) -> str:
        """Offline models are the ``local`` provider."""
        return "local"

    @abstractmethod
    def answer(self, prompt: str) -> BaseModel:
        """The structured output for one rendered user prompt."""

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        """Answer the request through the output tool (or as JSON text in native mode)."""
        _, params = self.prepare_request(model_settings, model_request_parameters)
        prompt = _last_user_prompt(messages)
        args = self.answer(prompt).model_dump(mode="json")
        part: ModelResponsePart
        if params.output_tools:
            part = ToolCallPart(tool_name=params.output_tools[0].name, args=args)
        elif params.output_mode in ("native", "prompted"):
            part = TextPart(content=json.dumps(args, ensure_ascii=False))
        else:
            raise UserError(f"{self.model_name} only answers agents with a structured output_type")
        instructions = "\n".join(p.content for p in params.instruction_parts or [])
        usage = RequestUsage(
            input_tokens=estimate_tokens(instructions) + estimate_tokens(prompt),
            output_tokens=estimate_tokens(json.dumps(args)),
        )
        return ModelResponse(
            parts=[part], usage=usage, model_name=self.model_name, provider_name="local"
        )
