"""How a score was computed: for one response and for one department in a round."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from surveyapp.domain.questionnaire import NA
from surveyapp.domain.scoring import HIDDEN, NOT_APPLICABLE, NOT_SCORED, SCORED, UNANSWERED
from surveyapp.services import responses as response_service
from surveyapp.services.observations import explained_result
from surveyapp.services.scores import scorecard_of
from surveyapp.views.guards import own_response_or_abort, respondent_required, round_department_or_abort

bp = Blueprint("results", __name__)

STATUS_TEXT = {
    SCORED: _l("counted"),
    NOT_APPLICABLE: _l("not applicable: left out"),
    HIDDEN: _l("not asked (earlier answer): left out"),
    UNANSWERED: _l("unanswered: lowers the share answered"),
    NOT_SCORED: _l("information only: not scored"),
}


@bp.get("/responses/<int:response_id>/explanation")
@respondent_required
def response_explanation(response_id: int):
    response = own_response_or_abort(response_id)
    questionnaire = response_service.questionnaire_of(response)
    return render_template(
        "results/response_explanation.html",
        response=response,
        questionnaire=questionnaire,
        part=questionnaire.part(response.part),
        card=scorecard_of(response),
        status_text=STATUS_TEXT,
        NA=NA,
        lang=str(get_locale()),
    )


@bp.get("/rounds/<int:round_id>/departments/<int:organisation_id>/explanation")
@login_required
def department_explanation(round_id: int, organisation_id: int):
    round_, department = round_department_or_abort(round_id, organisation_id)
    questionnaire = round_.questionnaire
    min_group_size = current_app.config["MIN_GROUP_SIZE"]
    lang = str(get_locale())
    result, observed, observed_red_lines = explained_result(round_, department, lang)
    return render_template(
        "results/department_explanation.html",
        round=round_,
        department=department,
        questionnaire=questionnaire,
        result=result,
        observed=observed,
        observed_red_lines=observed_red_lines,
        min_group_size=min_group_size,
        lang=lang,
    )
