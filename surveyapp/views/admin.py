"""Administrators: assessment rounds, their progress, results and instrument reliability."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from surveyapp.definitions.spreadsheet import CSV_MIMETYPE
from surveyapp.extensions import db
from surveyapp.forms.admin import ROLE_LABELS, InvitationForm, OrganisationForm, RoundForm, UserForm, options
from surveyapp.localtime import end_of_local_day
from surveyapp.models import Organisation, User
from surveyapp.permissions import Role, can_manage_user, in_scope, role_required
from surveyapp.routing import query_id
from surveyapp.services.audit import audit_csv, audit_page
from surveyapp.services.audit_words import action_name, object_names
from surveyapp.services.invitations import InvitationError, create_invitations
from surveyapp.services.organisations import (
    OrganisationError,
    all_organisations,
    organisation_by_id,
    save_organisation,
)
from surveyapp.services.overview import response_rates, round_overview
from surveyapp.services.questionnaires import (
    latest_version,
    list_questionnaires,
    newest_questionnaire_choice,
    questionnaire_from_row,
)
from surveyapp.services.reports_data import round_progress, round_reliability
from surveyapp.services.round_lifecycle import deadline_from_date, departments_of_agency
from surveyapp.services.rounds import RoundError, close_round, not_submitted, open_round, rounds_newest_first
from surveyapp.services.users import AccountError, create_user, listed_accounts, reset_password, update_account
from surveyapp.views.guards import round_in_scope_or_abort

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


@bp.get("/rounds")
@role_required(Role.ADMIN)
def round_list():
    rounds = [r for r in rounds_newest_first() if in_scope(current_user, r.organisation)]
    return render_template("admin/round_list.html", rounds=rounds, status_names=STATUS_NAMES, lang=str(get_locale()),
                           rates=response_rates(rounds))  # fmt: skip


@bp.get("/rounds/<int:round_id>")
@role_required(Role.ADMIN)
def round_detail(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    invitation_form = InvitationForm()
    invitation_form.department_id.choices = options([(d.id, _label(d)) for d in round_.departments])
    return render_template(
        "admin/round_detail.html",
        round=round_,
        questionnaire=round_.questionnaire,
        progress=round_progress(round_),
        missing={d.id: not_submitted(round_, d) for d in round_.departments} if len(round_.departments) <= 200 else {},
        invitation_form=invitation_form,
        overview=round_overview(round_, current_app.config["MIN_GROUP_SIZE"]),
        status_names=STATUS_NAMES,
        lang=str(get_locale()),
    )


@bp.get("/rounds/<int:round_id>/reliability")
@role_required(Role.ADMIN)
def round_reliability_page(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    questionnaire = round_.questionnaire
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


# -- accounts -----------------------------------------------------------------------------------


def _organisations_in_scope() -> list[Organisation]:
    return [o for o in all_organisations() if in_scope(current_user, o)]


def _label(organisation: Organisation) -> str:
    return f"{organisation.code} · {organisation.name(str(get_locale()))}"


def _staff_labels():
    """Staff levels and posts as offered by the newest built-in questionnaire."""
    row = latest_version("transparency")
    if row is None:
        return {}, {}
    questionnaire = row.questionnaire
    return questionnaire.staff_levels, questionnaire.staff_posts


def _user_in_scope(user_id: int) -> User:
    user = db.session.get(User, user_id) or abort(404)
    if not can_manage_user(current_user, user):
        abort(403)
    return user


def _prepare_user_form(form: UserForm) -> None:
    lang = str(get_locale())
    roles = [r for r in Role if r != Role.SYSADMIN or current_user.role == Role.SYSADMIN]
    form.role.choices = options([(r.value, ROLE_LABELS[r]) for r in roles])
    form.organisation_id.choices = options(
        [(0, _l("— none (all of my scope) —"))] + [(o.id, _label(o)) for o in _organisations_in_scope()]
    )
    levels, posts = _staff_labels()
    form.level.choices = options([("", "—")] + [(k, t.get(lang)) for k, t in levels.items()])
    form.post.choices = options([("", "—")] + [(k, t.get(lang)) for k, t in posts.items()])


def _checked_organisation(form: UserForm):
    """The chosen organisation, which must be in the administrator's scope (0: none)."""
    if not form.organisation_id.data:
        if current_user.role != Role.SYSADMIN and current_user.organisation_id is not None:
            form.organisation_id.errors.append(_l("Choose an organisation in your scope."))
            return False, None
        return True, None
    organisation = db.session.get(Organisation, form.organisation_id.data)
    if organisation is None or not in_scope(current_user, organisation):
        form.organisation_id.errors.append(_l("Choose an organisation in your scope."))
        return False, None
    return True, organisation


