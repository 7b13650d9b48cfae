"""The local intent classifier as a pydantic-ai model, for the classify agent."""

from __future__ import annotations

import re

from pydantic_ai.exceptions import UserError

from hatchway.agents.offline._base import OfflineModel
from hatchway.agents.offline.entities import extract_entities
from hatchway.agents.offline.intent import INTENT_MODEL, IntentClassifier
from hatchway.agents.offline.language import guess_language
from hatchway.agents.outputs import Classification
from hatchway.agents.requests import ClassifyRequest, parse_user_prompt

__all__ = ["IntentClassifierModel", "new_text"]

_QUOTE_INTRO = re.compile(
    r"^(On .+ wrote:|Am .+ schrieb .+:|Le .+ a écrit ?:|El .+ escribió:|Op .+ schreef .+:)$"
)


def new_text(text: str) -> str:
    """The part of an email its sender wrote now: quoted lines and what follows an intro go."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_INTRO.match(line.strip()) or line.strip() == "-----Original Message-----":
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip() or text


class IntentClassifierModel(OfflineModel):
    """TF-IDF + logistic regression; confidence is the top class probability.

    Low confidence (below :data:`~hatchway.agents.outputs.DEFAULT_CONFIDENCE_THRESHOLD`, see
    ``Classification.confident``) is the graph's cue to ask the LLM fallback or a human.
    """

    def __init__(self, classifier: IntentClassifier) -> None:
        super().__init__(model_name=f"{INTENT_MODEL}@sha256:{classifier.sha256}")
        self.classifier = classifier

    def answer(self, prompt: str) -> Classification:
        """Classify the email in a rendered classify prompt."""
        request = parse_user_prompt(prompt)
        if not isinstance(request, ClassifyRequest):
            raise UserError(f"{self.model_name} only answers classify prompts")
        text = new_text(request.text)
        score = self.classifier.score(f"{request.subject}\n{text}")
        return Classification(
            category=score.category,
            confidence=round(score.probability, 4),
            language=guess_language(text),
            entities=extract_entities(f"{request.subject}\n{request.text}"),
            rationale=(
                f"{INTENT_MODEL}: {score.category} p={score.probability:.2f}, "
                f"next {score.runner_up} p={score.runner_up_probability:.2f}"
            ),
        )
