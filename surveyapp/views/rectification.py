"""Rectification items (整改事项): a department's list, one item with its history, the coordinator's report,
the reviewer's decision, and the Word rectification report. Rules in ``domain/rectification.py``, use
cases in ``services/rectification.py``, who may do what in ``permissions``."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from surveyapp.definitions.spreadsheet import CSV_MIMETYPE
from surveyapp.domain import rectification as rules
from surveyapp.forms.admin import options
from surveyapp.forms.rectification import (
    DueForm,
    FromResultsForm,
    ItemStateForm,
    OpenItemForm,
    RemindForm,
    ReviewItemForm,
    SubmitItemForm,
)
from surveyapp.i18n import catalogue
from surveyapp.permissions import Role, can_review_rectification, can_submit_rectification, role_required
from surveyapp.reporting import DOCX_MIMETYPE
from surveyapp.services import rectification as service
from surveyapp.services.exports import csv_stream
from surveyapp.services.rectification import RectificationError
from surveyapp.services.reminders import ReminderError, mail_configured
from surveyapp.views.guards import rectification_item_or_abort, round_department_or_abort, round_in_scope_or_abort

bp = Blueprint("rectification", __name__)


def _lang() -> str:
    return str(get_locale())


def _open_forms(department):
    form = OpenItemForm(prefix="open")
    form.owner_id.choices = options(
        [(u.id, f"{u.display_name} <{u.email}>") for u in service.coordinators_of(department)]
    )
    return form, FromResultsForm(prefix="results")


def _department_page(round_, department, open_form=None, results_form=None, status=200):
    forms = (open_form, results_form) if open_form is not None else _open_forms(department)
    reviewer = can_review_rectification(current_user, department)
    return render_template(
        "rectification/department.html", round=round_, department=department, lang=_lang(),
        items=service.items_of_round(round_, department), reviewer=reviewer, open_form=forms[0],
        results_form=forms[1], item_title=service.item_title, status_name=service.status_name,
        source_name=service.source_name, since=service.since_last_round(round_, department, _lang()),
        defaults=rules.DEFAULT_WORKING_DAYS,
    ), status  # fmt: skip


@bp.get("/rounds/<int:round_id>/departments/<int:organisation_id>/rectification")
@login_required
def department_items(round_id: int, organisation_id: int):
    round_, department = round_department_or_abort(round_id, organisation_id)
    return _department_page(round_, department)


@bp.post("/rounds/<int:round_id>/departments/<int:organisation_id>/rectification/open")
@role_required(Role.ADMIN)
def open_item(round_id: int, organisation_id: int):
    round_, department = round_department_or_abort(round_id, organisation_id)
    if not can_review_rectification(current_user, department):
        abort(403)
    form, results_form = _open_forms(department)
    if form.validate_on_submit():
        owner = next((u for u in service.coordinators_of(department) if u.id == form.owner_id.data), None)
        try:
            item, _created = service.open_item(
                round_, department, rules.MANUAL, "", form.title.data, detail=form.detail.data or "", owner=owner,
                working_days=form.working_days.data, due_on=form.due_on.data, actor=current_user,
            )  # fmt: skip
        except RectificationError as exc:
            form.title.errors.append(str(exc))
        else:
            flash(_("The rectification item is open."), "info")
            _flash_moved(form.due_on.data, item)
            return redirect(url_for("rectification.item", item_id=item.id))
    return _department_page(round_, department, form, results_form, 400)


@bp.post("/rounds/<int:round_id>/departments/<int:organisation_id>/rectification/from-results")
@role_required(Role.ADMIN)
def open_from_results(round_id: int, organisation_id: int):
    round_, department = round_department_or_abort(round_id, organisation_id)
    if not can_review_rectification(current_user, department):
        abort(403)
    form, results_form = _open_forms(department)
    if results_form.validate_on_submit():
        try:
            skipped: list = []
            created = service.open_from_round_results(round_, department, current_user,
                                                      due_on=results_form.due_on.data, skipped=skipped)  # fmt: skip
        except RectificationError as exc:
            results_form.due_on.errors.append(str(exc))
        else:
            flash(_("%(n)d rectification items opened.", n=len(created)), "info")
            if skipped:
                flash(ngettext("%(num)d item not opened: %(why)s", "%(num)d items not opened: %(why)s", len(skipped),
                               why=skipped[0][1]), "error")  # fmt: skip
            if created:
                _flash_moved(results_form.due_on.data, created[0])
            return redirect(
                url_for("rectification.department_items", round_id=round_.id, organisation_id=department.id)
            )
    return _department_page(round_, department, form, results_form, 400)


def _flash_moved(given, item) -> None:
    """Say so when a due date given on a weekend or public holiday became the next working day."""
    if given is not None and item.due_on != given:
        flash(_("%(given)s is not a working day: the due date is the next working day, %(due)s.",
                given=given.isoformat(), due=item.due_on.isoformat()), "info")  # fmt: skip


def _item_page(item, posted: str | None = None, form=None, status=200):
    """The item page; after a refused POST, ``posted`` names the form ("submit", "review", "state", "due")
    shown again with its errors and the text typed. When that form is no longer on the page (the item moved
    on: a second tab, a double click), the page says at the top that nothing was recorded, why, and gives the
    text back (409), instead of a silent page without the form."""
    department = item.organisation
    can_submit = can_submit_rectification(current_user, department) and rules.SUBMIT in rules.allowed_actions(
        item.status
    )
    can_review = can_review_rectification(current_user, department)
    review_open, finished = item.status == rules.SUBMITTED, item.status in rules.DONE
    forms = {"submit": SubmitItemForm(prefix="submit"), "review": ReviewItemForm(prefix="review"),
             "state": ItemStateForm(prefix="state"), "due": DueForm(prefix="due")}  # fmt: skip
    refused = None
    if posted is not None:
        forms[posted] = form
        shown = {"submit": can_submit, "review": can_review and review_open, "state": can_review,
                 "due": can_review and not finished}  # fmt: skip
        if not shown[posted]:
            errors = [str(e) for errors in form.errors.values() for e in errors]
            comment = getattr(form, "comment", None)
            refused = {"errors": errors, "text": (comment.data or "") if comment is not None else ""}
            status = 409
    return render_template(
        "rectification/item.html", item=item, lang=_lang(), title=service.item_title(item, _lang()),
        detail=service.item_detail(item, _lang()),
        status_name=service.status_name, source_name=service.source_name, action_name=service.action_name,
        effective_status=service.effective_status(item), working_days=service.counted_working_days(item),
        can_submit=can_submit, can_review=can_review,
        review_open=review_open, finished=finished, refused=refused, submit_form=forms["submit"],
        review_form=forms["review"], state_form=forms["state"], due_form=forms["due"],
    ), status  # fmt: skip


@bp.get("/rectification/<int:item_id>")
@login_required
def item(item_id: int):
    return _item_page(rectification_item_or_abort(item_id))


@bp.post("/rectification/<int:item_id>/submit")
@login_required
def submit(item_id: int):
    item = rectification_item_or_abort(item_id)
    if not can_submit_rectification(current_user, item.organisation):
        abort(403)
    form = SubmitItemForm(prefix="submit")
    if form.validate_on_submit():
        try:
            service.submit_item(item, current_user, form.comment.data, form.evidence_url.data or "")
        except RectificationError as exc:
            form.comment.errors.append(str(exc))
        else:
            flash(_("Submitted for review."), "info")
            return redirect(url_for("rectification.item", item_id=item.id))
    return _item_page(item, "submit", form, status=400)


@bp.post("/rectification/<int:item_id>/review")
@role_required(Role.ADMIN)
def review(item_id: int):
    item = rectification_item_or_abort(item_id)
    if not can_review_rectification(current_user, item.organisation):
        abort(403)
    form = ReviewItemForm(prefix="review")
    if form.validate_on_submit():
        try:
            service.review_item(item, current_user, accept=bool(form.accept.data), comment=form.comment.data or "")
        except RectificationError as exc:
            form.comment.errors.append(str(exc))
        else:
            flash(_("Accepted.") if form.accept.data else _("Returned to the department."), "info")
            return redirect(url_for("rectification.item", item_id=item.id))
    return _item_page(item, "review", form, status=400)


@bp.post("/rectification/<int:item_id>/state")
@role_required(Role.ADMIN)
def state(item_id: int):
    item = rectification_item_or_abort(item_id)
    if not can_review_rectification(current_user, item.organisation):
        abort(403)
    form = ItemStateForm(prefix="state")
    if form.validate_on_submit():
        try:
            if form.reopen.data:
                service.reopen_item(item, current_user, form.comment.data)
            else:
                service.close_item(item, current_user, form.comment.data)
        except RectificationError as exc:
            form.comment.errors.append(str(exc))
        else:
            flash(_("The item is saved."), "info")
            return redirect(url_for("rectification.item", item_id=item.id))
    return _item_page(item, "state", form, status=400)


@bp.post("/rectification/<int:item_id>/due")
@role_required(Role.ADMIN)
def due(item_id: int):
    item = rectification_item_or_abort(item_id)
    if not can_review_rectification(current_user, item.organisation):
        abort(403)
    form = DueForm(prefix="due")
    if form.validate_on_submit():
        try:
            service.set_due(item, current_user, working_days=form.working_days.data, due_on=form.due_on.data)
        except RectificationError as exc:
            form.due_on.errors.append(str(exc))
        else:
            flash(_("The due date is changed."), "info")
            _flash_moved(form.due_on.data, item)
            return redirect(url_for("rectification.item", item_id=item.id))
    return _item_page(item, "due", form, status=400)


@bp.get("/rounds/<int:round_id>/departments/<int:organisation_id>/rectification-report.docx")
@login_required
def report_docx(round_id: int, organisation_id: int):
    round_, department = round_department_or_abort(round_id, organisation_id)
    lang = catalogue(request.args.get("lang")) or _lang()
    content = service.rectification_report(round_, department, lang, current_user)
    name = f"rectification-{department.code}-{round_.id}-{lang}.docx"
    return Response(content, mimetype=DOCX_MIMETYPE, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/admin/rounds/<int:round_id>/rectification")
@role_required(Role.ADMIN)
def round_items(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    return render_template(
        "rectification/round.html", round=round_, items=service.items_of_round(round_), lang=_lang(),
        item_title=service.item_title, status_name=service.status_name, source_name=service.source_name,
        remind_form=RemindForm(), mail=mail_configured(), due=service.due_overdue_reminders(round_=round_),
    )  # fmt: skip


@bp.post("/admin/rounds/<int:round_id>/rectification/remind")
@role_required(Role.ADMIN)
def remind(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    form = RemindForm()
    if form.validate_on_submit():
        try:
            sent = service.send_overdue_reminders(current_user, round_=round_)
        except ReminderError as exc:
            flash(str(exc), "error")
        else:
            flash(_("%(n)d reminders sent.", n=len(sent)), "info")
    return redirect(url_for("rectification.round_items", round_id=round_.id))


@bp.get("/admin/rounds/<int:round_id>/rectification.csv")
@role_required(Role.ADMIN)
def round_items_csv(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    rows = list(service.export_rows(round_, _lang()))
    service.record_export(round_, current_user, "csv")
    disposition = f"attachment; filename=round-{round_.id}-rectification.csv"
    return Response(csv_stream(rows), content_type=CSV_MIMETYPE, headers={"Content-Disposition": disposition})
