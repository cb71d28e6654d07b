"""Statistics over respondents: group summaries, department results, instrument reliability.

Sums use ``math.fsum`` (exactly rounded), so a department result does not depend on the order in
which respondents are listed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats as scipy_stats

from surveyapp.domain.questionnaire import Questionnaire
from surveyapp.domain.scoring import SCORED, RedLineHit, ScoreCard, grade_for, maturity_level


@dataclass(slots=True)
class GroupStats:
    """n, mean, standard deviation and 95% confidence interval of a group's scores.

    ``suppressed`` is true below the minimum group size: whoever may only see aggregates must
    then see no figures at all.
    """

    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool


@lru_cache(maxsize=4096)
def t_critical(degrees_of_freedom: int) -> float:
    """The two-sided 95% critical value of Student's t (cached: comparisons need thousands)."""
    return float(scipy_stats.t.ppf(0.975, degrees_of_freedom))


def describe(values: Sequence[float], min_group_size: int = 1) -> GroupStats:
    n = len(values)
    if n == 0:
        return GroupStats(0, None, None, None, None, n < min_group_size)
    mean = math.fsum(values) / n
    if n == 1:
        return GroupStats(1, mean, None, None, None, n < min_group_size)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return GroupStats(n, mean, sd, max(0.0, mean - half), min(100.0, mean + half), n < min_group_size)


def from_running_totals(
    n: int, total: float, total_squares: float, min_group_size: int = 1, spread: bool = True
) -> GroupStats:
    """The same summary from n, Σx and Σx² (kept up to date as responses are submitted).

    With ``spread=False`` only n and the mean are computed (a comparison of thousands of
    departments needs no standard deviations).
    """
    if n == 0:
        return GroupStats(0, None, None, None, None, n < min_group_size)
    mean = total / n
    if n == 1 or not spread:
        return GroupStats(n, mean, None, None, None, n < min_group_size)
    variance = max(0.0, (total_squares - n * mean * mean) / (n - 1))
    sd = math.sqrt(variance)
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return GroupStats(n, mean, sd, max(0.0, mean - half), min(100.0, mean + half), n < min_group_size)


@dataclass(frozen=True)
class DepartmentDimension:
    key: str
    weight: float
    staff: GroupStats  # staff respondents' dimension scores
    checklist: float | None  # the department checklist's dimension score
    staff_weight: float  # item weight the staff part gives this dimension
    checklist_weight: float  # item weight the checklist gives it
    score: float | None
    maturity_level: int | None


@dataclass(frozen=True)
class DepartmentResult:
    dimensions: tuple[DepartmentDimension, ...]
    overall: float | None
    grade: str | None
    red_lines: tuple[RedLineHit, ...]
    respondents: int
    checklist_submitted: bool

    def dimension(self, key: str) -> DepartmentDimension:
        return next(d for d in self.dimensions if d.key == key)


def part_weights(questionnaire: Questionnaire, part_key: str) -> dict[str, float]:
    """Total weight of the scored items each dimension has in one part."""
    weights: dict[str, float] = {}
    try:
        part = questionnaire.part(part_key)
    except KeyError:
        return weights
    for item in part.items:
        if item.scored:
            weights[item.dimension] = weights.get(item.dimension, 0.0) + item.weight
    return weights


def combine(staff_mean: float | None, staff_weight: float, checklist: float | None, checklist_weight: float):
    """A dimension's department score: staff mean and checklist score weighted by their item weights."""
    total = weighted = 0.0
    if staff_mean is not None and staff_weight:
        total += staff_weight
        weighted += staff_mean * staff_weight
    if checklist is not None and checklist_weight:
        total += checklist_weight
        weighted += checklist * checklist_weight
    return weighted / total if total else None


def withheld_if_suppressed(group: GroupStats) -> GroupStats:
    """A group below the minimum size keeps its n but loses every figure, so that no page, PDF,
    export or combined department score can show (or let anyone work back to) an individual's
    score. Rule: ``surveyapp.permissions.CONFIDENTIALITY_RULE``."""
    if not group.suppressed:
        return group
    return GroupStats(group.n, None, None, None, None, True)


