"""The inspector's pages: departments in scope, a department's targets, latest findings and history."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.forms.inspection import TargetForm
from surveyapp.permissions import Role, can_inspect_department, role_required
from surveyapp.services import inspection as service
from surveyapp.services import inspection_words as words
from surveyapp.services.organisations import organisation_by_id

bp = Blueprint("inspection", __name__)


def _department_or_abort(organisation_id: int):
    department = organisation_by_id(organisation_id) or abort(404)
    if not can_inspect_department(current_user, department):
        abort(403)
    return department


@bp.get("/inspection")
@role_required(Role.ADMIN, Role.COORDINATOR)
def index():
    departments = service.departments_for(current_user)
    if current_user.role == Role.COORDINATOR and len(departments) == 1:
        return redirect(url_for("inspection.department", organisation_id=departments[0].id))
    return render_template("inspection/index.html", departments=departments, lang=str(get_locale()))


@bp.route("/departments/<int:organisation_id>/inspection", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.COORDINATOR)
def department(organisation_id: int):
    department = _department_or_abort(organisation_id)
    form = TargetForm()
    problem = None
    if form.validate_on_submit():
        try:
            service.add_target(department, form.url.data, form.kind.data, actor=current_user,
                               columns=service.parse_columns(form.columns.data or ""),
                               selectors={"list_item": form.list_item.data, "date": form.date_path.data},
                               entrances=[e.strip() for e in (form.entrances.data or "").split(",") if e.strip()],
                               label=form.label.data)  # fmt: skip
        except service.InspectionError as exc:
            problem = str(exc)
        else:
            flash(_("The target is registered; the next inspection will include it."), "info")
            return redirect(url_for("inspection.department", organisation_id=department.id))
    status = 400 if problem or form.errors else 200
    return render_template("inspection/department.html", department=department, form=form, problem=problem,
                           overview=service.department_overview(department), words=words,
                           lang=str(get_locale())), status  # fmt: skip


@bp.post("/departments/<int:organisation_id>/inspection/targets/<int:target_id>/remove")
@role_required(Role.ADMIN, Role.COORDINATOR)
def remove_target(organisation_id: int, target_id: int):
    department = _department_or_abort(organisation_id)
    target = service.target_by_id(target_id)
    if target is None or target.organisation_id != department.id:
        abort(404)
    service.remove_target(target, actor=current_user)
    flash(_("The target is no longer inspected; its findings are kept."), "info")
    return redirect(url_for("inspection.department", organisation_id=department.id))


@bp.get("/departments/<int:organisation_id>/inspection/snapshots/<int:snapshot_id>")
@role_required(Role.ADMIN, Role.COORDINATOR)
def snapshot(organisation_id: int, snapshot_id: int):
    """The page as fetched, from its WARC record (SHA-256 checked), as a download: never rendered here."""
    department = _department_or_abort(organisation_id)
    found = service.snapshot_for_download(department, snapshot_id, actor=current_user) or abort(404)
    try:
        body = service.snapshot_payload(found)
    except service.InspectionError:
        abort(409)
    return Response(body, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=snapshot-{found.id}-{found.sha256[:12]}.bin",
        "X-Content-Type-Options": "nosniff", "X-SHA256": found.sha256})  # fmt: skip
