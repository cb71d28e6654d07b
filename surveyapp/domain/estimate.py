"""How long a part of a questionnaire takes: the start card's estimate.

From the instrument (each item kind's ``answer_seconds`` in ``domain/kinds.py``, plus a minute to read
the introduction), replaced by the median completion time of past submissions once there are at
least ``MIN_SAMPLES`` plausible ones (the median, because people leave a draft and come back days later).

Past times are used robustly, so a few scripted or hurried submissions cannot make the card promise an
unrealistic time: completions faster than ``IMPLAUSIBLE_SHARE`` of the instrument's estimate are not
counted as completions at all, and the figure never falls below ``FLOOR_SHARE`` of the instrument's
estimate (rule of this project: QA fault 8, "35 questions · about 1 min").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

from surveyapp.domain.kinds import kind_of
from surveyapp.domain.questionnaire import Part

MIN_SAMPLES = 10
READING_SECONDS = 60
FLOOR_SHARE = 0.7  # never promise less than 70 % of the instrument's own estimate
IMPLAUSIBLE_SHARE = 0.25  # a completion faster than a quarter of it was not read: left out


@dataclass(frozen=True)
class Estimate:
    questions: int
    minutes: int  # whole minutes, rounded up, at least 1
    samples: int  # past completions behind ``minutes`` (0: from the instrument alone)


def estimate(part: Part, past_seconds: list[float] | None = None) -> Estimate:
    """Questions in ``part`` and minutes to answer them; ``past_seconds`` are durations (start to
    submission, seconds) of past completions of the same part and version."""
    questions = len(part.items)
    instrument = instrument_seconds(part)
    past = [s for s in (past_seconds or []) if s >= IMPLAUSIBLE_SHARE * instrument]
    if len(past) >= MIN_SAMPLES:
        seconds = max(median(past), FLOOR_SHARE * instrument)
        return Estimate(questions, max(1, math.ceil(seconds / 60)), len(past))
    return Estimate(questions, max(1, math.ceil(instrument / 60)), 0)


def instrument_seconds(part: Part) -> float:
    """Seconds to read the introduction and answer every item of ``part``, by item kind."""
    return READING_SECONDS + sum(kind_of(item).answer_seconds for item in part.items)
