"""Bulk export of a round's scorecards: one ZIP (and optionally one merged PDF).

Two back-ends, one job record:

* in-process (default): the data of each department is gathered here and rendered in a pool of
  processes over all cores (WeasyPrint and matplotlib are CPU-bound and do not scale with
  threads); the pool recycles its workers to bound their memory;
* RQ, when ``REDIS_URL`` is set: one RQ job per department, and a final job that assembles the
  ZIP once all have run (also when some failed). Start workers with ``rq worker surveyapp``.

A department that fails is listed in the job's ``failures`` and the export goes on; a department
whose render process died (killed, out of memory) is rendered once more, alone, before it counts
as failed. A job writes a heartbeat while it runs (``services.jobs_health``): when its worker
vanishes it shows as failed. A job can be cancelled (renders in progress are stopped) and a
finished, failed or cancelled job retried: only the departments without a file are rendered.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, JobStatus, Organisation, ReportJob
from surveyapp.models.base import utcnow
from surveyapp.reporting.worker import render_in_worker, warm_up_renderer
from surveyapp.services.audit import record_event
from surveyapp.services.jobs_health import Heartbeat, record_if_vanished
from surveyapp.services.scorecards import cached_pdf_path, department_scorecard_data, round_context

QUEUE_NAME = "surveyapp"
# Renders per worker before its pool is replaced: a guard against slow growth. Measured: a worker
# plateaus after about ten renders (≈ 280 MiB with both CJK faces loaded) and stays there over 40,
# so replacing it often only costs start-ups and idle tails at the end of each batch.
RECYCLE_AFTER = 100


def job_directory(job: ReportJob) -> Path:
    return Path(current_app.config["REPORTS_DIR"]) / "jobs" / str(job.id)


def file_name(department: Organisation) -> str:
    """The rendered file's name in the job directory (by code: stable while a job is retried)."""
    safe = "".join(c for c in department.code if c.isalnum() or c in "-_") or str(department.id)
    return f"{safe}.pdf"


MEMBER_NAME_CHARS = 60


def member_name(code: str, name: str) -> str:
    """A ZIP member's name: ``<code>-<department name>.pdf`` with only letters (any script), digits,
    ``-`` and ``_``; anything else (spaces, ``/``, ``$``, ``<``, emoji, control characters) becomes one
    ``_``; the name part is cut to ``MEMBER_NAME_CHARS`` characters. Never a path, never hidden."""
    import re
    import unicodedata

    def safe(text: str) -> str:
        text = unicodedata.normalize("NFC", text)
        kept = "".join(c if (c.isalnum() and unicodedata.category(c)[0] in "LN") or c in "-_" else "_" for c in text)
        return re.sub(r"_+", "_", kept).strip("_-")

    code_part = safe(code) or "department"
    name_part = safe(name)[:MEMBER_NAME_CHARS].strip("_-")
    return f"{code_part}-{name_part}.pdf" if name_part else f"{code_part}.pdf"


def _write_summary(directory: Path, department: Organisation, data) -> None:
    """The index figures of a department's scorecard beside its file (read by ``assemble``)."""
    import json

    summary = {"code": department.code, "name": data.department, "index": data.overall, "grade": data.grade,
               "red_lines": len(data.red_lines)}  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomically(directory / (file_name(department)[: -len(".pdf")] + ".json"),
                      json.dumps(summary, ensure_ascii=False).encode("utf-8"))  # fmt: skip


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
    _launch(job)
    return job


def _launch(job: ReportJob, departments: list[Organisation] | None = None) -> None:
    if job.backend == "rq":
        enqueue_on_rq(job, departments)
    else:
        app = current_app._get_current_object()
        threading.Thread(target=_run_in_app, args=(app, job.id), daemon=True, name=f"bulk-{job.id}").start()