@bp.get("/users")
@role_required(Role.ADMIN)
def user_list():
    query = request.args.get("q", "").strip().lower()
    users = [u for u in listed_accounts() if can_manage_user(current_user, u) and (not query or query in u.email)][:500]
    return render_template("admin/user_list.html", users=users, query=query, role_labels=ROLE_LABELS,
                           lang=str(get_locale()))  # fmt: skip


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_new():
    form = UserForm()
    _prepare_user_form(form)
    if form.validate_on_submit():
        ok, organisation = _checked_organisation(form)
        if ok:
            try:
                user, password = create_user(
                    form.email.data, form.role.data, None, organisation=organisation,
                    display_name=form.display_name.data or "", level=form.level.data or None,
                    post=form.post.data or None, actor=current_user,
                )  # fmt: skip
            except AccountError as exc:
                (form.organisation_id if exc.field == "organisation_id" else form.email).errors.append(str(exc))
            else:
                return render_template("admin/one_time_password.html", user=user, password=password)
    return render_template("admin/user_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_edit(user_id: int):
    user = _user_in_scope(user_id)
    form = UserForm(obj=user)
    _prepare_user_form(form)
    if request.method == "GET":
        form.organisation_id.data = user.organisation_id or 0
        form.level.data, form.post.data = user.level or "", user.post or ""
    if form.validate_on_submit():
        ok, organisation = _checked_organisation(form)
        if ok:
            try:
                update_account(
                    user, current_user, role=form.role.data, organisation_id=getattr(organisation, "id", None),
                    level=form.level.data or None, post=form.post.data or None, active=form.active.data,
                    display_name=form.display_name.data or "",
                )  # fmt: skip
            except AccountError as exc:
                form.organisation_id.errors.append(str(exc))
            else:
                flash(_("The account is saved."), "info")
                return redirect(url_for("admin.user_list"))
    return render_template("admin/user_form.html", form=form, user=user), 400 if form.errors else 200


@bp.post("/users/<int:user_id>/reset-password")
@role_required(Role.ADMIN)
def user_reset_password(user_id: int):
    user = _user_in_scope(user_id)
    password = reset_password(user, current_user)
    return render_template("admin/one_time_password.html", user=user, password=password)


# -- organisations --------------------------------------------------------------------------------


@bp.get("/organisations")
@role_required(Role.ADMIN)
def organisation_list():
    return render_template("admin/organisation_list.html", organisations=_organisations_in_scope(),
                           lang=str(get_locale()))  # fmt: skip


def _prepare_organisation_form(form: OrganisationForm) -> None:
    form.parent_id.choices = options([(0, "—")] + [(o.id, _label(o)) for o in _organisations_in_scope()])


def _save_organisation(form: OrganisationForm, organisation: Organisation | None):
    parent = organisation_by_id(form.parent_id.data)
    if parent is None and current_user.role != Role.SYSADMIN and current_user.organisation_id is not None:
        form.parent_id.errors.append(_l("Choose where it belongs in your scope."))
        return None
    if parent is not None and not in_scope(current_user, parent):
        abort(403)
    try:
        return save_organisation(
            organisation, code=form.code.data, kind=form.kind.data, name_zh_hans=form.name_zh_hans.data,
            name_zh_hant=form.name_zh_hant.data, name_en=form.name_en.data, parent=parent, actor=current_user,
        )  # fmt: skip
    except OrganisationError as exc:
        (form.code if exc.field == "code" else form.parent_id).errors.append(str(exc))
        return None


@bp.route("/organisations/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organisation_new():
    form = OrganisationForm()
    _prepare_organisation_form(form)
    if form.validate_on_submit() and _save_organisation(form, None) is not None:
        flash(_("The organisation is saved."), "info")
        return redirect(url_for("admin.organisation_list"))
    return render_template("admin/organisation_form.html", form=form), 400 if form.errors else 200


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organisation_edit(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    if not in_scope(current_user, organisation):
        abort(403)
    form = OrganisationForm(obj=organisation)
    _prepare_organisation_form(form)
    if request.method == "GET":
        form.parent_id.data = organisation.parent_id or 0
    if form.validate_on_submit() and _save_organisation(form, organisation) is not None:
        flash(_("The organisation is saved."), "info")
        return redirect(url_for("admin.organisation_list"))
    return render_template("admin/organisation_form.html", form=form), 400 if form.errors else 200


# -- rounds ---------------------------------------------------------------------------------------


@bp.route("/rounds/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def round_new():
    form = RoundForm()
    organisations = _organisations_in_scope()
    lang = str(get_locale())
    agencies = [o for o in organisations if o.kind == "agency"]
    departments = [o for o in organisations if o.kind != "agency"]
    _prepare_round_agencies(form, agencies, departments)
    form.department_ids.choices = options([(o.id, _label(o)) for o in departments])
    form.questionnaire.choices = options(
        [
            (f"{row.key}:{row.version}", f"{questionnaire_from_row(row).title.get(lang)} (v{row.version})")
            for row in list_questionnaires()
        ]
    )
    if not form.is_submitted():  # new rounds use the newest version (README)
        form.questionnaire.data = newest_questionnaire_choice()
    if form.validate_on_submit():
        agency = db.session.get(Organisation, form.agency_id.data)
        chosen = [db.session.get(Organisation, i) for i in form.department_ids.data]
        key, _sep, version = form.questionnaire.data.partition(":")
        if agency is None:
            form.agency_id.errors.append(_("Choose the agency running the round."))
            return render_template("admin/round_form.html", form=form), 400
        if not in_scope(current_user, agency) or not all(d is not None and in_scope(current_user, d) for d in chosen):
            abort(403)
        try:
            deadline = deadline_from_date(form.deadline.data)
        except RoundError as exc:
            form.deadline.errors.append(str(exc))
            return render_template("admin/round_form.html", form=form), 400
        try:
            round_ = open_round(form.name.data, agency, chosen, key, int(version), deadline=deadline,
                                anonymous=form.anonymous.data, actor=current_user)  # fmt: skip
        except RoundError as exc:
            form.department_ids.errors.append(str(exc))
        else:
            flash(_("The round is open."), "info")
            return redirect(url_for("admin.round_detail", round_id=round_.id))
    return render_template("admin/round_form.html", form=form), 400 if form.errors else 200


def _prepare_round_agencies(form: RoundForm, agencies: list, departments: list) -> None:
    """No agency is preselected unless there is only one choice (the administrator's own agency);
    the agency select carries which departments belong to each, for static/js/round_form.js.
    No agency in scope (a department administrator): no choices, and the page says why."""
    choices = [(a.id, _label(a)) for a in agencies]
    if len(agencies) > 1:
        choices.insert(0, (0, _l("— choose the agency —")))
    form.agency_id.choices = options(choices)
    if request.method == "GET" and len(agencies) == 1:
        form.agency_id.data = agencies[0].id
    mapping = {a.id: [d.id for d in departments_of_agency(a, departments)] for a in agencies}
    form.agency_id.render_kw = {"data-departments": json.dumps(mapping), "data-round-agency": "1"}


@bp.post("/rounds/<int:round_id>/close")
@role_required(Role.ADMIN)
def round_close(round_id: int):
    if close_round(round_in_scope_or_abort(round_id), current_user):
        flash(_("The round is closed. Its answers and results are frozen."), "info")
    else:
        flash(_("This round is already closed; nothing was changed."), "info")
    return redirect(url_for("admin.round_detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/invitations")
@role_required(Role.ADMIN)
def round_invitations(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    form = InvitationForm()
    form.department_id.choices = options([(d.id, _label(d)) for d in round_.departments])
    if not form.validate_on_submit():
        flash(_("Choose a department and a number of links from 1 to 200."), "error")
        return redirect(url_for("admin.round_detail", round_id=round_id))
    department = db.session.get(Organisation, form.department_id.data)
    expires = end_of_local_day(form.expires.data) if form.expires.data else None
    try:
        create_invitations(round_, department, form.count.data, current_user, form.label.data or "", expires_at=expires)
    except InvitationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.round_detail", round_id=round_id))
    flash(ngettext("%(num)d invitation link created.", "%(num)d invitation links created.", form.count.data), "info")
    return redirect(url_for("invitations.issued", round_id=round_id))


# -- audit log ------------------------------------------------------------------------------------

AUDIT_PAGE = 100


def _audit_filters() -> dict[str, str]:
    return {name: request.args.get(name, "") for name in ("action", "actor", "since", "until")}


@bp.get("/audit")
@role_required(Role.SYSADMIN)
def audit_log():
    page = max(1, request.args.get("page", 1, type=query_id))
    events, actors, more = audit_page(page, AUDIT_PAGE, **_audit_filters())
    return render_template("admin/audit.html", events=events, more=more, page=page, actors=actors,
                           args=request.args, action_name=action_name,
                           objects=object_names(events, str(get_locale())))  # fmt: skip


@bp.get("/audit.csv")
@role_required(Role.SYSADMIN)
def audit_export():
    return Response(audit_csv(current_user, **_audit_filters()), content_type=CSV_MIMETYPE,
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})  # fmt: skip
