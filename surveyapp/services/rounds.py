"""Assessment rounds: open one, find the ones a person can answer."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation, RoundStatus
from surveyapp.models.round import round_departments
from surveyapp.permissions import can_answer_part
from surveyapp.services.audit import record_event
from surveyapp.services.questionnaires import get_questionnaire, latest_version


class RoundError(ValueError):
    """A round that cannot be opened or changed as asked; the message is for the user. ``field`` names the
    form field the message belongs under (``deadline``, ``add_department_ids``, ``remove_department_ids``)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def open_round(
    name: str,
    agency: Organisation,
    departments: list[Organisation],
    questionnaire_key: str,
    questionnaire_version: int | None = None,
    deadline: datetime | None = None,
    anonymous: bool = False,
    actor=None,
) -> AssessmentRound:
    """Open a round for ``departments`` with one questionnaire version."""
    if not departments:
        raise RoundError(_l("Choose at least one department."))
    from surveyapp.services.round_lifecycle import check_departments_in_agency, check_future, schedule_deadline

    check_departments_in_agency(agency, departments)
    check_future(deadline)
    if questionnaire_version is None:
        row = latest_version(questionnaire_key)
        if row is None:
            raise RoundError(_l("Questionnaire %(key)s is not loaded.", key=questionnaire_key))
        questionnaire_version = row.version
    try:
        get_questionnaire(questionnaire_key, questionnaire_version)
    except KeyError:
        raise RoundError(
            _l(
                "Questionnaire %(key)s version %(version)s is not loaded.",
                key=questionnaire_key,
                version=questionnaire_version,
            )
        ) from None
    round_ = AssessmentRound(
        name=name,
        organisation=agency,
        questionnaire_key=questionnaire_key,
        questionnaire_version=questionnaire_version,
        status=RoundStatus.OPEN,
        deadline=deadline,
        anonymous=anonymous,
        departments=list(departments),
    )
    db.session.add(round_)
    db.session.flush()
    record_event(
        "round.open",
        actor=actor,
        obj=round_,
        departments=[d.code for d in departments],
        questionnaire=f"{questionnaire_key}@{questionnaire_version}",
    )
    db.session.commit()
    schedule_deadline(round_)
    return round_


def open_rounds_for(user) -> list[tuple[AssessmentRound, list]]:
    """Open rounds that include the user's department (deadline not passed), each with the parts the user may answer."""
    if user.organisation_id is None:
        return []
    from surveyapp.services.round_lifecycle import open_rounds_query

    rounds = db.session.scalars(
        select(AssessmentRound)
        .join(round_departments, round_departments.c.round_id == AssessmentRound.id)
        .where(
            round_departments.c.organisation_id == user.organisation_id,
            *open_rounds_query(),
        )
        .order_by(AssessmentRound.created_at.desc())
    ).all()
    result = []
    for round_ in rounds:
        questionnaire = round_.questionnaire
        parts = [p for p in questionnaire.parts if can_answer_part(user, p.respondent, user.organisation)]
        if parts:
            result.append((round_, parts))
    return result


CLOSED_SHOWN = 5  # closed rounds listed under "My assessments", newest first


def closed_rounds_for(user) -> list[tuple[AssessmentRound, list]]:
    """The most recent rounds of the user's department that no longer accept answers (closed, or past
    their deadline), each with the parts the user may answer: "My assessments" lists them with their
    state so a round never disappears without a word."""
    if user.organisation_id is None:
        return []
    from sqlalchemy import not_

    from surveyapp.services.round_lifecycle import open_rounds_query

    rounds = db.session.scalars(
        select(AssessmentRound)
        .join(round_departments, round_departments.c.round_id == AssessmentRound.id)
        .where(
            round_departments.c.organisation_id == user.organisation_id,
            AssessmentRound.status != RoundStatus.DRAFT,
            not_(and_(*open_rounds_query())),
        )
        .order_by(AssessmentRound.created_at.desc())
        .limit(CLOSED_SHOWN)
    ).all()
    result = []
    for round_ in rounds:
        parts = [p for p in round_.questionnaire.parts if can_answer_part(user, p.respondent, user.organisation)]
        if parts:
            result.append((round_, parts))
    return result


def close_round(round_: AssessmentRound, actor) -> bool:
    """Close a round: no more answers, submissions or reopenings; its results are frozen.

    Idempotent: returns False (and records nothing) when the round was closed already, for example
    when a confirmation page is sent a second time after the browser's Back button."""
    if round_.status == RoundStatus.CLOSED:
        return False
    round_.status = RoundStatus.CLOSED
    record_event("round.close", actor=actor, obj=round_)
    db.session.commit()
    return True


def not_submitted(round_: AssessmentRound, department: Organisation) -> list:
    """Staff of a department who have not submitted the staff part (never what they answered).

    Empty for anonymous rounds, where who answered is not known.
    """
    from surveyapp.models import Response, ResponseStatus, User
    from surveyapp.permissions import Role

    if round_.anonymous:
        return []
    submitted = set(
        db.session.scalars(
            select(Response.user_id).where(
                Response.round_id == round_.id, Response.organisation_id == department.id,
                Response.status == ResponseStatus.SUBMITTED, Response.user_id.is_not(None),
                Response.owner_key != "department",
            )
        )
    )  # fmt: skip
    staff = db.session.scalars(
        select(User).where(User.organisation_id == department.id, User.active.is_(True),
                           User.role.in_([Role.STAFF.value, Role.COORDINATOR.value])).order_by(User.email)
    )  # fmt: skip
    return [user for user in staff if user.id not in submitted]


def rounds_newest_first() -> list[AssessmentRound]:
    """Every round, the newest first (callers keep those in the viewer's scope)."""
    return list(db.session.scalars(select(AssessmentRound).order_by(AssessmentRound.created_at.desc())))


def rounds_by_id() -> list[AssessmentRound]:
    """Every round in id order."""
    return list(db.session.scalars(select(AssessmentRound).order_by(AssessmentRound.id)))


def round_by_id(round_id: int) -> AssessmentRound | None:
    return db.session.get(AssessmentRound, round_id)