def create_cli_job(round_: AssessmentRound, lang: str, merged: bool = False) -> ReportJob:
    """A job for ``flask report bulk``, which runs it in the foreground with ``run_bulk_job``."""
    job = ReportJob(round_id=round_.id, lang=lang, merged=merged, total=len(round_.departments))
    db.session.add(job)
    db.session.commit()
    return job


def _run_in_app(app, job_id: int) -> None:
    with app.app_context():
        run_bulk_job(job_id)


def missing_departments(job: ReportJob) -> list[Organisation]:
    """The round's departments that have no rendered file in the job's directory yet."""
    round_ = db.session.get(AssessmentRound, job.round_id)
    directory = job_directory(job)
    return [d for d in round_.departments if not (directory / file_name(d)).is_file()]


def result_ready(job: ReportJob) -> bool:
    """True when the job is done and its ZIP is on disk: the only time a download is offered."""
    return job.status == JobStatus.DONE and bool(job.result_path) and Path(job.result_path).is_file()


def can_retry(job: ReportJob) -> bool:
    """A job may be retried once it is over (or its worker vanished) and something is missing: a
    department failed or has no file, or the ZIP was not made. A complete job is never retried."""
    from surveyapp.services.jobs_health import is_vanished

    if not (job.finished or is_vanished(job)):
        return False
    return bool(job.failures) or bool(missing_departments(job)) or not result_ready(job)


def retry_bulk_export(job: ReportJob, actor) -> bool:
    """Start the job again for its departments without a file (same job, same ZIP name).

    Returns False, changing nothing, while the job is still running normally.
    """
    record_if_vanished(job)
    if not can_retry(job):
        db.session.commit()
        return False
    missing = missing_departments(job)
    job.status = JobStatus.QUEUED
    job.cancel_requested = False
    job.failures = {}
    job.done = job.total - len(missing)
    job.result_path = None
    job.finished_at = None
    job.heartbeat_at = utcnow()
    job.attempt += 1
    record_event("report.bulk_retry", actor=actor, obj=job, departments=len(missing))
    db.session.commit()
    _launch(job, missing)
    return True


def cancel_bulk_export(job: ReportJob, actor) -> None:
    """Stop the job for real: queued work is dropped, renders in progress are stopped, and a job
    whose worker vanished is marked cancelled at once."""
    record_if_vanished(job)
    if job.finished:
        db.session.commit()
        return
    job.cancel_requested = True
    record_event("report.bulk_cancel", actor=actor, obj=job)
    if job.backend == "rq":
        stop_rq_jobs(job)
        job.status = JobStatus.CANCELLED
        job.finished_at = utcnow()
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
    """Render every department of the job's round that has no file yet, then assemble the ZIP.
    Returns the job.

    Pass ``stats`` to learn how many scorecards the workers rendered and their peak memory.
    """
    job = db.session.get(ReportJob, job_id)
    round_ = db.session.get(AssessmentRound, job.round_id)
    directory = job_directory(job)
    directory.mkdir(parents=True, exist_ok=True)
    departments = missing_departments(job)  # all of them, unless this is a retry
    job.status = JobStatus.RUNNING
    job.done = job.total - len(departments)
    db.session.commit()
    processes = processes or os.cpu_count() or 1
    failures: dict[str, str] = {}
    stats = stats if stats is not None else RenderStats()
    try:
        with Heartbeat(job.id):
            context = round_context(round_)
            # A fresh pool per batch bounds the workers' memory. (ProcessPoolExecutor's own
            # max_tasks_per_child can hang on Python 3.11 when it replaces a worker.)
            batch = RECYCLE_AFTER * processes
            for start in range(0, len(departments), batch):
                if job.cancel_requested:
                    break
                died = _render_batch(job, context, departments[start : start + batch], processes, failures,
                                     stats, progress)  # fmt: skip
                # A render process that died broke the whole pool: each department it took down
                # is rendered once more, alone, so only the one that kills its process fails.
                for department, data, cached in died:
                    if job.cancel_requested:
                        break
                    pool = ProcessPoolExecutor(1, mp_context=_SPAWN, initializer=warm_up_renderer)
                    died_again = _render_batch(job, context, [department], 1, failures, stats, progress,
                                               prepared=[(department, data, cached)], pool=pool)  # fmt: skip
                    if died_again:
                        failures[department.code] = "render process died twice"
                        _advance(job, progress)
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


