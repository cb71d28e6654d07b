"""Administrators: assessment rounds, their progress, results and instrument reliability."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound
from surveyapp.permissions import Role, in_scope, role_required
from surveyapp.services.questionnaires import get_questionnaire
from surveyapp.services.reports_data import round_progress, round_reliability

bp = Blueprint("admin", __name__, url_prefix="/admin")

STATUS_NAMES = {"draft": _l("draft"), "open": _l("open"), "closed": _l("closed")}
ALPHA_LABELS = {
    "excellent": _l("excellent"),
    "good": _l("good"),
    "acceptable": _l("acceptable"),
    "questionable": _l("questionable"),
    "poor": _l("poor"),
    "unacceptable": _l("unacceptable"),
}


def _round_in_scope(round_id: int) -> AssessmentRound:
    round_ = db.session.get(AssessmentRound, round_id) or abort(404)
    if not in_scope(current_user, round_.organisation):
        abort(403)
    return round_


@bp.get("/rounds")
@role_required(Role.ADMIN)
def round_list():
    rounds = [
        r
        for r in db.session.scalars(select(AssessmentRound).order_by(AssessmentRound.created_at.desc()))
        if in_scope(current_user, r.organisation)
    ]
    return render_template("admin/round_list.html", rounds=rounds, status_names=STATUS_NAMES, lang=str(get_locale()))


@bp.get("/rounds/<int:round_id>")
@role_required(Role.ADMIN)
def round_detail(round_id: int):
    round_ = _round_in_scope(round_id)
    return render_template(
        "admin/round_detail.html",
        round=round_,
        questionnaire=get_questionnaire(round_.questionnaire_key, round_.questionnaire_version),
        progress=round_progress(round_),
        lang=str(get_locale()),
    )


@bp.get("/rounds/<int:round_id>/reliability")
@role_required(Role.ADMIN)
def round_reliability_page(round_id: int):
    round_ = _round_in_scope(round_id)
    questionnaire = get_questionnaire(round_.questionnaire_key, round_.questionnaire_version)
    part_key, dimensions = round_reliability(round_)
    return render_template(
        "admin/reliability.html",
        round=round_,
        questionnaire=questionnaire,
        part=questionnaire.part(part_key),
        dimensions=dimensions,
        alpha_labels=ALPHA_LABELS,
        lang=str(get_locale()),
    )
