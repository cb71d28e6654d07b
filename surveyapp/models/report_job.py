from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.extensions import db
from surveyapp.models.base import utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ReportJob(db.Model):
    """A bulk export of a round's scorecards, with its progress."""

    __tablename__ = "report_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(10))
    merged: Mapped[bool] = mapped_column(default=False)
    archival: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # department code → error
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    result_path: Mapped[str | None] = mapped_column(String(500))
    backend: Mapped[str] = mapped_column(String(20), default="process")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # Written every few seconds by whatever runs the job; a running job whose heartbeat stopped
    # lost its worker (see services.jobs_health).
    heartbeat_at: Mapped[datetime | None]
    # Raised by each retry; work queued by an earlier attempt (e.g. RQ jobs of a killed worker,
    # re-run late) sees it and does nothing.
    attempt: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)
