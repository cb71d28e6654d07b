"""Read models for administrators' pages: round overviews and instrument reliability."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from surveyapp.domain.stats import DimensionReliability, reliability
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Response, ResponseStatus
from surveyapp.services.scores import scorecard_of


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
    """Cronbach's alpha and item–total correlations of the staff part over a round's submissions."""
    questionnaire = round_.questionnaire
    staff_part = questionnaire.staff_part.key
    responses = db.session.scalars(
        select(Response).where(
            Response.round_id == round_.id,
            Response.part == staff_part,
            Response.status == ResponseStatus.SUBMITTED,
        )
    )
    return staff_part, reliability(questionnaire, staff_part, [scorecard_of(r) for r in responses])