_SPAWN = multiprocessing.get_context("spawn")
CANCEL_POLL_SECONDS = 0.5


def _render_batch(job, context, departments, processes, failures, stats, progress, prepared=None, pool=None):
    """Render ``departments`` in a pool; returns those whose render process died, with their data."""
    pool = pool or ProcessPoolExecutor(processes, mp_context=_SPAWN, initializer=warm_up_renderer)
    directory = job_directory(job)
    died = []
    try:
        pending: dict = {}
        for department, data, cached in prepared or _prepare(job, context, departments, failures, progress):
            pending[pool.submit(render_in_worker, data, job.archival, current_app.config["STRICT_FONTS"],
                                 str(current_app.config["TIMEZONE"]))] = (
                department, data, cached,
            )  # fmt: skip
        while pending:
            finished, _ = wait(list(pending), timeout=CANCEL_POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in finished:
                department, data, cached = pending.pop(future)
                try:
                    pdf, rss = future.result()
                except BrokenProcessPool:
                    died.append((department, data, cached))
                    continue
                except Exception as exc:
                    failures[department.code] = f"{type(exc).__name__}: {exc}"
                else:
                    stats.rendered += 1
                    stats.peak_worker_rss_kib = max(stats.peak_worker_rss_kib, rss)
                    _write_atomically(cached, pdf)
                    _copy_atomically(cached, directory / file_name(department))
                _advance(job, progress)
            db.session.refresh(job)
            if job.cancel_requested:
                _stop_pool(pool)
                return []
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return died


def _prepare(job, context, departments, failures, progress):
    """(department, data, cached path) for each department to render; cached ones are copied."""
    directory = job_directory(job)
    for department in departments:
        try:
            data = department_scorecard_data(context, department, job.lang)
        except Exception as exc:  # one department's bad data must not stop the others
            failures[department.code] = f"{type(exc).__name__}: {exc}"
            _advance(job, progress)
            continue
        _write_summary(directory, department, data)
        cached = cached_pdf_path(data, job.archival)
        if cached.exists():
            _copy_atomically(cached, directory / file_name(department))
            _advance(job, progress)
            continue
        yield department, data, cached


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the render processes now (a cancelled export)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


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


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy so that ``target`` is complete or absent, also when the process is killed mid-copy
    (a retry treats a department whose file exists as done)."""
    temporary = target.with_name(target.name + f".{os.getpid()}.tmp")
    shutil.copyfile(source, temporary)
    temporary.replace(target)


INDEX_HEADER = ("code", "name", "index", "grade", "red_lines", "pages", "file")


def assemble(job: ReportJob) -> None:
    """ZIP the rendered department files under ``member_name`` with an ``index.csv`` (code, name,
    index, grade, red lines, pages, file; cells written by ``definitions.spreadsheet``, so no cell is
    read as a formula), and when asked merge them into one PDF with one bookmark per department."""
    import json

    import pikepdf

    from surveyapp.definitions.spreadsheet import csv_chunks

    directory = job_directory(job)
    files = sorted(directory.glob("*.pdf"))
    codes = {file_name(d)[: -len(".pdf")]: d for d in db.session.get(AssessmentRound, job.round_id).departments}
    entries = []  # (path, member, summary, pages)
    used: set[str] = set()
    for path in files:
        department = codes.get(path.stem)
        summary_path = path.with_suffix(".json")
        summary = json.loads(summary_path.read_text("utf-8")) if summary_path.is_file() else {}
        code = department.code if department else path.stem
        name = summary.get("name") or (department.name(job.lang) if department else "")
        member = member_name(code, name)
        if member in used:  # two codes that differ only in unsafe characters
            member = f"{member[: -len('.pdf')]}_{len(used)}.pdf"
        used.add(member)
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
        entries.append((path, member, {**summary, "code": code, "name": name}, pages))
    rows = [INDEX_HEADER]
    # The index to one decimal, as on every page, PDF and export (it printed 35.686894294431056).
    rows += [(s["code"], s["name"], None if s.get("index") is None else round(s["index"], 1), s.get("grade", ""),
              s.get("red_lines"), pages, member) for _, member, s, pages in entries]  # fmt: skip
    archive = directory.parent / f"{job.id}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path, member, _, _ in entries:
            bundle.write(path, arcname=member)
        bundle.writestr("index.csv", "".join(csv_chunks(rows)))
        if job.failures:
            bundle.writestr("FAILED.txt", "".join(f"{code}: {error}\n" for code, error in sorted(job.failures.items())))
    if job.merged and entries:
        _merge(entries, db.session.get(AssessmentRound, job.round_id).name, directory.parent / f"{job.id}.pdf")
    job.result_path = str(archive)
    job.status = JobStatus.DONE


def _merge(entries, title: str, target: Path) -> None:
    """One PDF of the departments' scorecards: a bookmark per department ("name (code)": two departments may
    share a name), each holding its scorecard's own bookmarks (summary, peers, dimensions, methodology);
    the viewer opens with the bookmarks shown, and the document is titled with the round."""
    import pikepdf

    def children(items, part, offset):
        kept = []
        for item in items:
            destination = item.destination
            if isinstance(destination, pikepdf.Array) and len(destination):
                page = offset + part.pages.index(pikepdf.Page(destination[0]))
            elif isinstance(destination, int):
                page = offset + destination
            else:  # a named destination or an action: keep the title at the department's first page
                page = offset
            copy = pikepdf.OutlineItem(item.title, page)
            copy.children.extend(children(item.children, part, offset))
            kept.append(copy)
        return kept

    merged = pikepdf.Pdf.new()
    departments = []
    for path, _, summary, _ in entries:
        offset = len(merged.pages)
        label = f"{summary['name']} ({summary['code']})" if summary["name"] else summary["code"]
        department = pikepdf.OutlineItem(label, offset)
        with pikepdf.open(path) as part:
            with part.open_outline() as own:
                department.children.extend(children(own.root, part, offset))
            merged.pages.extend(part.pages)
        departments.append(department)
    with merged.open_outline() as outline:
        outline.root.extend(departments)
    merged.Root.PageMode = pikepdf.Name.UseOutlines
    merged.docinfo["/Title"] = title
    merged.save(target)


# -- RQ back-end ---------------------------------------------------------------------------------


def _rq_queue():
    from redis import Redis
    from rq import Queue

    name = current_app.config.get("RQ_QUEUE") or QUEUE_NAME
    return Queue(name, connection=Redis.from_url(current_app.config["REDIS_URL"]))


def _rq_prefix(job: ReportJob) -> str:
    return f"surveyapp-bulk-{job.id}-"


def enqueue_on_rq(job: ReportJob, departments: list[Organisation] | None = None) -> None:
    """One RQ job per department (all, or the given ones on a retry) and a final one that
    assembles the ZIP. A department whose work horse dies is retried once by RQ."""
    from rq import Retry
    from rq.job import Dependency

    queue = _rq_queue()
    if departments is None:
        departments = list(db.session.get(AssessmentRound, job.round_id).departments)
    prefix = f"{_rq_prefix(job)}a{job.attempt}"
    jobs = [
        queue.enqueue(
            "surveyapp.jobs.render_department",
            job.id,
            department.id,
            job.attempt,
            job_timeout=900,
            retry=Retry(max=1),
            job_id=f"{prefix}-{department.id}",
        )  # fmt: skip
        for department in departments
    ]
    queue.enqueue(
        "surveyapp.jobs.finish_bulk", job.id, job.attempt, job_id=f"{prefix}-finish",
        depends_on=Dependency(jobs=jobs, allow_failure=True) if jobs else None,
    )  # fmt: skip


def stop_rq_jobs(job: ReportJob) -> None:
    """Drop the job's queued RQ jobs and stop those being rendered (a cancelled export)."""
    from rq.command import send_stop_job_command
    from rq.job import Job
    from rq.registry import DeferredJobRegistry, StartedJobRegistry

    queue = _rq_queue()
    prefix = _rq_prefix(job)
    started = StartedJobRegistry(queue=queue).get_job_ids()
    waiting = queue.get_job_ids() + DeferredJobRegistry(queue=queue).get_job_ids()
    for rq_id in waiting:
        if rq_id.startswith(prefix):
            with contextlib.suppress(Exception):
                Job.fetch(rq_id, connection=queue.connection).cancel()
    for rq_id in started:
        if rq_id.startswith(prefix):
            with contextlib.suppress(Exception):
                send_stop_job_command(queue.connection, rq_id)


