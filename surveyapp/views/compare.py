"""Trainers and administrators: compare departments, plan training, export, in their scope."""

from __future__ import annotations

import os

from flask import Blueprint, Response, abort, after_this_request, current_app, render_template, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.definitions.spreadsheet import CSV_MIMETYPE, XLSX_MIMETYPE
from surveyapp.domain.scoring import grade_label
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation
from surveyapp.permissions import Role, has_role, in_scope, role_required
from surveyapp.reporting import charts
from surveyapp.routing import query_id
from surveyapp.services.audit import log_access
from surveyapp.services.comparison import (
    TRAINING_GROUPINGS,
    compare_departments,
    comparison_pdf,
    crosswalk_note,
    default_training_grouping,
    median_dimension_trend,
    median_overall_trend,
    spread_of,
    spread_peers,
    suppression_words,
    training_grouping_choices,
    training_needs,
    training_pdf,
    trend_chains,
    trend_versions,
)
from surveyapp.services.exports import (
    answer_rows,
    csv_stream,
    department_score_rows,
    response_score_rows,
    xlsx_file,
)
from surveyapp.services.observations import observed_comparison
from surveyapp.services.organisations import department_names, organisation_ids_in_scope, organisations_by_ids
from surveyapp.services.rectification import since_last_round_by_department
from surveyapp.services.rounds import rounds_newest_first
from surveyapp.services.scores import ALL_GROUPS

bp = Blueprint("compare", __name__, url_prefix="/compare")
VIEWERS = (Role.TRAINER, Role.ADMIN)
TRAINING_PAGE = 50
RANKING_PAGE = 100


def _lang() -> str:
    return str(get_locale())


def _rounds_in_scope() -> list[AssessmentRound]:
    """Rounds of an agency in the reader's scope, and rounds that include a department in it (a
    department-scoped trainer or administrator compares only the departments of their scope)."""
    scope = organisation_ids_in_scope(current_user)
    return [
        r for r in rounds_newest_first()
        if in_scope(current_user, r.organisation) or (scope is not None and any(d.id in scope for d in r.departments))
    ]  # fmt: skip


def _chosen_round() -> AssessmentRound | None:
    rounds = _rounds_in_scope()
    wanted = request.args.get("round", type=query_id)
    if wanted is None:
        return rounds[0] if rounds else None
    for round_ in rounds:
        if round_.id == wanted:
            return round_
    abort(403 if db.session.get(AssessmentRound, wanted) else 404)


def _visible(department: Organisation) -> bool:
    return in_scope(current_user, department)


def _comparison(round_: AssessmentRound):
    questionnaire = round_.questionnaire
    target_key = request.args.get("target", "good")
    target = next((g.min for g in questionnaire.grades if g.key == target_key), None)
    return compare_departments(
        round_, organisation_ids_in_scope(current_user), current_app.config["MIN_GROUP_SIZE"],
        agency_id=request.args.get("agency", type=query_id),
        level=request.args.get("level") or None, post=request.args.get("post") or None,
        sort=request.args.get("sort", "overall"), target=target,
    )  # fmt: skip


def _names(round_: AssessmentRound, ids=None) -> dict[int, str]:
    """Department names in the reader's language (only ``ids`` when given)."""
    return department_names(round_.id, _lang(), ids)


