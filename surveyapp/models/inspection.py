"""The inspector's records: what may be fetched (targets), each inspection (runs), what it found
(findings), the pages it kept as evidence (WARC snapshots) and the availability probes.

Rules live in ``domain/inspection.py``; fetching in ``crawler.py``; use cases in ``services/inspection.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.extensions import db
from surveyapp.models.base import utcnow


class TargetKind(StrEnum):
    WEBSITE = "website"
    FEED = "feed"  # RSS, Atom or JSON Feed
    CSV = "csv"  # a CSV export of post dates from a platform's back office


class InspectionTarget(db.Model):
    """A department's website or feed registered for inspection. Only the hosts of registered
    targets are ever fetched (``host`` is the lower-case host name of ``url``)."""

    __tablename__ = "inspection_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(1000))
    host: Mapped[str] = mapped_column(String(255), index=True)
    label: Mapped[str | None] = mapped_column(String(200))
    # Optional list of {"url", "name", "type": news|notices|policies|other} (website targets).
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Optional per-site selectors: {"list_item": XPath, "date": XPath} for list pages without metadata.
    selectors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Required entrances' names (override of the default list; empty: the default).
    entrances: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation = relationship("Organisation")


class InspectionRun(db.Model):
    """One inspection of a department's targets as of a day."""

    __tablename__ = "inspection_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | done | failed
    pages: Mapped[int] = mapped_column(default=0)
    bytes: Mapped[int] = mapped_column(default=0)
    warc_path: Mapped[str | None] = mapped_column(String(500))  # relative to INSPECTIONS_DIR
    error: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # When the run's WARC file and snapshot rows were removed (``flask inspect prune``, setting
    # INSPECT_KEEP_DAYS); its findings stay, shown as "evidence expired".
    evidence_expired_at: Mapped[datetime | None]

    findings: Mapped[list[InspectionFinding]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="InspectionFinding.id"
    )
    #: Not stored: the rectification items this run opened, closed, reopened or noted (set by the service).
    rectification = None


class InspectionSnapshot(db.Model):
    """A fetched page kept as a WARC response record: the run's WARC file, the record's byte offset,
    and the SHA-256 of the payload (hex), so a finding can be reproduced from its snapshot."""

    __tablename__ = "inspection_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("inspection_runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    status_code: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(200))
    length: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    warc_path: Mapped[str] = mapped_column(String(500))
    warc_offset: Mapped[int] = mapped_column(default=0)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class InspectionFinding(db.Model):
    """The outcome of one check: status pass | fail | unknown, the observed value, the threshold
    applied, the URL it concerns and the snapshot that shows it."""

    __tablename__ = "inspection_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("inspection_runs.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_targets.id", ondelete="SET NULL"))
    check: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    observed: Mapped[Any] = mapped_column(JSON, nullable=True)
    threshold: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(1000))
    detail: Mapped[str | None] = mapped_column(Text)
    veto: Mapped[bool] = mapped_column(default=False)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_snapshots.id", ondelete="SET NULL"))

    run: Mapped[InspectionRun] = relationship(back_populates="findings")
    snapshot: Mapped[InspectionSnapshot | None] = relationship()


class AvailabilityProbe(db.Model):
    """One availability probe of a target (``flask inspect probe``): reached or not within the timeout."""

    __tablename__ = "inspection_probes"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("inspection_targets.id", ondelete="CASCADE"), index=True)
    probed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ok: Mapped[bool]
    status_code: Mapped[int | None]
    elapsed_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(300))