def department_result(
    questionnaire: Questionnaire,
    staff_cards: Iterable[ScoreCard],
    checklist_card: ScoreCard | None,
    staff_part: str = "staff",
    checklist_part: str = "department",
    min_group_size: int = 3,
) -> DepartmentResult:
    """Merge the checklist with the staff part aggregated over its respondents."""
    staff_cards = list(staff_cards)
    staff_weights = part_weights(questionnaire, staff_part)
    checklist_weights = part_weights(questionnaire, checklist_part)
    dimensions = []
    for dimension in questionnaire.dimensions:
        values = [
            card.dimension(dimension.key).score
            for card in staff_cards
            if any(d.key == dimension.key for d in card.dimensions) and card.dimension(dimension.key).score is not None
        ]
        staff = withheld_if_suppressed(describe(values, min_group_size))
        checklist = None
        if checklist_card is not None and any(d.key == dimension.key for d in checklist_card.dimensions):
            checklist = checklist_card.dimension(dimension.key).score
        staff_weight = staff_weights.get(dimension.key, 0.0)
        checklist_weight = checklist_weights.get(dimension.key, 0.0)
        score = combine(staff.mean, staff_weight, checklist, checklist_weight)
        dimensions.append(
            DepartmentDimension(
                dimension.key,
                dimension.weight,
                staff,
                checklist,
                staff_weight,
                checklist_weight,
                score,
                maturity_level(questionnaire, score),
            )
        )
    scored = [d for d in dimensions if d.score is not None]
    total = math.fsum(d.weight for d in scored)
    overall = math.fsum(d.weight * d.score for d in scored) / total if total else None
    hits: dict[str, RedLineHit] = {}
    # A staff group below the minimum size shows nothing, not even which red line one of them hit.
    counted_staff = staff_cards if len(staff_cards) >= min_group_size else []
    for card in ([checklist_card] if checklist_card else []) + counted_staff:
        for hit in card.red_lines:
            hits.setdefault(hit.item, hit)
    red_lines = tuple(sorted(hits.values(), key=lambda h: h.item))
    return DepartmentResult(
        dimensions=tuple(dimensions),
        overall=overall,
        grade=grade_for(questionnaire, overall, bool(red_lines)),
        red_lines=red_lines,
        respondents=len(staff_cards),
        checklist_submitted=checklist_card is not None,
    )


# -- reliability of the instrument -------------------------------------------------------------


@dataclass(frozen=True)
class ItemReliability:
    key: str
    corrected_item_total: float | None
    low: bool  # below .30: the item may not measure what the others do


@dataclass(frozen=True)
class DimensionReliability:
    key: str
    n: int  # respondents who answered every item of the dimension
    items: tuple[ItemReliability, ...]
    alpha: float | None
    label: str | None  # excellent, good, acceptable, questionable, poor, unacceptable
    redundant: bool  # alpha above .95: some items may ask the same thing


ALPHA_LABELS = ((0.9, "excellent"), (0.8, "good"), (0.7, "acceptable"), (0.6, "questionable"), (0.5, "poor"))


def cronbach_alpha(matrix: np.ndarray) -> float | None:
    """α = k / (k − 1) × (1 − Σ item variances / variance of the totals), on a respondents × items matrix."""
    matrix = np.asarray(matrix, dtype=float)
    n, k = matrix.shape
    if n < 2 or k < 2:
        return None
    total_variance = matrix.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return None
    return float(k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum() / total_variance))


def corrected_item_total(matrix: np.ndarray) -> list[float | None]:
    """Each item's Pearson correlation with the sum of the other items."""
    matrix = np.asarray(matrix, dtype=float)
    n, k = matrix.shape
    if n < 3 or k < 2:
        return [None] * k
    totals = matrix.sum(axis=1)
    result: list[float | None] = []
    for j in range(k):
        rest = totals - matrix[:, j]
        if np.std(matrix[:, j]) == 0 or np.std(rest) == 0:
            result.append(None)
        else:
            result.append(float(np.corrcoef(matrix[:, j], rest)[0, 1]))
    return result


def alpha_label(alpha: float | None) -> str | None:
    if alpha is None:
        return None
    for threshold, label in ALPHA_LABELS:
        if alpha >= threshold:
            return label
    return "unacceptable"


def reliability(questionnaire: Questionnaire, part_key: str, cards: Iterable[ScoreCard]) -> list[DimensionReliability]:
    """Cronbach's alpha and corrected item–total correlations per dimension of one part.

    Item scores are already reverse-scored. Respondents are used for a dimension only when they
    answered all its scored items (listwise deletion); items answered "not applicable" therefore
    drop that respondent from that dimension.
    """
    cards = list(cards)
    part = questionnaire.part(part_key)
    result = []
    for dimension_key in dict.fromkeys(section.dimension for section in part.sections):
        keys = [item.key for item in part.items if item.dimension == dimension_key and item.kind == "likert5"]
        rows = []
        for card in cards:
            scores = {i.key: i.score for i in card.items if i.status == SCORED}
            if all(key in scores for key in keys):
                rows.append([scores[key] for key in keys])
        matrix = np.array(rows, dtype=float).reshape(len(rows), len(keys))
        alpha = cronbach_alpha(matrix)
        correlations = corrected_item_total(matrix) if keys else []
        result.append(
            DimensionReliability(
                key=dimension_key,
                n=len(rows),
                items=tuple(
                    ItemReliability(key, r, r is not None and r < 0.30)
                    for key, r in zip(keys, correlations, strict=True)
                ),
                alpha=alpha,
                label=alpha_label(alpha),
                redundant=alpha is not None and alpha > 0.95,
            )
        )
    return result
