"""Reading a response's stored answers. Both filling in (``services.responses``) and scoring
(``services.scores``) read answers through here, so neither imports the other for it."""

from __future__ import annotations

from typing import Any

from surveyapp.domain.kinds import kind_of
from surveyapp.domain.questionnaire import NA, visible_items
from surveyapp.models import Response


def answers_of(response: Response) -> dict[str, Any]:
    """The stored answers as domain values: item key → value, ``NA`` for not applicable."""
    return {answer.question_key: (NA if answer.is_na else answer.value) for answer in response.answers}


def progress(response: Response, answers: dict[str, Any] | None = None) -> dict[str, int]:
    """How far a respondent is: ``{"answered", "total", "percent"}`` over the items currently shown
    (an item hidden by an earlier answer does not count; N/A counts as answered)."""
    answers = answers_of(response) if answers is None else answers
    shown = visible_items(response.part_definition.items, answers)
    answered = sum(1 for item in shown if kind_of(item).is_answered(answers.get(item.key)))
    return {
        "answered": answered,
        "total": len(shown),
        "percent": round(100 * answered / len(shown)) if shown else 0,
    }