@bp.get("")
@role_required(*VIEWERS)
def index():
    round_ = _chosen_round()
    if round_ is None:
        return render_template("compare/index.html", round=None, rounds=[], lang=_lang())
    comparison = _comparison(round_)
    questionnaire = comparison.questionnaire
    parents = {row.parent_id for row in comparison.rows if row.parent_id is not None}
    agencies = organisations_by_ids(parents)
    page = max(1, request.args.get("page", 1, type=query_id))
    shown = comparison.rows[(page - 1) * RANKING_PAGE : page * RANKING_PAGE]
    marked, spread = spread_of(comparison)
    trend_names, trend_medians = median_overall_trend(round_, current_app.config["MIN_GROUP_SIZE"])
    ids = [r.organisation_id for r in shown] + ([marked.organisation_id] if marked else [])
    return render_template(
        "compare/index.html", round=round_, rounds=_rounds_in_scope(), comparison=comparison,
        questionnaire=questionnaire, names=_names(round_, ids),
        agencies=list(agencies), args=request.args, lang=_lang(),
        rows=shown, first=(page - 1) * RANKING_PAGE, page=page, pages=-(-len(comparison.rows) // RANKING_PAGE),
        trend_crosses_versions=len(set(trend_versions(round_))) > 1, marked=marked, spread=spread,
        trend=list(zip(trend_names, trend_medians, trend_versions(round_), strict=True)),
        dimension_trend=median_dimension_trend(round_, current_app.config["MIN_GROUP_SIZE"]),
        trend_note=crosswalk_note(trend_chains(round_), _),
        sort=request.args.get("sort", "overall"),
        observed=observed_comparison(round_, current_user, _lang()),
        since=since_last_round_by_department(round_),
    )  # fmt: skip


@bp.get("/chart/<kind>.svg")
@role_required(*VIEWERS)
def chart(kind: str):
    round_ = _chosen_round() or abort(404)
    comparison = _comparison(round_)
    lang = _lang()
    titles = [d.title.get(lang) for d in comparison.questionnaire.dimensions]
    keys = [d.key for d in comparison.questionnaire.dimensions]
    rows = [r for r in comparison.rows if not r.suppressed]
    names = _names(round_)
    empty = _("No department has enough submitted responses to show.")
    if kind == "heatmap":
        shown = rows[:40]
        svg = charts.heatmap_chart([names[r.organisation_id] for r in shown], titles,
                                   [[r.dimensions[k] for k in keys] for r in shown], lang,
                                   empty_label=empty)  # fmt: skip
    elif kind == "spread":
        mine, _spread = spread_of(comparison, request.args.get("highlight", type=query_id))
        peers = spread_peers(comparison)
        svg = charts.spread_chart(titles, peers, [mine.dimensions[k] if mine else None for k in keys], lang,
                                  you_label=names.get(mine.organisation_id, "") if mine else "",
                                  target=comparison.target, empty_label=empty)  # fmt: skip
    elif kind == "trend":
        names, medians = median_overall_trend(round_, current_app.config["MIN_GROUP_SIZE"])
        versions = [_("Version %(version)s", version=v) for v in trend_versions(round_)]
        svg = charts.trend_chart(names, {_("Median overall index"): medians}, lang, versions, empty_label=empty)
    elif kind == "trend-dimensions":
        names, _medians = median_overall_trend(round_, current_app.config["MIN_GROUP_SIZE"])
        versions = [_("Version %(version)s", version=v) for v in trend_versions(round_)]
        trends = median_dimension_trend(round_, current_app.config["MIN_GROUP_SIZE"])
        svg = charts.dimension_trend_chart(names, dict(zip(titles, [t.values for t in trends], strict=True)), lang,
                                           versions, empty_label=empty)  # fmt: skip
    else:
        abort(404)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@bp.get("/report.pdf")
@role_required(*VIEWERS)
def report_pdf():
    round_ = _chosen_round() or abort(404)
    comparison = _comparison(round_)
    lang, names = _lang(), _names(round_)
    pdf = comparison_pdf(round_, comparison, names, lang, _("Comparison of departments"),
                         strict_fonts=current_app.config["STRICT_FONTS"])  # fmt: skip
    log_access("report.download", actor=current_user, obj=round_, kind="comparison", lang=lang)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=comparison-{round_.id}-{lang}.pdf"},
    )


@bp.get("/training")
@role_required(*VIEWERS)
def training():
    round_ = _chosen_round() or abort(404)
    questionnaire = round_.questionnaire
    departments = [d for d in round_.departments if _visible(d)]
    page = max(1, request.args.get("page", 1, type=query_id))
    chunk = departments[(page - 1) * TRAINING_PAGE : page * TRAINING_PAGE]
    by = _training_grouping(round_)
    needs = training_needs(round_, [d.id for d in chunk], current_app.config["MIN_GROUP_SIZE"], by=by)
    return render_template(
        "compare/training.html", round=round_, questionnaire=questionnaire, needs=needs, names=_names(round_),
        grades=_department_grades(round_, _lang()),
        modules={m.key: m for m in questionnaire.training_modules}, page=page, by=by, groupings=_groupings(),
        group_names=_group_namers(questionnaire, _lang()),
        more=len(departments) > page * TRAINING_PAGE, lang=_lang(), min_group_size=current_app.config["MIN_GROUP_SIZE"],
    )  # fmt: skip


def _training_grouping(round_: AssessmentRound) -> str:
    """The matrix's staff grouping from ``?by=``; without one (or an unknown one) the default chosen
    from the data (``comparison.default_training_grouping``)."""
    by = request.args.get("by")
    if by in TRAINING_GROUPINGS:
        return by
    return default_training_grouping(_grouping_choices(round_))


def _grouping_choices(round_: AssessmentRound):
    departments = [d.id for d in round_.departments if _visible(d)]
    return training_grouping_choices(round_, departments, current_app.config["MIN_GROUP_SIZE"])


def _groupings() -> list[tuple[str, str]]:
    labels = {"level_post": _("Staff level and post"), "level": _("Staff level only"), "post": _("Post only"),
              "department": _("Whole department (all staff)")}  # fmt: skip
    return [(key, labels[key]) for key in TRAINING_GROUPINGS]


