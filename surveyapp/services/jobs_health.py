"""Is a bulk export still being worked on? Heartbeats, vanished workers, the status to show.

Whatever runs a job (the in-process runner's thread, an RQ worker rendering one department)
writes ``report_jobs.heartbeat_at`` every ``BULK_HEARTBEAT_SECONDS`` from a thread of its own.
A job marked running whose heartbeat is older than ``BULK_STALE_SECONDS`` lost its worker (a
killed process, a deploy, a recycled container): it is shown as failed at once (reading writes
nothing) and recorded as failed by the next write that looks at it (cancel, retry, a new export).
"""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from surveyapp.extensions import db
from surveyapp.models import JobStatus, ReportJob
from surveyapp.models.base import utcnow

VANISHED = "worker stopped (no heartbeat); retry to render the missing departments"


def _stale_before(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(seconds=current_app.config["BULK_STALE_SECONDS"])


def is_vanished(job: ReportJob, now: datetime | None = None) -> bool:
    """A job that should be running but whose worker has not been heard of for too long.

    An in-process job still queued counts from its creation (its thread never started); an RQ
    job still queued waits for a worker and never counts as vanished.
    """
    if job.status == JobStatus.RUNNING:
        last = job.heartbeat_at or job.created_at
    elif job.status == JobStatus.QUEUED and job.backend != "rq":
        last = job.created_at
    else:
        return False
    return last < _stale_before(now)


def effective_status(job: ReportJob) -> str:
    """The status to show: ``failed`` for a job whose worker vanished, else the stored one."""
    return JobStatus.FAILED if is_vanished(job) else job.status


def record_if_vanished(job: ReportJob) -> bool:
    """Store ``failed`` for a job whose worker vanished (in the caller's transaction, which the
    caller commits). The check and the change are one statement, so a worker that is in fact
    alive and writes its heartbeat at the same moment is not marked. Returns whether it was."""
    if not is_vanished(job):
        return False
    cutoff = _stale_before()
    result = db.session.execute(
        update(ReportJob)
        .where(
            ReportJob.id == job.id,
            ReportJob.status.in_([JobStatus.RUNNING, JobStatus.QUEUED]),
            db.func.coalesce(ReportJob.heartbeat_at, ReportJob.created_at) < cutoff,
        )
        .values(status=JobStatus.FAILED, finished_at=utcnow(), failures={**(job.failures or {}), "*": VANISHED})
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.refresh(job)
    return result.rowcount == 1


def beat(engine, job_id: int) -> None:
    """Write one heartbeat for ``job_id`` on its own connection (never raises)."""
    with contextlib.suppress(Exception), engine.begin() as connection:
        connection.execute(update(ReportJob).where(ReportJob.id == job_id).values(heartbeat_at=utcnow()))


class Heartbeat:
    """``with Heartbeat(job_id):`` writes the job's heartbeat now and every interval until the
    block ends, from a daemon thread with its own database connection."""

    def __init__(self, job_id: int, interval: float | None = None) -> None:
        self.job_id = job_id
        self.interval = interval or current_app.config["BULK_HEARTBEAT_SECONDS"]
        self.engine = db.engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"heartbeat-{job_id}")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            beat(self.engine, self.job_id)

    def __enter__(self) -> Heartbeat:
        beat(self.engine, self.job_id)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
