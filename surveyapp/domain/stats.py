"""Statistics over respondents: group summaries, department results, instrument reliability.

Sums use ``math.fsum`` (exactly rounded), so a department result does not depend on the order in
which respondents are listed.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from surveyapp.domain.kinds import kind_of
from surveyapp.domain.questionnaire import Questionnaire
from surveyapp.domain.scoring import SCORED, RedLineHit, ScoreCard, grade_for, maturity_level, weighted_index

if TYPE_CHECKING:  # numpy and scipy are imported where used: most requests need neither
    import numpy as np


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


def is_suppressed(n: int, min_group_size: int, n_all: int | None = None) -> bool:
    """Whether a group of ``n`` respondents is too small to show: fewer than ``min_group_size``, including
    none. The one suppression rule (source: design/domain.md, the confidentiality threshold): whoever may only
    see aggregates sees no figures for such a group, on pages, exports, PDFs and the API alike.

    ``n_all`` is given when the group is a part of a larger one that is shown too (a staff level or post
    filter or grouping within a department, ``n_all`` = the department's respondents). The group is then
    also suppressed when its complement ``n_all - n`` is between 1 and ``min_group_size - 1``: otherwise
    the department's figure minus the group's (differencing) reveals the few remaining respondents.
    """
    if n < min_group_size:
        return True
    return n_all is not None and 0 < n_all - n < min_group_size


# Why a group shows no figures (``suppression_reason``): too few respondents of its own, or its
# complement in the department would be too few (the differencing rule of ``is_suppressed``).
TOO_FEW, COMPLEMENT = "too_few", "complement"


def suppression_reason(n: int, min_group_size: int, n_all: int | None = None) -> str | None:
    """Why ``is_suppressed(n, min_group_size, n_all)`` holds: ``TOO_FEW`` (fewer than
    ``min_group_size`` respondents, none included), ``COMPLEMENT`` (the rest of the department,
    ``n_all - n``, is 1 to ``min_group_size - 1`` and could be worked out by subtraction), or None
    when the group is shown. Same rule and source as ``is_suppressed``; pages print the reason, not n."""
    if n < min_group_size:
        return TOO_FEW
    if n_all is not None and 0 < n_all - n < min_group_size:
        return COMPLEMENT
    return None


Label = tuple[str | None, str | None]


def k_anonymous_labels(labels: Sequence[Label], k: int) -> list[Label]:
    """The (staff level, staff post) each row of one department may carry in a row-level export.

    Rule (k-anonymity, Sweeney 2002, "k-anonymity: a model for protecting privacy", with k = the
    minimum group size of ``is_suppressed``): over the released quasi-identifier tuple (level, post)
    every released combination, the all-blank ``(None, None)`` one included, covers 0 or at least
    ``k`` rows, so no row is told apart from fewer than ``k - 1`` others (a single row with a blank
    post among three ``clerk, disclosure`` rows would otherwise be the department's only other
    person). Generalisation, in order, until it holds: blank the post of rows in too-small
    combinations; then blank their level; then merge the smallest released combinations into the
    blank one until it has at least ``k`` rows (or nothing else is left).

    ``labels``: one (level, post) per row, None for unknown; returns a list of the same length and
    order. A department of fewer than ``k`` rows ends all blank (its rows are withheld anyway).
    """
    released = [(level or None, post or None) for level, post in labels]
    blank: Label = (None, None)

    def too_small() -> set[Label]:
        return {label for label, n in Counter(released).items() if n < k}

    small = too_small()
    released = [(level, None) if (level, post) in small else (level, post) for level, post in released]
    small = too_small()
    released = [blank if label in small else label for label in released]
    while True:
        counts = Counter(released)
        if counts.get(blank, 0) in range(1, k) and len(counts) > 1:
            smallest = min((label for label in counts if label != blank), key=lambda x: (counts[x], str(x)))
            released = [blank if label == smallest else label for label in released]
            continue
        return released


def five_numbers(values: Sequence[float]) -> tuple[float, float, float, float, float] | None:
    """Minimum, lower quartile, median, upper quartile and maximum of ``values`` (scores, 0–100);
    ``None`` for no value. Quartiles interpolate linearly between order statistics (Hyndman & Fan
    type 7: numpy's default, so the numbers of a matplotlib box plot's box)."""
    ordered = sorted(values)
    if not ordered:
        return None
    if len(ordered) == 1:
        return (ordered[0],) * 5
    lower, median, upper = statistics.quantiles(ordered, n=4, method="inclusive")
    return ordered[0], lower, median, upper, ordered[-1]


@lru_cache(maxsize=4096)
def t_critical(degrees_of_freedom: int) -> float:
    """The two-sided 95% critical value of Student's t (cached: comparisons need thousands)."""
    from scipy import stats as scipy_stats

    return float(scipy_stats.t.ppf(0.975, degrees_of_freedom))


def describe(values: Sequence[float], min_group_size: int = 1) -> GroupStats:
    n = len(values)
    if n == 0:
        return GroupStats(0, None, None, None, None, is_suppressed(n, min_group_size))
    mean = math.fsum(values) / n
    if n == 1:
        return GroupStats(1, mean, None, None, None, is_suppressed(n, min_group_size))
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return GroupStats(n, mean, sd, max(0.0, mean - half), min(100.0, mean + half), is_suppressed(n, min_group_size))


def from_running_totals(
    n: int, total: float, total_squares: float, min_group_size: int = 1, spread: bool = True, n_all: int | None = None
) -> GroupStats:
    """The same summary from n, Σx and Σx² (kept up to date as responses are submitted).

    With ``spread=False`` only n and the mean are computed (a comparison of thousands of
    departments needs no standard deviations). ``n_all``: see ``is_suppressed`` (complement rule).
    """
    if n == 0:
        return GroupStats(0, None, None, None, None, is_suppressed(n, min_group_size, n_all))
    mean = total / n
    if n == 1 or not spread:
        return GroupStats(n, mean, None, None, None, is_suppressed(n, min_group_size, n_all))
    variance = max(0.0, (total_squares - n * mean * mean) / (n - 1))
    sd = math.sqrt(variance)
    half = t_critical(n - 1) * sd / math.sqrt(n)
    suppressed = is_suppressed(n, min_group_size, n_all)
    return GroupStats(n, mean, sd, max(0.0, mean - half), min(100.0, mean + half), suppressed)


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
    staff: dict[str, GroupStats] = {}
    checklist: dict[str, float | None] = {}
    for dimension in questionnaire.dimensions:
        values = [
            card.dimension(dimension.key).score
            for card in staff_cards
            if any(d.key == dimension.key for d in card.dimensions) and card.dimension(dimension.key).score is not None
        ]
        staff[dimension.key] = describe(values, min_group_size)
        if checklist_card is not None and any(d.key == dimension.key for d in checklist_card.dimensions):
            checklist[dimension.key] = checklist_card.dimension(dimension.key).score
    return department_result_from_groups(
        questionnaire, staff, checklist, checklist_card.red_lines if checklist_card else (), len(staff_cards),
        checklist_card is not None, staff_part, checklist_part,
        staff_red_lines=[hit for card in staff_cards for hit in card.red_lines], min_group_size=min_group_size,
    )  # fmt: skip


def department_result_from_groups(
    questionnaire: Questionnaire,
    staff: dict[str, GroupStats],
    checklist: dict[str, float | None],
    red_lines: Iterable[RedLineHit],
    respondents: int,
    checklist_submitted: bool,
    staff_part: str = "staff",
    checklist_part: str = "department",
    staff_red_lines: Iterable[RedLineHit] = (),
    min_group_size: int = 1,
) -> DepartmentResult:
    """A department's result from its staff summaries per dimension (``describe`` of the staff
    dimension scores, or ``from_running_totals`` of their running totals), its checklist's
    dimension scores, the checklist's red lines and the staff respondents' red lines (one per item).
    Same rule as ``department_result``.

    A staff group below the minimum size (``is_suppressed``) shows nothing and counts for nothing:
    its dimension figures are withheld (``withheld_if_suppressed``, so the department score is the
    checklist's alone) and its red lines are left out, so nobody can work an individual's score back
    from the department's (``surveyapp.permissions.CONFIDENTIALITY_RULE`` 2)."""
    staff_weights = part_weights(questionnaire, staff_part)
    checklist_weights = part_weights(questionnaire, checklist_part)
    dimensions = []
    for dimension in questionnaire.dimensions:
        group = withheld_if_suppressed(staff.get(dimension.key) or GroupStats(0, None, None, None, None, True))
        checklist_score = checklist.get(dimension.key)
        staff_weight = staff_weights.get(dimension.key, 0.0)
        checklist_weight = checklist_weights.get(dimension.key, 0.0)
        score = combine(group.mean, staff_weight, checklist_score, checklist_weight)
        dimensions.append(
            DepartmentDimension(
                dimension.key,
                dimension.weight,
                group,
                checklist_score,
                staff_weight,
                checklist_weight,
                score,
                maturity_level(questionnaire, score),
            )
        )
    overall = weighted_index((d.weight, d.score) for d in dimensions)
    # A staff group below the minimum size shows nothing, not even which red line one of them hit.
    counted: dict[str, RedLineHit] = {}
    for hit in [*red_lines, *([] if is_suppressed(respondents, min_group_size) else staff_red_lines)]:
        counted.setdefault(hit.item, hit)
    hits = sorted(counted.values(), key=lambda h: h.item)
    return DepartmentResult(
        dimensions=tuple(dimensions),
        overall=overall,
        grade=grade_for(questionnaire, overall, bool(hits)),
        red_lines=tuple(hits),
        respondents=respondents,
        checklist_submitted=checklist_submitted,
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
    import numpy as np

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
    import numpy as np

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
    return reliability_from_item_scores(
        questionnaire, part_key, ({i.key: i.score for i in card.items if i.status == SCORED} for card in cards)
    )


def reliability_from_item_scores(
    questionnaire: Questionnaire, part_key: str, respondents: Iterable[dict[str, float]]
) -> list[DimensionReliability]:
    """``reliability`` from each respondent's scored items as ``{item key: score 0–100}`` (the
    item scores stored on submit: an item answered "not applicable", hidden or unanswered is absent)."""
    import numpy as np

    keys = [item.key for item in questionnaire.part(part_key).items if kind_of(item).scale]
    rows = [[scores.get(key, np.nan) for key in keys] for scores in respondents]
    return reliability_from_score_matrix(questionnaire, part_key, keys, np.array(rows, dtype=float))


def reliability_from_score_matrix(
    questionnaire: Questionnaire, part_key: str, keys: Sequence[str], matrix: np.ndarray
) -> list[DimensionReliability]:
    """``reliability`` from a respondents × ``keys`` matrix of item scores, NaN where an item was
    not scored. A respondent counts for a dimension only with every rating-scale item of it scored."""
    import numpy as np

    part = questionnaire.part(part_key)
    matrix = np.asarray(matrix, dtype=float).reshape(-1, len(keys))
    column = {key: j for j, key in enumerate(keys)}
    result = []
    for dimension_key in dict.fromkeys(section.dimension for section in part.sections):
        dimension_keys = [item.key for item in part.items if item.dimension == dimension_key and kind_of(item).scale]
        sub = matrix[:, [column[key] for key in dimension_keys]]
        sub = sub[~np.isnan(sub).any(axis=1)] if dimension_keys else np.empty((len(matrix), 0))
        alpha = cronbach_alpha(sub)
        correlations = corrected_item_total(sub) if dimension_keys else []
        result.append(
            DimensionReliability(
                key=dimension_key,
                n=len(sub),
                items=tuple(
                    ItemReliability(key, r, r is not None and r < 0.30)
                    for key, r in zip(dimension_keys, correlations, strict=True)
                ),
                alpha=alpha,
                label=alpha_label(alpha),
                redundant=alpha is not None and alpha > 0.95,
            )
        )
    return result


# -- reliability from running sums ----------------------------------------------------------------


def reliability_contributions(
    questionnaire: Questionnaire, part_key: str, scores: dict[str, float]
) -> list[tuple[str, str, float, float, float]]:
    """What one respondent adds to the running reliability sums of a part: for each dimension whose
    five-point items they all scored, ``(dimension, "", T, T², 0)`` for their dimension total T and
    ``(dimension, item, x, x², x·T)`` per item (each row also counts 1 respondent). ``scores`` are
    the stored item scores (absent when not scored), as in ``reliability_from_item_scores``."""
    part = questionnaire.part(part_key)
    rows = []
    for dimension_key in dict.fromkeys(section.dimension for section in part.sections):
        keys = [item.key for item in part.items if item.dimension == dimension_key and kind_of(item).scale]
        if not keys or not all(scores.get(key) is not None for key in keys):
            continue
        total = math.fsum(scores[key] for key in keys)
        rows.append((dimension_key, "", total, total * total, 0.0))
        rows.extend((dimension_key, key, scores[key], scores[key] ** 2, scores[key] * total) for key in keys)
    return rows


def _variance(n: int, total: float, squares: float) -> float:
    """Sample variance (ddof 1) from n, Σx, Σx²; 0 when it is only rounding noise."""
    variance = (squares - total * total / n) / (n - 1)
    return 0.0 if variance <= 1e-9 * max(1.0, (total / n) ** 2) else variance


def reliability_from_sums(
    questionnaire: Questionnaire, part_key: str, sums: dict[tuple[str, str], tuple[int, float, float, float]]
) -> list[DimensionReliability]:
    """``reliability`` from the running sums ``{(dimension, item or ""): (n, Σ, Σ², Σ·T)}`` written by
    ``reliability_contributions``: the same alpha (k/(k−1) × (1 − Σ var x_j / var T)) and corrected
    item–total correlations (of x_j with T − x_j), with the same thresholds as the matrix form."""
    part = questionnaire.part(part_key)
    result = []
    for dimension_key in dict.fromkeys(section.dimension for section in part.sections):
        keys = [item.key for item in part.items if item.dimension == dimension_key and kind_of(item).scale]
        n, t_total, t_squares, _ = sums.get((dimension_key, ""), (0, 0.0, 0.0, 0.0))
        k = len(keys)
        alpha = None
        correlations: list[float | None] = [None] * k
        if n >= 2 and k >= 2:
            var_t = _variance(n, t_total, t_squares)
            items = [sums.get((dimension_key, key), (0, 0.0, 0.0, 0.0)) for key in keys]
            var_x = [_variance(n, total, squares) for _, total, squares, _ in items]
            if var_t:
                alpha = float(k / (k - 1) * (1 - math.fsum(var_x) / var_t))
            if n >= 3:
                correlations = []
                for (_, total, _, cross), variance in zip(items, var_x, strict=True):
                    covariance = (cross - total * t_total / n) / (n - 1)  # cov(x_j, T)
                    rest = var_t - 2 * covariance + variance  # var(T − x_j)
                    rest = 0.0 if rest <= 1e-9 * max(1.0, ((t_total - total) / n) ** 2) else rest
                    if not variance or not rest:
                        correlations.append(None)
                    else:
                        correlations.append(float((covariance - variance) / math.sqrt(variance * rest)))
        result.append(
            DimensionReliability(
                key=dimension_key,
                n=n,
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
