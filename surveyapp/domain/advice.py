"""Advice from the questionnaire's grade bands: which items are strengths or weaknesses, which dimensions
need training. The thresholds come from the instrument's own ``grades``, never from literal numbers.

Rule (the scorecard's "strengths / needs improvement" lines, see design/scorecard): with the bands
ordered from the lowest ``min`` up, a score is **weak** when it lies in the lowest band (below the
pass mark, the ``min`` of the second band) and **strong** when it reaches the band above the pass
band (the ``min`` of the third band). For the bundled instrument (fail 0 · pass 60 · good 75 ·
excellent 85) that is weak < 60 and strong ≥ 75. With only two bands the top band is strong; with one
band nothing is strong or weak.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from surveyapp.domain.questionnaire import Questionnaire

T = TypeVar("T")


def _band_floors(questionnaire: Questionnaire) -> list[float]:
    return sorted(float(grade.min) for grade in questionnaire.grades)


def strength_threshold(questionnaire: Questionnaire) -> float | None:
    """The 0–100 score from which a result is a strength (the ``min`` of the band above the pass band);
    None when the questionnaire has fewer than two bands."""
    floors = _band_floors(questionnaire)
    if len(floors) < 2:
        return None
    return floors[2] if len(floors) >= 3 else floors[-1]


def weakness_threshold(questionnaire: Questionnaire) -> float | None:
    """The pass mark: a 0–100 score below it is a weakness. None when the questionnaire has one band."""
    floors = _band_floors(questionnaire)
    return floors[1] if len(floors) >= 2 else None


def strengths_and_weaknesses(
    questionnaire: Questionnaire, scored: Iterable[tuple[T, float | None]], limit: int = 2
) -> tuple[tuple[T, ...], tuple[T, ...]]:
    """Up to ``limit`` strongest entries at or above the strength threshold (highest first) and up to
    ``limit`` weakest below the pass mark (lowest first). ``scored`` holds (anything, 0–100 score or
    None); unscored entries are ignored; ties keep their order."""
    rows = [(entry, score) for entry, score in scored if score is not None]
    strong_from, weak_below = strength_threshold(questionnaire), weakness_threshold(questionnaire)
    strong = [] if strong_from is None else sorted((r for r in rows if r[1] >= strong_from), key=lambda r: -r[1])
    weak = [] if weak_below is None else sorted((r for r in rows if r[1] < weak_below), key=lambda r: r[1])
    return tuple(entry for entry, _ in strong[:limit]), tuple(entry for entry, _ in weak[:limit])


def training_dimensions(questionnaire: Questionnaire, scores: dict[str, float | None]) -> list[str]:
    """Dimension keys that need training, weakest first: those below the strength threshold (the
    "good" band), or at least the weakest two when none is below it."""
    ranked = sorted((v, k) for k, v in scores.items() if v is not None)
    good = strength_threshold(questionnaire)
    weak = [k for v, k in ranked if good is not None and v < good]
    return weak or [k for _, k in ranked[:2]]


def top_priorities(questionnaire: Questionnaire, scores: dict[str, float | None], count: int = 3) -> list[str]:
    """The scorecard cover's "top priorities": up to ``count`` dimension keys, those scoring below the
    strength threshold (the "good" band), ordered by what raising each to that threshold would add to
    the overall index (weight × gap), largest first; ties by the lower score. Empty when every scored
    dimension is at least "good". ``scores``: dimension key → 0–100 score or None (unscored: left out).
    Rule of issue 18 (a cover line "from the data"), on the grade bands of ``strength_threshold``."""
    good = strength_threshold(questionnaire)
    if good is None:
        return []
    weights = {d.key: float(d.weight) for d in questionnaire.dimensions}
    gaps = [((good - v) * weights.get(k, 1.0), -v, k) for k, v in scores.items() if v is not None and v < good]
    return [k for _, _, k in sorted(gaps, reverse=True)[:count]]
