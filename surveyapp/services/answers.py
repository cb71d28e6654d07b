"""Reading a response's stored answers. Both filling in (``services.responses``) and scoring
(``services.scores``) read answers through here, so neither imports the other for it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, inspect, select

from surveyapp.domain.kinds import kind_of
from surveyapp.domain.questionnaire import NA, visible_items
from surveyapp.extensions import db
from surveyapp.models import Answer, Response

# A response's answers as plain values (built once; a page reads it on every request).
_STORED_ANSWERS = (
    select(Answer.question_key, Answer.is_na, Answer.value)
    .where(Answer.response_id == bindparam("response_id"))
    .order_by(Answer.id)
)


def answers_of(response: Response) -> dict[str, Any]:
    """The stored answers as domain values: item key → value, ``NA`` for not applicable.

    When ``response.answers`` is already loaded (a save, eager loading for scoring) the collection
    is read; otherwise only the three columns are read, without building an ``Answer`` object per
    answer (a questionnaire page's answers cost a third as much that way). Both see the same rows:
    the session flushes pending changes before the query, as it does before loading the collection.
    """
    if response.id is None or "answers" not in inspect(response).unloaded:
        return {answer.question_key: (NA if answer.is_na else answer.value) for answer in response.answers}
    rows = db.session.execute(_STORED_ANSWERS, {"response_id": response.id})
    return {key: (NA if is_na else value) for key, is_na, value in rows}


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
