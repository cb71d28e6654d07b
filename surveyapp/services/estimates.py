"""Start-card figures: number of questions and minutes (``domain/estimate``) from past completions."""

from __future__ import annotations

from sqlalchemy import select

from surveyapp.domain.estimate import Estimate, estimate
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Response, ResponseStatus

RECENT = 200  # the most recent completions considered


def past_durations(round_: AssessmentRound, part_key: str) -> list[float]:
    """Seconds from start to submission of recent submitted responses to this part and version."""
    rows = db.session.execute(
        select(Response.started_at, Response.submitted_at)
        .where(
            Response.questionnaire_key == round_.questionnaire_key,
            Response.questionnaire_version == round_.questionnaire_version,
            Response.part == part_key,
            Response.status == ResponseStatus.SUBMITTED,
            Response.submitted_at.is_not(None),
        )
        .order_by(Response.submitted_at.desc())
        .limit(RECENT)
    ).all()
    return [(submitted - started).total_seconds() for started, submitted in rows]


def start_cards(rounds) -> dict[tuple[int, str], Estimate]:
    """``{(round id, part key): Estimate}`` for the ``(round, parts)`` pairs of the start page."""
    return {(round_.id, part.key): estimate(part, past_durations(round_, part.key))
            for round_, parts in rounds for part in parts}  # fmt: skip


def start_card(round_: AssessmentRound, part) -> Estimate:
    """The start card's figures for one ``part`` of ``round_`` (an invitation page)."""
    return estimate(part, past_durations(round_, part.key))
