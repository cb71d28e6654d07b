"""Read-only JSON API for provincial platforms: rounds, departments, scores, exports.

Authentication: ``Authorization: Bearer <token>``; a token acts as its user, within that user's
scope, and only for its scopes (read:rounds, read:scores, read:exports). The OpenAPI document is
at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Response, abort, current_app, g, jsonify, request, stream_with_context

from surveyapp.definitions.spreadsheet import CSV_MIMETYPE
from surveyapp.extensions import csrf, db
from surveyapp.i18n import catalogue
from surveyapp.models import AssessmentRound
from surveyapp.permissions import Role, has_role, in_scope
from surveyapp.services.api_tokens import _Authenticated, token_for
from surveyapp.services.comparison import compare_departments
from surveyapp.services.exports import answer_rows, csv_stream
from surveyapp.services.organisations import organisation_ids_in_scope
from surveyapp.services.rectification import item_dict, items_of_round
from surveyapp.services.rounds import rounds_by_id

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def token_required(scope: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            raw = header[7:].strip() if header.lower().startswith("bearer ") else ""
            token = token_for(raw) if raw else None
            if token is None:
                return jsonify(error="unauthorized", message="a valid bearer token is required"), 401
            if not token.has_scope(scope):
                return jsonify(error="forbidden", message=f"this token lacks the scope {scope}"), 403
            user = _Authenticated(token.user)
            if not has_role(user, Role.TRAINER, Role.ADMIN):
                return jsonify(error="forbidden", message="the token's user may not read results"), 403
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _round(round_id: int) -> AssessmentRound:
    round_ = db.session.get(AssessmentRound, round_id)
    if round_ is None or not in_scope(g.api_user, round_.organisation):
        abort(404)
    return round_


def _names(organisation) -> dict:
    return {lang: organisation.name(lang) for lang in ("zh_Hans", "zh_Hant", "en")}


@bp.get("/rounds")
@token_required("read:rounds")
def rounds():
    visible = [r for r in rounds_by_id() if in_scope(g.api_user, r.organisation)]
    return jsonify(rounds=[{
        "id": r.id, "name": r.name, "agency": r.organisation.code, "questionnaire": r.questionnaire_key,
        "version": r.questionnaire_version, "status": r.status, "anonymous": r.anonymous,
        "departments": len(r.departments),
    } for r in visible])  # fmt: skip


@bp.get("/rounds/<int:round_id>/departments")
@token_required("read:rounds")
def departments(round_id: int):
    round_ = _round(round_id)
    return jsonify(departments=[{"id": d.id, "code": d.code, "name": _names(d), "parent": d.parent.code if d.parent
                                 else None} for d in round_.departments if in_scope(g.api_user, d)])  # fmt: skip


@bp.get("/rounds/<int:round_id>/scores")
@token_required("read:scores")
def scores(round_id: int):
    round_ = _round(round_id)
    questionnaire = round_.questionnaire
    target = next((grade.min for grade in questionnaire.grades if grade.key == "good"), None)
    comparison = compare_departments(
        round_, organisation_ids_in_scope(g.api_user), current_app.config["MIN_GROUP_SIZE"], target=target
    )
    codes = {d.id: d.code for d in round_.departments}
    return jsonify(
        round=round_.id,
        min_group_size=comparison.min_group_size,
        departments=[{
            "code": codes[row.organisation_id], "staff_n": row.staff_n, "suppressed": row.suppressed,
            "suppressed_reason": row.suppressed_reason,
            "overall": None if row.suppressed else row.overall, "red_lines": row.red_lines,
            "observed_red_lines": row.observed_red_lines,
            "grade": row.grade, "meets_target": None if row.target is None else row.target.met,
            "target_status": None if row.suppressed or row.target is None else row.target.status,
            "dimensions": {} if row.suppressed else row.dimensions,
        } for row in comparison.rows],
    )  # fmt: skip


@bp.get("/rounds/<int:round_id>/answers.csv")
@token_required("read:exports")
def answers(round_id: int):
    round_ = _round(round_id)
    lang = catalogue(request.args.get("lang")) or "zh_Hans"
    departments = [d.id for d in round_.departments if in_scope(g.api_user, d)]
    anonymise = not has_role(g.api_user, Role.ADMIN)
    rows = answer_rows(round_, departments, lang, anonymise, current_app.config["MIN_GROUP_SIZE"])
    return Response(stream_with_context(csv_stream(rows)), content_type=CSV_MIMETYPE)


@bp.get("/rounds/<int:round_id>/rectification")
@token_required("read:rectification")
def rectification(round_id: int):
    """Rectification items the round shows (carried ones included), for administrators' tokens only:
    they name departments' findings and owners, which trainers do not see on the web either."""
    round_ = _round(round_id)
    if not has_role(g.api_user, Role.ADMIN):
        return jsonify(error="forbidden", message="rectification items are for administrators"), 403
    lang = catalogue(request.args.get("lang")) or "zh_Hans"
    items = [i for i in items_of_round(round_) if in_scope(g.api_user, i.organisation)]
    return jsonify(round=round_.id, items=[item_dict(i, lang) for i in items])


