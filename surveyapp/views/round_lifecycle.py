"""Administrators: a round's life after opening (edit, confirm closing, reopen, reminders) and the
banner that tells staff about an open questionnaire."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.definitions.spreadsheet import CSV_MIMETYPE
from surveyapp.extensions import db
from surveyapp.forms.admin import options
from surveyapp.forms.round_lifecycle import ReminderForm, RoundEditForm, RoundReopenForm
from surveyapp.models import Organisation
from surveyapp.permissions import Role, in_scope, role_required
from surveyapp.services.exports import csv_stream
from surveyapp.services.organisations import all_organisations
from surveyapp.services.reminders import (
    ReminderError,
    due_reminders,
    mail_configured,
    open_questionnaires_for,
    pending_csv_rows,
    record_csv_download,
    reminder_recipients,
    send_reminders,
)
from surveyapp.services.round_lifecycle import (
    agency_timezone,
    days_left,
    deadline_from_date,
    departments_of_agency,
    edit_round,
    freeze_summary,
    local_datetime,
    reopen_round,
    responses_by_department,
    round_is_closed,
)
from surveyapp.services.rounds import RoundError
from surveyapp.views.guards import round_in_scope_or_abort

bp = Blueprint("lifecycle", __name__, url_prefix="/admin/rounds")


def _label(organisation: Organisation) -> str:
    return f"{organisation.code} · {organisation.name(str(get_locale()))}"


def open_questionnaires_banner() -> list:
    """Open questionnaires the signed-in staff member or coordinator has not submitted (the banner)."""
    try:
        return open_questionnaires_for(current_user)
    except Exception:  # never break a page for the banner (for example before the tables exist)
        current_app.logger.warning("banner failed", exc_info=True)
        return []


@bp.app_context_processor
def staff_banner():
    """The banner's rounds, read only by a page that shows the banner (it calls
    ``open_questionnaires()``): the questionnaire pages do not, and read nothing for it."""
    return {
        "open_questionnaires": open_questionnaires_banner,
        "round_days_left": days_left,
        "timezone_name": agency_timezone,
    }


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    form = RoundEditForm(obj=round_)
    current = {d.id for d in round_.departments}
    candidates = [o for o in all_organisations() if o.kind != "agency" and in_scope(current_user, o)]
    form.add_department_ids.choices = options(
        [(o.id, _label(o)) for o in departments_of_agency(round_.organisation, candidates) if o.id not in current]
    )
    # Crafted posts may name any department id; the service refuses those outside the agency.
    form.add_department_ids.pre_validate = lambda form: None
    counts = responses_by_department(round_)
    form.remove_department_ids.choices = options(
        [(d.id, _label(d) + (" " + ngettext("(%(num)d response)", "(%(num)d responses)", counts[d.id])
                             if counts.get(d.id) else ""))
         for d in round_.departments]
    )  # fmt: skip
    local = local_datetime(round_.deadline)
    if not form.is_submitted():
        form.deadline.data = local.date() if local else None
    if form.validate_on_submit():
        add = [db.session.get(Organisation, i) for i in form.add_department_ids.data]
        remove = [db.session.get(Organisation, i) for i in form.remove_department_ids.data]
        if any(d is None for d in add + remove):
            form.add_department_ids.errors.append(_("Choose departments from the list."))
        else:
            unchanged = local is not None and form.deadline.data == local.date()
            try:
                deadline = round_.deadline if unchanged else deadline_from_date(form.deadline.data)
                edit_round(round_, current_user, name=form.name.data, deadline=deadline,
                           clear_deadline=form.deadline.data is None, add=add, remove=remove)  # fmt: skip
            except RoundError as exc:  # under the field it is about (removing a department with responses…)
                getattr(form, exc.field or "", form.add_department_ids).errors.append(str(exc))
            else:
                flash(_("The round is saved."), "info")
                return redirect(url_for("admin.round_detail", round_id=round_.id))
    return render_template("admin/round_edit.html", form=form, round=round_,
                           lang=str(get_locale())), 400 if form.errors else 200  # fmt: skip


@bp.get("/<int:round_id>/close")
@role_required(Role.ADMIN)
def close_confirm(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    return render_template("admin/round_close.html", round=round_, summary=freeze_summary(round_),
                           lang=str(get_locale()))  # fmt: skip


@bp.route("/<int:round_id>/reopen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reopen(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    if not round_is_closed(round_):  # sent again after Back, or opened from an old link: say so, change nothing
        flash(_("This round is open already; nothing was changed."), "info")
        return redirect(url_for("admin.round_detail", round_id=round_.id), 303)
    form = RoundReopenForm()
    if form.validate_on_submit():
        try:
            reopen_round(round_, current_user, form.reason.data, deadline_from_date(form.deadline.data))
        except RoundError as exc:
            form.reason.errors.append(str(exc))
        else:
            flash(_("The round is open again."), "info")
            return redirect(url_for("admin.round_detail", round_id=round_.id))
    return render_template("admin/round_reopen.html", form=form, round=round_,
                           lang=str(get_locale())), 400 if form.errors else 200  # fmt: skip


@bp.route("/<int:round_id>/reminders", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reminders(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    form = ReminderForm()
    if form.validate_on_submit():
        try:
            sent = send_reminders(round_, current_user)
        except ReminderError as exc:
            flash(str(exc), "error")
        else:
            flash(ngettext("%(num)d reminder sent.", "%(num)d reminders sent.", len(sent)), "info")
        return redirect(url_for("lifecycle.reminders", round_id=round_.id))
    return render_template(
        "admin/round_reminders.html", round=round_, form=form, pending=reminder_recipients(round_),
        due=due_reminders(round_), mail=mail_configured(), days_left=days_left(round_),
        limit=current_app.config["REMINDER_MAX_PER_PERSON"], spacing=current_app.config["REMINDER_MIN_HOURS"],
        lang=str(get_locale()),
    )  # fmt: skip


@bp.get("/<int:round_id>/reminders.csv")
@role_required(Role.ADMIN)
def reminders_csv(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    lang = str(get_locale())
    rows = list(pending_csv_rows(round_, lang))
    record_csv_download(round_, current_user, len(rows) - 1)
    disposition = f"attachment; filename=round-{round_.id}-{'reminders' if round_.anonymous else 'not-submitted'}.csv"
    return Response(csv_stream(rows), content_type=CSV_MIMETYPE,
                    headers={"Content-Disposition": disposition})  # fmt: skip
