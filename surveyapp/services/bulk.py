"""Bulk export of a round's scorecards: one ZIP (and optionally one merged PDF).

Two back-ends, one job record:

* in-process (default): the data of each department is gathered here and rendered in a pool of
  processes over all cores (WeasyPrint and matplotlib are CPU-bound and do not scale with
  threads); the pool recycles its workers to bound their memory;
* RQ, when ``REDIS_URL`` is set: one RQ job per department, and a final job that assembles the
  ZIP once all have run (also when some failed). Start workers with ``rq worker surveyapp``.

A department that fails is listed in the job's ``failures`` and the export goes on. A job can be
cancelled; workers check the flag before each department.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, JobStatus, Organisation, ReportJob
from surveyapp.models.base import utcnow
from surveyapp.reporting.worker import render_in_worker, warm_up_renderer
from surveyapp.services.audit import record_event
from surveyapp.services.scorecards import cached_pdf_path, department_scorecard_data, round_context

QUEUE_NAME = "surveyapp"
# Renders per worker before its pool is replaced: a guard against slow growth. Measured: a worker
# plateaus after about ten renders (≈ 280 MiB with both CJK faces loaded) and stays there over 40,
# so replacing it often only costs start-ups and idle tails at the end of each batch.
RECYCLE_AFTER = 100


def job_directory(job: ReportJob) -> Path:
    return Path(current_app.config["REPORTS_DIR"]) / "jobs" / str(job.id)


def file_name(department: Organisation) -> str:
    safe = "".join(c for c in department.code if c.isalnum() or c in "-_") or str(department.id)
    return f"{safe}.pdf"


def start_bulk_export(round_: AssessmentRound, lang: str, actor, merged: bool = False) -> ReportJob:
    """Create a job and start it on RQ (with ``REDIS_URL``) or in a background thread."""
    use_rq = bool(current_app.config.get("REDIS_URL"))
    job = ReportJob(
        round_id=round_.id, lang=lang, merged=merged, total=len(round_.departments),
        backend="rq" if use_rq else "process", created_by_id=getattr(actor, "id", None),
    )  # fmt: skip
    db.session.add(job)
    db.session.flush()
    record_event("report.bulk_start", actor=actor, obj=job, round=round_.id, lang=lang, backend=job.backend)
    db.session.commit()
    if use_rq:
        enqueue_on_rq(job)
    else:
        app = current_app._get_current_object()
        threading.Thread(target=_run_in_app, args=(app, job.id), daemon=True, name=f"bulk-{job.id}").start()
    return job


def create_cli_job(round_: AssessmentRound, lang: str, merged: bool = False) -> ReportJob:
    """A job for ``flask report bulk``, which runs it in the foreground with ``run_bulk_job``."""
    job = ReportJob(round_id=round_.id, lang=lang, merged=merged, total=len(round_.departments))
    db.session.add(job)
    db.session.commit()
    return job


def _run_in_app(app, job_id: int) -> None:
    with app.app_context():
        run_bulk_job(job_id)


def cancel_bulk_export(job: ReportJob, actor) -> None:
    if not job.finished:
        job.cancel_requested = True
        record_event("report.bulk_cancel", actor=actor, obj=job)
        db.session.commit()


# -- in-process back-end -------------------------------------------------------------------------


@dataclass
class RenderStats:
    """What the render workers of one in-process export did (for the CLI and the benchmark)."""

    rendered: int = 0
    peak_worker_rss_kib: int = 0  # the largest of the workers' own peaks (report.peak_rss_kib)


def run_bulk_job(
    job_id: int,
    processes: int | None = None,
    progress: Callable[[ReportJob], None] | None = None,
    stats: RenderStats | None = None,
) -> ReportJob:
    """Render every department of the job's round, then assemble the ZIP. Returns the job.

    Pass ``stats`` to learn how many scorecards the workers rendered and their peak memory.
    """
    job = db.session.get(ReportJob, job_id)
    round_ = db.session.get(AssessmentRound, job.round_id)
    job.status = JobStatus.RUNNING
    db.session.commit()
    directory = job_directory(job)
    directory.mkdir(parents=True, exist_ok=True)
    processes = processes or os.cpu_count() or 1
    failures: dict[str, str] = {}
    stats = stats if stats is not None else RenderStats()
    try:
        context = round_context(round_)
        departments = list(round_.departments)
        # A fresh pool per batch bounds the workers' memory. (ProcessPoolExecutor's own
        # max_tasks_per_child can hang on Python 3.11 when it replaces a worker.)
        batch = RECYCLE_AFTER * processes
        spawn = multiprocessing.get_context("spawn")
        for start in range(0, len(departments), batch):
            if job.cancel_requested:
                break
            with ProcessPoolExecutor(processes, mp_context=spawn, initializer=warm_up_renderer) as pool:
                pending: dict = {}
                for department in departments[start : start + batch]:
                    try:
                        data = department_scorecard_data(context, department, job.lang)
                    except Exception as exc:  # one department's bad data must not stop the others
                        failures[department.code] = f"{type(exc).__name__}: {exc}"
                        _advance(job, progress)
                        continue
                    cached = cached_pdf_path(data, job.archival)
                    if cached.exists():
                        shutil.copyfile(cached, directory / file_name(department))
                        _advance(job, progress)
                        continue
                    strict = current_app.config["STRICT_FONTS"]
                    pending[pool.submit(render_in_worker, data, job.archival, strict)] = (department, cached)
                for future in as_completed(pending):
                    department, cached = pending[future]
                    try:
                        pdf, rss = future.result()
                        stats.rendered += 1
                        stats.peak_worker_rss_kib = max(stats.peak_worker_rss_kib, rss)
                        _write_atomically(cached, pdf)
                        shutil.copyfile(cached, directory / file_name(department))
                    except Exception as exc:
                        failures[department.code] = f"{type(exc).__name__}: {exc}"
                    _advance(job, progress)
                    db.session.refresh(job)
                    if job.cancel_requested:
                        for other in pending:
                            other.cancel()
                        break
        job.failures = failures
        if job.cancel_requested:
            job.status = JobStatus.CANCELLED
        else:
            assemble(job)
        job.finished_at = utcnow()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        job = db.session.get(ReportJob, job_id)
        job.status = JobStatus.FAILED
        job.failures = {**failures, "*": f"{type(exc).__name__}: {exc}"}
        job.finished_at = utcnow()
        db.session.commit()
        current_app.logger.exception("bulk export %s failed", job_id)
    return job


def _advance(job: ReportJob, progress) -> None:
    db.session.execute(
        update(ReportJob).where(ReportJob.id == job.id).values(done=ReportJob.done + 1)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    db.session.commit()
    db.session.refresh(job)
    if progress is not None:
        progress(job)


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


def assemble(job: ReportJob) -> None:
    """ZIP the rendered department files (and merge them into one PDF when asked)."""
    directory = job_directory(job)
    files = sorted(directory.glob("*.pdf"))
    archive = directory.parent / f"{job.id}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            bundle.write(path, arcname=path.name)
        if job.failures:
            bundle.writestr("FAILED.txt", "".join(f"{code}: {error}\n" for code, error in sorted(job.failures.items())))
    if job.merged and files:
        import pikepdf

        merged = pikepdf.Pdf.new()
        for path in files:
            with pikepdf.open(path) as part:
                merged.pages.extend(part.pages)
        merged.save(directory.parent / f"{job.id}.pdf")
    job.result_path = str(archive)
    job.status = JobStatus.DONE


# -- RQ back-end ---------------------------------------------------------------------------------


def enqueue_on_rq(job: ReportJob) -> None:
    from redis import Redis
    from rq import Queue
    from rq.job import Dependency

    queue = Queue(QUEUE_NAME, connection=Redis.from_url(current_app.config["REDIS_URL"]))
    round_ = db.session.get(AssessmentRound, job.round_id)
    jobs = [
        queue.enqueue("surveyapp.jobs.render_department", job.id, department.id, job_timeout=900)
        for department in round_.departments
    ]
    queue.enqueue("surveyapp.jobs.finish_bulk", job.id, depends_on=Dependency(jobs=jobs, allow_failure=True))
    job.status = JobStatus.RUNNING
    db.session.commit()


_contexts: dict[tuple[int, str], object] = {}


def render_one_department(job_id: int, department_id: int) -> None:
    """RQ job body: render one department of a bulk job (skipped once the job is cancelled)."""
    job = db.session.get(ReportJob, job_id)
    if job is None or job.cancel_requested:
        return
    department = db.session.get(Organisation, department_id)
    try:
        key = (job.round_id, job.lang)
        if key not in _contexts:
            _contexts[key] = round_context(db.session.get(AssessmentRound, job.round_id))
        data = department_scorecard_data(_contexts[key], department, job.lang)
        cached = cached_pdf_path(data, job.archival)
        if not cached.exists():
            pdf, _ = render_in_worker(data, job.archival, current_app.config["STRICT_FONTS"])
            _write_atomically(cached, pdf)
        directory = job_directory(job)
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, directory / file_name(department))
    except Exception as exc:
        db.session.rollback()
        locked = db.session.get(ReportJob, job_id, with_for_update=True)
        locked.failures = {**(locked.failures or {}), department.code: f"{type(exc).__name__}: {exc}"}
        db.session.commit()
    _advance(db.session.get(ReportJob, job_id), None)


def finish_rq_job(job_id: int) -> None:
    job = db.session.get(ReportJob, job_id)
    if job.cancel_requested:
        job.status = JobStatus.CANCELLED
    else:
        assemble(job)
    job.finished_at = utcnow()
    db.session.commit()
