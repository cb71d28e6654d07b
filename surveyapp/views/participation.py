"""Administrators: who takes part in a round (never what anyone answered), and reopening a
staff response at its respondent's request without seeing it (CONFIDENTIALITY_RULE 2 and 3)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, User
from surveyapp.permissions import Role, can_see_participation, in_scope, role_required
from surveyapp.services import participation as participation_service
from surveyapp.services import responses as response_service
from surveyapp.services.questionnaires import get_questionnaire

bp = Blueprint("participation", __name__, url_prefix="/admin")


def _round_or_abort(round_id: int) -> AssessmentRound:
    round_ = db.session.get(AssessmentRound, round_id) or abort(404)
    if not can_see_participation(current_user, round_):
        abort(403)
    return round_


def _staff_part(round_: AssessmentRound) -> str:
    questionnaire = get_questionnaire(round_.questionnaire_key, round_.questionnaire_version)
    return next(p.key for p in questionnaire.parts if p.respondent == "staff")


@bp.get("/rounds/<int:round_id>/participation")
@role_required(Role.ADMIN)
def round_participation(round_id: int):
    round_ = _round_or_abort(round_id)
    departments = [d for d in round_.departments if in_scope(current_user, d)]
    entries = None
    if not round_.anonymous:
        entries = participation_service.roster(round_, _staff_part(round_), departments)
    return render_template(
        "admin/participation.html", round=round_, departments=departments, entries=entries, lang=str(get_locale())
    )


@bp.post("/rounds/<int:round_id>/participation/<int:user_id>/reopen")
@role_required(Role.ADMIN)
def reopen(round_id: int, user_id: int):
    round_ = _round_or_abort(round_id)
    user = db.session.get(User, user_id) or abort(404)
    if user.organisation is None or not in_scope(current_user, user.organisation):
        abort(403)
    try:
        response = participation_service.response_of_participant(round_, user.id, _staff_part(round_))
        response_service.reopen_response(response, current_user, request.form.get("reason", "")[:500])
    except (participation_service.ParticipationError, response_service.ResponseError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("The response is open again for its respondent."), "info")
    return redirect(url_for("participation.round_participation", round_id=round_id))
