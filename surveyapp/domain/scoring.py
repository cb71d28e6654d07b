"""Scoring: answers → item scores → dimension scores → overall index, grade and red lines.

The formula, in words (the scorecard and the explanation page print the same):

1. Every scored item gets a score from 0 to 100. A five-point scale answer x scores
   (x − 1) / 4 × 100; a reverse-worded item scores (5 − x) / 4 × 100, reversed before anything
   else. Yes scores 100 and no 0 (the other way round for a reverse-worded item). A choice scores
   the points its option carries; several choices add up, at most 100. A number scores by the
   first band of the item that contains it.
2. "Not applicable" leaves the item out of both the numerator and the denominator; so does a
   question hidden by an earlier answer. A question left unanswered counts in the denominator
   of the answered share only.
3. A dimension's score is the weighted mean of its answered item scores. It is reported only when
   the answered items carry at least the questionnaire's minimum share of the applicable weight
   (60% by default); otherwise it says "insufficient data".
4. The overall index is the weighted mean of the dimension scores, with the dimension weights.
5. The grade is the highest band whose minimum the index reaches. Any red line that is hit makes
   the grade the lowest band, whatever the number, and the red line is listed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from surveyapp.domain.kinds import kind_of, likert_score  # noqa: F401  (likert_score: re-exported)
from surveyapp.domain.questionnaire import NA, Item, Questionnaire, Text, visible_items

SCORED = "scored"
NOT_APPLICABLE = "not_applicable"
HIDDEN = "hidden"
UNANSWERED = "unanswered"
NOT_SCORED = "not_scored"


@dataclass(frozen=True)
class ItemScore:
    key: str
    dimension: str
    weight: float
    answer: Any
    score: float | None
    status: str  # SCORED, NOT_APPLICABLE, HIDDEN, UNANSWERED or NOT_SCORED


@dataclass(frozen=True)
class RedLineHit:
    item: str
    dimension: str
    text: Text


@dataclass(frozen=True)
class DimensionScore:
    key: str
    weight: float
    score: float | None  # None: insufficient data
    applicable_weight: float
    answered_weight: float

    @property
    def answered_share(self) -> float:
        return self.answered_weight / self.applicable_weight if self.applicable_weight else 0.0

    @property
    def sufficient(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class ScoreCard:
    questionnaire_key: str
    questionnaire_version: int
    items: tuple[ItemScore, ...]
    dimensions: tuple[DimensionScore, ...]
    overall: float | None
    grade: str | None
    red_lines: tuple[RedLineHit, ...]

    def dimension(self, key: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.key == key)


def item_score(item: Item, answer: Any) -> float | None:
    """The 0–100 score of one answer to ``item``; None when the item or answer carries no score.

    The rule per kind is the kind's ``score`` (``kinds``): likert5 (x − 1) / 4 × 100, yes/no 100 or 0,
    a choice its option's score (multi_choice: the sum, at most 100), a number its band's score.
    """
    if answer is None or answer is NA or not item.scored:
        return None
    return kind_of(item).score(item, answer)


def score_items(items: Iterable[Item], answers: Mapping[str, Any]) -> list[ItemScore]:
    """Score every item, saying for each why it counts or does not."""
    items = list(items)
    shown = {item.key for item in visible_items(items, answers)}
    result = []
    for item in items:
        answer = answers.get(item.key)
        if item.key not in shown:
            status, score = HIDDEN, None
        elif not item.scored:
            status, score = NOT_SCORED, None
        elif answer is NA and item.allow_na:
            status, score = NOT_APPLICABLE, None
        elif answer is NA or not kind_of(item).is_answered(answer):
            status, score = UNANSWERED, None
        else:
            score = item_score(item, answer)
            status = SCORED if score is not None else NOT_SCORED
        result.append(ItemScore(item.key, item.dimension, item.weight, answer, score, status))
    return result


def red_line_hits(items: Iterable[Item], answers: Mapping[str, Any]) -> list[RedLineHit]:
    """Red lines whose condition holds for a visible, answered item."""
    items = list(items)
    shown = {item.key for item in visible_items(items, answers)}
    return [
        RedLineHit(item.key, item.dimension, item.red_line.text)
        for item in items
        if item.red_line is not None and item.key in shown and item.red_line.condition.holds(answers)
    ]


def dimension_scores(
    questionnaire: Questionnaire,
    item_scores: Iterable[ItemScore],
    dimension_keys: Iterable[str] | None = None,
) -> list[DimensionScore]:
    """Weighted mean per dimension, or None below the minimum answered share."""
    by_dimension: dict[str, list[ItemScore]] = {}
    for item in item_scores:
        by_dimension.setdefault(item.dimension, []).append(item)
    keys = list(dimension_keys) if dimension_keys is not None else [d.key for d in questionnaire.dimensions]
    result = []
    for key in keys:
        scored = [i for i in by_dimension.get(key, []) if i.status == SCORED]
        applicable = [i for i in by_dimension.get(key, []) if i.status in (SCORED, UNANSWERED)]
        applicable_weight = sum(i.weight for i in applicable)
        answered_weight = sum(i.weight for i in scored)
        score = None
        if applicable_weight and answered_weight / applicable_weight >= questionnaire.min_answered_share - 1e-12:
            score = sum(i.weight * i.score for i in scored) / answered_weight
        result.append(
            DimensionScore(key, questionnaire.dimension(key).weight, score, applicable_weight, answered_weight)
        )
    return result


def weighted_index(weighted_scores: Iterable[tuple[float, float | None]]) -> float | None:
    """The overall index: the weighted mean of (dimension weight, dimension score 0-100) pairs, leaving out
    dimensions without a score; None when none has one. The one formula for a response, a department and a
    comparison row (source: the questionnaire's dimension weights, design/scoring). Sums are ``math.fsum``
    (exactly rounded), so the index does not depend on the order of the dimensions."""
    scored = [(weight, score) for weight, score in weighted_scores if score is not None]
    total = math.fsum(weight for weight, _ in scored)
    if not total:
        return None
    return math.fsum(weight * score for weight, score in scored) / total


def overall_index(dimensions: Iterable[DimensionScore]) -> float | None:
    """Weighted mean of the dimensions that have a score; None when none has (see ``weighted_index``)."""
    return weighted_index((d.weight, d.score) for d in dimensions)


def grade_for(questionnaire: Questionnaire, index: float | None, red_line_hit: bool) -> str | None:
    """The grade key: the lowest band after a red line, else the highest band reached."""
    if red_line_hit:
        return questionnaire.grades[-1].key
    if index is None:
        return None
    for grade in questionnaire.grades:  # highest minimum first
        if index >= grade.min - 1e-9:
            return grade.key
    return questionnaire.grades[-1].key


def maturity_level(questionnaire: Questionnaire, score: float | None) -> int | None:
    """The 1–5 maturity level a dimension score reaches."""
    if score is None:
        return None
    level = questionnaire.maturity_levels[0].level
    for candidate in questionnaire.maturity_levels:
        if score >= candidate.min - 1e-9:
            level = candidate.level
    return level


def score_response(questionnaire: Questionnaire, part_key: str, answers: Mapping[str, Any]) -> ScoreCard:
    """The scorecard of one response to one part."""
    part = questionnaire.part(part_key)
    items = score_items(part.items, answers)
    dimension_keys = list(dict.fromkeys(section.dimension for section in part.sections))
    dimensions = dimension_scores(questionnaire, items, dimension_keys)
    hits = red_line_hits(part.items, answers)
    index = overall_index(dimensions)
    return ScoreCard(
        questionnaire_key=questionnaire.key,
        questionnaire_version=questionnaire.version,
        items=tuple(items),
        dimensions=tuple(dimensions),
        overall=index,
        grade=grade_for(questionnaire, index, bool(hits)),
        red_lines=tuple(hits),
    )


# -- the one grade rule for every surface (ranking, exports, API, PDFs, explanation pages) ----------


def grade_rank(questionnaire: Questionnaire, grade_key: str | None) -> int:
    """0 for the highest band, 1 for the next…; ``len(grades)`` for no grade (sorts last)."""
    keys = [grade.key for grade in questionnaire.grades]
    return keys.index(grade_key) if grade_key in keys else len(keys)


def grade_label(questionnaire: Questionnaire, grade_key: str | None, lang: str) -> str:
    """The grade's name in ``lang`` (e.g. 良好); "" for no grade or an unknown key."""
    grade = next((g for g in questionnaire.grades if g.key == grade_key), None)
    return grade.label.get(lang) if grade else ""


def grade_bands(questionnaire: Questionnaire) -> list[tuple[str, str, float]]:
    """The instrument's bands as printed: (grade key, inequality sign, bound), highest first.

    Every band but the lowest reads "≥ its minimum"; the lowest reads "< the pass mark" (the next
    band's minimum), never "≥ 0". Bundled instrument: ≥ 85, ≥ 75, ≥ 60, < 60. One band: ("…", "≥", min).
    """
    grades = list(questionnaire.grades)  # highest minimum first
    bands = [(g.key, "≥", float(g.min)) for g in grades[:-1]]
    if len(grades) >= 2:
        bands.append((grades[-1].key, "<", float(grades[-2].min)))
    elif grades:
        bands.append((grades[0].key, "≥", float(grades[0].min)))
    return bands


MET = "met"
BELOW_TARGET = "below_target"
RED_LINE = "red_line"
NO_DATA = "no_data"


@dataclass(frozen=True)
class TargetStatus:
    """Whether a department meets a target grade. ``gap``: points below the target's minimum (0.0 when
    the index reaches it); ``status``: MET, BELOW_TARGET, RED_LINE (a red line is hit: never met,
    whatever the index — the grade is the lowest band) or NO_DATA."""

    status: str
    gap: float | None

    @property
    def met(self) -> bool:
        return self.status == MET


def target_status(index: float | None, red_lines: int, target_min: float | None) -> TargetStatus:
    """The target rule of the comparison (source: design/scoring step 5 — a red line makes the grade the
    lowest band). ``target_min`` is the target grade's minimum (0–100); None: no target chosen."""
    gap = None if index is None or target_min is None else max(0.0, target_min - index)
    if red_lines:
        return TargetStatus(RED_LINE, gap)
    if index is None or target_min is None:
        return TargetStatus(NO_DATA, gap)
    return TargetStatus(MET if gap <= 1e-9 else BELOW_TARGET, gap)


def grade_bands_text(questionnaire: Questionnaire, lang: str) -> str:
    """The bands in words, highest first: ``优秀 ≥ 85 / 良好 ≥ 75 / 合格 ≥ 60 / 不合格 < 60``."""
    labels = {g.key: g.label.get(lang) for g in questionnaire.grades}
    return " / ".join(f"{labels[key]} {sign} {bound:g}" for key, sign, bound in grade_bands(questionnaire))