def _group_namers(questionnaire, lang: str):
    """Two functions naming a group's staff level and post; a merged one is "All levels"/"All posts"."""

    def name(labels: dict, key: str, everyone: str) -> str:
        if key == ALL_GROUPS:
            return everyone
        label = labels.get(key)
        return label.get(lang) if label else (key or "—")

    return (
        lambda key: name(questionnaire.staff_levels, key, _("All levels")),
        lambda key: name(questionnaire.staff_posts, key, _("All posts")),
    )


def _training_rows(round_: AssessmentRound):
    questionnaire = round_.questionnaire
    lang, names = _lang(), _names(round_)
    modules = {m.key: m for m in questionnaire.training_modules}
    departments = [d.id for d in round_.departments if _visible(d)]
    yield [_("Department"), _("Grade"), _("Staff level"), _("Post"), _("Staff n"), _("Weakest dimensions"),
           _("Training modules")]  # fmt: skip
    level_name, post_name = _group_namers(questionnaire, lang)
    by = _training_grouping(round_)
    grades = _department_grades(round_, lang)
    for need in training_needs(round_, departments, current_app.config["MIN_GROUP_SIZE"], by=by):
        if need.suppressed:
            weakest = modules_text = suppression_words(need.suppressed_reason, current_app.config["MIN_GROUP_SIZE"], _)
        else:
            weakest = "; ".join(
                f"{questionnaire.dimension(d).title.get(lang)} ({mean:.1f})" for d, mean in need.weakest
            )
            modules_text = "; ".join(modules[m].title.get(lang) for m in need.modules)
        yield [
            names.get(need.organisation_id, ""),
            grades.get(need.organisation_id, ""),
            level_name(need.level),
            post_name(need.post),
            need.staff if not need.suppressed else "",
            weakest,
            modules_text,
        ]


def _department_grades(round_: AssessmentRound, lang: str) -> dict[int, str]:
    """Each visible department's grade name (``scoring.grade_for``, as in the ranking); "" when suppressed."""
    comparison = compare_departments(
        round_, organisation_ids_in_scope(current_user), current_app.config["MIN_GROUP_SIZE"]
    )
    return {row.organisation_id: grade_label(comparison.questionnaire, row.grade, lang) for row in comparison.rows}


@bp.get("/training.<fmt>")
@role_required(*VIEWERS)
def training_export(fmt: str):
    round_ = _chosen_round() or abort(404)
    log_access("export", actor=current_user, obj=round_, kind="training", format=fmt)
    if fmt == "xlsx":
        return _send_xlsx(_training_rows(round_), f"training-{round_.id}.xlsx", "training")
    if fmt == "pdf":
        rows = list(_training_rows(round_))
        by = _training_grouping(round_)
        labels = dict(_groupings())
        choices = [(labels[c.by], c.shown, c.total, c.by == by) for c in _grouping_choices(round_)]
        pdf = training_pdf(round_, rows[0], rows[1:], labels[by], choices, _lang(),
                           min_group_size=current_app.config["MIN_GROUP_SIZE"],
                           strict_fonts=current_app.config["STRICT_FONTS"])  # fmt: skip
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f"attachment; filename=training-{round_.id}.pdf"},
        )
    abort(404)


def _send_xlsx(rows, name: str, title: str):
    path = xlsx_file(rows, title)

    @after_this_request
    def remove(response):
        try:
            os.unlink(path)
        except OSError:
            pass
        return response

    return send_file(
        path,
        as_attachment=True,
        download_name=name,
        mimetype=XLSX_MIMETYPE,
    )


EXPORTS = ("departments", "answers", "responses")


@bp.get("/export/<what>.<fmt>")
@role_required(*VIEWERS)
def export(what: str, fmt: str):
    if what not in EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    round_ = _chosen_round() or abort(404)
    anonymise = not has_role(current_user, Role.ADMIN)
    departments = [d.id for d in round_.departments if _visible(d)]
    min_group = current_app.config["MIN_GROUP_SIZE"]
    if what == "departments":
        rows = department_score_rows(_comparison(round_), _names(round_), _lang())
    elif what == "answers":
        rows = answer_rows(round_, departments, _lang(), anonymise, min_group, na_label=_("Not applicable"))
    else:
        rows = response_score_rows(round_, departments, anonymise, min_group, _lang())
    log_access("export", actor=current_user, obj=round_, kind=what, format=fmt, anonymised=anonymise)
    name = f"{what}-round{round_.id}.{fmt}"
    if fmt == "xlsx":
        return _send_xlsx(rows, name, what)
    materialised = _stream_in_context(rows)
    return Response(
        materialised,
        content_type=CSV_MIMETYPE,
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


def _stream_in_context(rows):
    """Stream CSV while keeping the request's app context (and database session) open."""
    from flask import stream_with_context

    return stream_with_context(csv_stream(rows))
