"""How long a part of a questionnaire takes: the start card's estimate.

From the instrument (each item kind's ``answer_seconds`` in ``domain/kinds.py``, plus a minute to read
the introduction), replaced by the median completion time of past submissions once there are at
least ``MIN_SAMPLES`` of them (the median, because people leave a draft and come back days later).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

from surveyapp.domain.kinds import kind_of
from surveyapp.domain.questionnaire import Part

MIN_SAMPLES = 10
READING_SECONDS = 60


@dataclass(frozen=True)
class Estimate:
    questions: int
    minutes: int  # whole minutes, rounded up, at least 1
    samples: int  # past completions behind ``minutes`` (0: from the instrument alone)


def estimate(part: Part, past_seconds: list[float] | None = None) -> Estimate:
    """Questions in ``part`` and minutes to answer them; ``past_seconds`` are durations (start to
    submission, seconds) of past completions of the same part and version."""
    questions = len(part.items)
    past = [s for s in (past_seconds or []) if s > 0]
    if len(past) >= MIN_SAMPLES:
        return Estimate(questions, max(1, math.ceil(median(past) / 60)), len(past))
    seconds = READING_SECONDS + sum(kind_of(item).answer_seconds for item in part.items)
    return Estimate(questions, max(1, math.ceil(seconds / 60)), 0)
