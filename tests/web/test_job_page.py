"""The bulk export page offers only what applies: the download once the ZIP is ready, the retry once the
job is over with something missing or failed (never while queued or running, never when complete)."""

from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, JobStatus, ReportJob
from surveyapp.services.bulk import file_name, job_directory
from tests.helpers import sign_in

DOWNLOAD, RETRY = "Download ZIP", "Retry the missing departments"


def _job(app, round_id, status, rendered: int, failures=None, zipped=False) -> int:
    """A job of the round in ``status`` with ``rendered`` department files (and the ZIP when ``zipped``)."""
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        job = ReportJob(round_id=round_id, lang="en", total=len(round_.departments), status=status,
                        done=rendered + len(failures or {}), failures=failures or {})  # fmt: skip
        db.session.add(job)
        db.session.flush()
        directory = job_directory(job)
        directory.mkdir(parents=True, exist_ok=True)
        for department in sorted(round_.departments, key=lambda d: d.code)[:rendered]:
            (directory / file_name(department)).write_bytes(b"%PDF-1.7\n")
        if zipped:
            archive = directory.parent / f"{job.id}.zip"
            archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
            job.result_path = str(archive)
        if status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED):
            from surveyapp.models.base import utcnow

            job.finished_at = utcnow()
        db.session.commit()
        return job.id


@pytest.mark.parametrize(
    ("status", "rendered", "failures", "zipped", "download", "retry"),
    [
        (JobStatus.QUEUED, 0, None, False, False, False),
        (JobStatus.RUNNING, 1, None, False, False, False),
        (JobStatus.RUNNING, 2, None, True, False, False),  # a ZIP left from before is not offered while running
        (JobStatus.DONE, 2, None, True, True, False),  # complete: download, nothing to retry
        (JobStatus.DONE, 1, {"D02": "render process died twice"}, True, True, True),
        (JobStatus.FAILED, 1, {"*": "worker vanished"}, False, False, True),
        (JobStatus.CANCELLED, 1, None, False, False, True),
        (JobStatus.DONE, 2, None, False, False, True),  # the ZIP is gone: retry makes it again
    ],
)
def test_job_page_offers_download_only_when_ready_and_retry_only_when_something_is_missing(
    app, assessment, status, rendered, failures, zipped, download, retry
):
    job_id = _job(app, assessment["round_id"], status, rendered, failures, zipped)
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    page = admin.get(f"/admin/reports/jobs/{job_id}").get_data(as_text=True)
    assert (DOWNLOAD in page) is download and (RETRY in page) is retry, (status, rendered, failures, zipped)
    state = admin.get(f"/admin/reports/jobs/{job_id}/status").get_json()
    assert (state["download"] is not None) is download and state["retryable"] is retry
    fetched = admin.get(f"/admin/reports/jobs/{job_id}/download")
    assert fetched.status_code == (200 if download else 404)
    with app.app_context():
        assert db.session.scalar(select(ReportJob.status).where(ReportJob.id == job_id)) == status
    assert Path(app.config["REPORTS_DIR"]).is_dir()
