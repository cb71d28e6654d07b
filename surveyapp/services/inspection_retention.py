"""Evidence retention for the inspector (setting ``INSPECT_KEEP_DAYS``; ``flask inspect prune`` and its
scheduled job): the WARC file and the snapshot rows of a run older than the setting are removed; the run and
its findings stay, marked "evidence expired" (``InspectionRun.evidence_expired_at``). Never removed: the
snapshots a rectification item's history refers to (``RectificationEvent.evidence_ref``, read by
``domain.inspection.evidence_referred_to``: the whole run that holds one is kept, as is a run referred to
itself) and each department's latest run (its findings are what the scores use now).

WARC files hold pages as published, personal data included: keeping them no longer than needed is part of
handling them with care.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update

from surveyapp.domain import inspection as rules
from surveyapp.extensions import db
from surveyapp.models import InspectionFinding, InspectionRun, InspectionSnapshot
from surveyapp.models.base import utcnow
from surveyapp.models.rectification import RectificationEvent
from surveyapp.services.audit import record_event
from surveyapp.services.inspection import inspections_dir

log = logging.getLogger(__name__)


@dataclass
class PruneReport:
    """What a prune removed (or, with ``dry_run``, would remove)."""

    runs: list[int] = field(default_factory=list)  # runs whose evidence expired now
    snapshots: int = 0  # snapshot rows removed
    files: int = 0  # WARC files removed
    kept_for_rectification: list[int] = field(default_factory=list)  # old runs kept: an item refers to them
    kept_latest: list[int] = field(default_factory=list)  # old runs kept: a department's latest
    problems: list[str] = field(default_factory=list)  # files that could not be removed


def keep_days() -> int:
    days = int(current_app.config["INSPECT_KEEP_DAYS"])
    if days < 1:
        raise ValueError("INSPECT_KEEP_DAYS must be at least 1")
    return days


def referred_runs() -> set[int]:
    """Runs holding a snapshot a rectification event refers to (by id or SHA-256), or referred to themselves
    (``run/<id>``: a finding without a snapshot)."""
    ids: set[int] = set()
    digests: set[str] = set()
    runs: set[int] = set()
    for reference in db.session.scalars(select(RectificationEvent.evidence_ref).where(
            RectificationEvent.evidence_ref != "")):  # fmt: skip
        more_ids, more_digests, more_runs = rules.evidence_referred_to(reference)
        ids |= more_ids
        digests |= more_digests
        runs |= more_runs
    if ids:
        runs |= set(db.session.scalars(select(InspectionSnapshot.run_id).where(InspectionSnapshot.id.in_(ids))))
    if digests:
        runs |= set(db.session.scalars(select(InspectionSnapshot.run_id).where(
            InspectionSnapshot.sha256.in_(digests))))  # fmt: skip
    return runs


def _latest_runs() -> set[int]:
    latest: dict[int, int] = {}
    rows = db.session.execute(
        select(InspectionRun.organisation_id, InspectionRun.id).where(InspectionRun.status == "done")
        .order_by(InspectionRun.organisation_id, InspectionRun.as_of.desc(), InspectionRun.id.desc())
    )  # fmt: skip
    for organisation_id, run_id in rows:
        latest.setdefault(organisation_id, run_id)
    return set(latest.values())


def prune_evidence(today: date | None = None, days: int | None = None, dry_run: bool = False,
                   actor=None) -> PruneReport:  # fmt: skip
    """Expire the evidence of runs started more than ``days`` (default ``INSPECT_KEEP_DAYS``) days before
    ``today``: their snapshot rows go (findings keep their other fields, ``snapshot_id`` cleared), the run is
    marked, one commit; then their WARC files are deleted (a file that cannot be deleted is reported; the
    database already says the evidence expired, and a file missing later harms nothing)."""
    today = today or utcnow().date()
    days = keep_days() if days is None else days
    if days < 1:
        raise ValueError("keep days must be at least 1")
    cutoff = today - timedelta(days=days)
    old = db.session.scalars(
        select(InspectionRun).where(InspectionRun.evidence_expired_at.is_(None), InspectionRun.status != "running")
        .order_by(InspectionRun.id)
    ).all()  # fmt: skip
    old = [run for run in old if rules.evidence_expires(run.started_at.date(), today, days)]
    report = PruneReport()
    if not old:
        return report
    referred, latest = referred_runs(), _latest_runs()
    files = []
    for run in old:
        if run.id in referred:
            report.kept_for_rectification.append(run.id)
            continue
        if run.id in latest:
            report.kept_latest.append(run.id)
            continue
        report.runs.append(run.id)
        report.snapshots += len(db.session.scalars(select(InspectionSnapshot.id).where(
            InspectionSnapshot.run_id == run.id)).all())  # fmt: skip
        if run.warc_path:
            files.append(inspections_dir() / run.warc_path)
    if dry_run or not report.runs:
        report.files = sum(1 for path in files if path.exists())
        return report
    now = utcnow()
    try:
        db.session.execute(update(InspectionFinding).where(InspectionFinding.run_id.in_(report.runs))
                           .values(snapshot_id=None).execution_options(synchronize_session=False))  # fmt: skip
        db.session.execute(InspectionSnapshot.__table__.delete().where(InspectionSnapshot.run_id.in_(report.runs)))
        db.session.execute(update(InspectionRun).where(InspectionRun.id.in_(report.runs))
                           .values(warc_path=None, evidence_expired_at=now)
                           .execution_options(synchronize_session=False))  # fmt: skip
        record_event("inspection.prune", actor=actor, runs=len(report.runs), snapshots=report.snapshots,
                     keep_days=days, before=cutoff.isoformat(),
                     kept_for_rectification=len(report.kept_for_rectification))  # fmt: skip
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire_all()
    for path in files:
        try:
            if path.exists():
                path.unlink()
                report.files += 1
        except OSError as exc:
            log.warning("could not remove %s: %s", path, exc)
            report.problems.append(f"{path}: {exc.strerror or exc}")
    return report


def prune_and_reschedule() -> PruneReport:
    """The scheduled job: prune, then schedule the next prune (``services.inspection.schedule``)."""
    from surveyapp.services.inspection import schedule

    try:
        return prune_evidence()
    finally:
        schedule("prune")
