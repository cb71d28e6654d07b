"""PDF scorecards and bulk exports."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from surveyapp.extensions import db
from surveyapp.i18n import catalogue
from surveyapp.models import AssessmentRound, ReportJob, ResponseStatus
from surveyapp.permissions import (
    Role,
    in_scope,
    role_required,
)
from surveyapp.reporting import DOCX_MIMETYPE
from surveyapp.services.audit import log_access
from surveyapp.services.bulk import (
    can_retry,
    cancel_bulk_export,
    result_ready,
    retry_bulk_export,
    start_bulk_export,
)
from surveyapp.services.jobs_health import effective_status
from surveyapp.services.scorecards import department_scorecard, department_scorecard_docx, respondent_scorecard
from surveyapp.views.guards import (
    own_response_or_abort,
    respondent_required,
    round_department_or_abort,
    round_in_scope_or_abort,
)

bp = Blueprint("reports", __name__)

JOB_STATUSES = {
    "queued": _l("queued"),
    "running": _l("running"),
    "done": _l("done"),
    "failed": _l("failed"),
    "cancelled": _l("cancelled"),
}


def _requested_language() -> str:
    return catalogue(request.values.get("lang")) or str(get_locale())


def _send_pdf(path: Path, name: str):
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.get("/rounds/<int:round_id>/departments/<int:organisation_id>/scorecard.pdf")
@login_required
def department_pdf(round_id: int, organisation_id: int):
    round_, department = round_department_or_abort(round_id, organisation_id)
    lang = _requested_language()
    path = department_scorecard(round_, department, lang, current_user, archival=request.args.get("archive") == "1")
    return _send_pdf(path, f"{department.code}-{round_.id}-{lang}.pdf")


@bp.get("/rounds/<int:round_id>/departments/<int:organisation_id>/scorecard.docx")
@login_required
def department_docx(round_id: int, organisation_id: int):
    round_, department = round_department_or_abort(round_id, organisation_id)
    lang = _requested_language()
    content = department_scorecard_docx(round_, department, lang, current_user)
    name = f"{department.code}-{round_.id}-{lang}.docx"
    return Response(content, mimetype=DOCX_MIMETYPE, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/responses/<int:response_id>/scorecard.pdf")
@respondent_required
def respondent_pdf(response_id: int):
    response = own_response_or_abort(response_id)
    if response.status != ResponseStatus.SUBMITTED:
        abort(404)
    lang = _requested_language()
    return _send_pdf(respondent_scorecard(response, lang, current_user), f"scorecard-{response.id}-{lang}.pdf")


def _job_in_scope(job_id: int) -> ReportJob:
    job = db.session.get(ReportJob, job_id) or abort(404)
    round_ = db.session.get(AssessmentRound, job.round_id)
    if not in_scope(current_user, round_.organisation):
        abort(403)
    return job


@bp.post("/admin/rounds/<int:round_id>/reports/bulk")
@role_required(Role.ADMIN)
def bulk_start(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    job = start_bulk_export(round_, _requested_language(), current_user, merged=request.form.get("merged") == "1")
    return redirect(url_for("reports.bulk_job", job_id=job.id))


@bp.get("/admin/reports/jobs/<int:job_id>")
@role_required(Role.ADMIN)
def bulk_job(job_id: int):
    job = _job_in_scope(job_id)
    return render_template("reports/job.html", job=job, round=db.session.get(AssessmentRound, job.round_id),
                           job_statuses=JOB_STATUSES, lang=str(get_locale()), status=effective_status(job),
                           retryable=can_retry(job), ready=result_ready(job))  # fmt: skip


@bp.get("/admin/reports/jobs/<int:job_id>/status")
@role_required(Role.ADMIN)
def bulk_status(job_id: int):
    job = _job_in_scope(job_id)
    status = effective_status(job)
    return jsonify(
        status=status,
        status_label=str(JOB_STATUSES[status]),
        done=job.done,
        total=job.total,
        failures=job.failures or {},
        finished=job.finished or status == "failed",
        retryable=can_retry(job),
        download=url_for("reports.bulk_download", job_id=job.id) if result_ready(job) else None,
    )


@bp.post("/admin/reports/jobs/<int:job_id>/cancel")
@role_required(Role.ADMIN)
def bulk_cancel(job_id: int):
    cancel_bulk_export(_job_in_scope(job_id), current_user)
    flash(_("The export is being stopped."), "info")
    return redirect(url_for("reports.bulk_job", job_id=job_id))


@bp.post("/admin/reports/jobs/<int:job_id>/retry")
@role_required(Role.ADMIN)
def bulk_retry(job_id: int):
    if retry_bulk_export(_job_in_scope(job_id), current_user):
        flash(_("The export starts again for the departments that are still missing."), "info")
    else:
        flash(_("Nothing to retry: the export is still running or is complete."), "error")
    return redirect(url_for("reports.bulk_job", job_id=job_id))


@bp.get("/admin/reports/jobs/<int:job_id>/download")
@role_required(Role.ADMIN)
def bulk_download(job_id: int):
    job = _job_in_scope(job_id)
    if not result_ready(job):
        abort(404)
    merged = request.args.get("merged") == "1"
    path = Path(job.result_path).with_suffix(".pdf") if merged else Path(job.result_path)
    if not path.is_file() or Path(current_app.config["REPORTS_DIR"]).resolve() not in path.resolve().parents:
        abort(404)
    log_access("report.export", actor=current_user, obj=job, file=path.name)
    return send_file(path, as_attachment=True, download_name=f"scorecards-round{job.round_id}-{job.lang}{path.suffix}")
