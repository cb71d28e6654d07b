"""Read models for administrators' pages: round overviews and instrument reliability."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from surveyapp.domain.kinds import kind_of
from surveyapp.domain.stats import DimensionReliability, reliability_from_score_matrix, reliability_from_sums
from surveyapp.extensions import db
from surveyapp.models import Answer, AssessmentRound, ReliabilityAggregate, Response, ResponseStatus
from surveyapp.services.round_cache import cached


@dataclass(frozen=True)
class DepartmentProgress:
    organisation_id: int
    started: int
    submitted: int
    checklist_submitted: bool


def round_progress(round_: AssessmentRound) -> dict[int, DepartmentProgress]:
    """Per department: staff responses started and submitted, and whether the checklist is in."""
    rows = db.session.execute(
        select(Response.organisation_id, Response.part, Response.status, func.count(Response.id))
        .where(Response.round_id == round_.id)
        .group_by(Response.organisation_id, Response.part, Response.status)
    ).all()
    questionnaire = round_.questionnaire
    checklist = {questionnaire.checklist_part.key} if questionnaire.checklist_part else set()
    totals: dict[int, dict] = {d.id: {"started": 0, "submitted": 0, "checklist": False} for d in round_.departments}
    for org_id, part, status, count in rows:
        entry = totals.setdefault(org_id, {"started": 0, "submitted": 0, "checklist": False})
        if part in checklist:
            entry["checklist"] = entry["checklist"] or status == ResponseStatus.SUBMITTED
        else:
            entry["started"] += count
            if status == ResponseStatus.SUBMITTED:
                entry["submitted"] += count
    return {org: DepartmentProgress(org, e["started"], e["submitted"], e["checklist"]) for org, e in totals.items()}


def round_reliability(round_: AssessmentRound) -> tuple[str, list[DimensionReliability]]:
    """Cronbach's alpha and item–total correlations of the staff part over a round's submissions.

    From the running reliability sums (O(items)); for a round with submissions from before the sums
    existed (``reliability_sums`` false until ``flask scores rebuild``), from the item scores stored
    on submit (no re-scoring, O(responses × items)). Kept per round data version (``round_cache``).
    """
    questionnaire = round_.questionnaire
    staff_part = questionnaire.staff_part.key
    keys = [item.key for item in questionnaire.staff_part.items if kind_of(item).scale]

    def from_sums() -> list[DimensionReliability]:
        rows = db.session.execute(
            select(ReliabilityAggregate.dimension, ReliabilityAggregate.item, ReliabilityAggregate.n,
                   ReliabilityAggregate.total, ReliabilityAggregate.total_squares, ReliabilityAggregate.total_cross)
            .where(ReliabilityAggregate.round_id == round_.id, ReliabilityAggregate.part == staff_part)
        )  # fmt: skip
        sums = {(dimension, item): (n, total, squares, cross) for dimension, item, n, total, squares, cross in rows}
        return reliability_from_sums(questionnaire, staff_part, sums)

    def compute() -> list[DimensionReliability]:
        import numpy as np

        answers, responses = Answer.__table__, Response.__table__
        statement = (
            select(answers.c.response_id, answers.c.question_key, answers.c.score)
            .join(responses, responses.c.id == answers.c.response_id)
            .where(responses.c.round_id == round_.id, responses.c.part == staff_part,
                   responses.c.status == ResponseStatus.SUBMITTED, answers.c.score.is_not(None),
                   answers.c.question_key.in_(keys))
        )  # fmt: skip
        column = {key: j for j, key in enumerate(keys)}
        rows: dict[int, int] = {}
        cells: list[tuple[int, int, float]] = []
        for response_id, key, score in db.session.connection().execute(statement):  # Core rows: no ORM
            cells.append((rows.setdefault(response_id, len(rows)), column[key], score))
        matrix = np.full((len(rows), len(keys)), np.nan)
        if cells:
            index = np.array([(r, c) for r, c, _ in cells], dtype=int)
            matrix[index[:, 0], index[:, 1]] = [v for _, _, v in cells]
        return reliability_from_score_matrix(questionnaire, staff_part, keys, matrix)

    if round_.reliability_sums:
        return staff_part, cached(round_.id, ("reliability", staff_part), from_sums)
    return staff_part, cached(round_.id, ("reliability", staff_part), compute)