@bp.get("/openapi.json")
def openapi():
    bearer = [{"bearer": []}]

    def op(summary, scope, params=(), content="application/json"):
        return {"summary": summary, "security": bearer, "parameters": list(params),
                "description": f"Requires the scope `{scope}`.",
                "responses": {"200": {"description": "OK", "content": {content: {}}},
                              "401": {"description": "no valid token"}, "403": {"description": "scope missing"},
                              "404": {"description": "not found or outside the token's scope"}}}  # fmt: skip

    round_id = {"name": "round_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    scores_op = op("Department scores; groups below the minimum size are suppressed", "read:scores", [round_id])
    scores_op["description"] += (
        " Departments are in ranking order: by grade (best first), then by overall index. `grade` is the"
        " questionnaire's grade key by the one grade rule: the highest band whose minimum the overall index"
        " reaches, and the lowest band whenever a red line is hit (`red_lines` > 0), whatever the index."
        " `meets_target` (default target: the `good` band) is never true with a red line; `target_status` is"
        " `met`, `below_target`, `red_line` or `no_data`. Where the inspector observed a department's site,"
        " the index and red lines combine the observation as the setting INSPECT_COMBINE says (default: an"
        " observed veto raises the red line and the observation replaces the declared answer), as on the"
        " department's scorecard and the comparison page."
    )
    number = {"type": ["number", "null"]}
    scores_op["responses"]["200"]["content"]["application/json"] = {"schema": {
        "type": "object", "properties": {
            "round": {"type": "integer"}, "min_group_size": {"type": "integer"},
            "departments": {"type": "array", "items": {"type": "object", "properties": {
                "code": {"type": "string"}, "staff_n": {"type": "integer"}, "suppressed": {"type": "boolean"},
                "suppressed_reason": {"type": ["string", "null"], "enum": ["too_few", "complement", None]},
                "overall": number, "red_lines": {"type": "integer"},
                "observed_red_lines": {"type": "integer", "description": "of red_lines, those the inspector's"
                                       " observation raised (source: observed)"},
                "grade": {"type": ["string", "null"], "description": "grade key, e.g. excellent/good/pass/fail"},
                "meets_target": {"type": ["boolean", "null"]},
                "target_status": {"type": ["string", "null"], "enum": ["met", "below_target", "red_line", "no_data",
                                                                       None]},
                "dimensions": {"type": "object", "additionalProperties": number},
            }}},
        }}}  # fmt: skip
    return jsonify({
        "openapi": "3.1.0",
        "info": {"title": "surveyapp read-only API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/rounds": {"get": op("Assessment rounds in the token's scope", "read:rounds")},
            "/rounds/{round_id}/departments": {"get": op("Departments of a round", "read:rounds", [round_id])},
            "/rounds/{round_id}/scores": {"get": scores_op},
            "/rounds/{round_id}/rectification": {"get": op(
                "Rectification items of a round (carried ones included) with their history; administrators' "
                "tokens only", "read:rectification",
                [round_id, {"name": "lang", "in": "query", "schema": {"type": "string"}}])},
            "/rounds/{round_id}/answers.csv": {"get": op(
                "Raw answers as CSV (anonymised for trainers)", "read:exports",
                [round_id, {"name": "lang", "in": "query", "schema": {"type": "string"}}], "text/csv")},
        },
    })  # fmt: skip