_contexts: dict[tuple[int, str], object] = {}


def render_one_department(job_id: int, department_id: int, attempt: int | None = None) -> None:
    """RQ job body: render one department of a bulk job (skipped once the job is cancelled, and
    when it belongs to an earlier attempt of a retried job)."""
    job = db.session.get(ReportJob, job_id)
    if job is None or job.cancel_requested or job.status == JobStatus.CANCELLED:
        return
    if attempt is not None and attempt != job.attempt:
        return
    department = db.session.get(Organisation, department_id)
    directory = job_directory(job)
    if (directory / file_name(department)).is_file():
        return  # rendered before the worker that had it died
    with Heartbeat(job_id):
        try:
            db.session.execute(
                update(ReportJob).where(ReportJob.id == job_id, ReportJob.status == JobStatus.QUEUED)
                .values(status=JobStatus.RUNNING).execution_options(synchronize_session=False)
            )  # fmt: skip
            db.session.commit()
            key = (job.round_id, job.lang)
            if key not in _contexts:
                _contexts[key] = round_context(db.session.get(AssessmentRound, job.round_id))
            data = department_scorecard_data(_contexts[key], department, job.lang)
            _write_summary(directory, department, data)
            cached = cached_pdf_path(data, job.archival)
            if not cached.exists():
                pdf, _ = render_in_worker(
                    data, job.archival, current_app.config["STRICT_FONTS"], str(current_app.config["TIMEZONE"])
                )
                _write_atomically(cached, pdf)
            directory.mkdir(parents=True, exist_ok=True)
            _copy_atomically(cached, directory / file_name(department))
        except Exception as exc:
            db.session.rollback()
            locked = db.session.get(ReportJob, job_id, with_for_update=True)
            locked.failures = {**(locked.failures or {}), department.code: f"{type(exc).__name__}: {exc}"}
            db.session.commit()
    _advance(db.session.get(ReportJob, job_id), None)


def finish_rq_job(job_id: int, attempt: int | None = None) -> None:
    job = db.session.get(ReportJob, job_id)
    if job is None or (attempt is not None and attempt != job.attempt):
        return  # an earlier attempt's final job, run late: the current attempt finishes the export
    if job.status == JobStatus.CANCELLED or job.cancel_requested:
        job.status = JobStatus.CANCELLED
    else:
        # A department without a file and without an error lost its work horse twice (RQ
        # retries a job whose process died once).
        failures = dict(job.failures or {})
        for department in missing_departments(job):
            failures.setdefault(department.code, "render process died twice")
        job.failures = failures
        assemble(job)
    job.finished_at = utcnow()
    db.session.commit()
