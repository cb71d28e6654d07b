"""Evidence retention (INSPECT_KEEP_DAYS, `flask inspect prune`): old runs lose their WARC file and snapshot
rows, keep their findings (marked "evidence expired"); never the snapshots a rectification item refers to,
nor a department's latest run."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from surveyapp.domain import inspection as rules
from surveyapp.domain import rectification as rectification_rules
from surveyapp.extensions import db
from surveyapp.models import (
    AssessmentRound,
    AuditEvent,
    InspectionFinding,
    InspectionRun,
    InspectionSnapshot,
    Organisation,
)
from surveyapp.services import inspection as service
from surveyapp.services import rectification
from surveyapp.services.inspection_retention import prune_evidence, referred_runs
from tests.helpers import inspector_settings
from tests.inspector.test_fixture_sites import AS_OF, build_site

TODAY = date(2026, 11, 30)


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def app_config(app_config, tmp_path):
    # Items are opened by hand here; the automatic loop has its own test.
    app_config |= inspector_settings(tmp_path, INSPECT_KEEP_DAYS=30, INSPECT_OPEN_ITEMS=False)
    return app_config


def test_the_reference_formats():
    assert rules.evidence_referred_to(f"{rectification_rules.SNAPSHOT_PREFIX}41") == ({41}, set(), set())
    assert rules.evidence_referred_to("snapshot:7; snap-007 and Snapshot #12")[0] == {7, 12}
    assert rules.evidence_referred_to("a" * 64) == (set(), {"a" * 64}, set())
    assert rules.evidence_referred_to("run/9") == (set(), set(), {9})
    assert rules.evidence_referred_to("") == (set(), set(), set())
    assert rules.evidence_expires(date(2026, 1, 1), date(2026, 1, 31), 29)
    assert not rules.evidence_expires(date(2026, 1, 1), date(2026, 1, 31), 30)
    with pytest.raises(ValueError):
        rules.evidence_expires(date(2026, 1, 1), date(2026, 1, 31), 0)


def _runs(app, assessment, httpserver, ages):
    """Runs of D1's site started ``ages`` days before TODAY (oldest first); returns their ids."""
    build_site(httpserver, home_days=20)
    ids = []
    department = db.session.get(Organisation, assessment["d1"].id)
    service.add_target(department, httpserver.url_for("/"), "website")
    for age in ages:
        run = service.run_inspection(department, AS_OF)
        started = run.started_at.replace(year=TODAY.year, month=TODAY.month, day=TODAY.day) - timedelta(days=age)
        db.session.execute(update(InspectionRun).where(InspectionRun.id == run.id).values(started_at=started))
        ids.append(run.id)
    db.session.commit()
    return ids


def _snapshots(run_id):
    return db.session.scalar(select(func.count(InspectionSnapshot.id)).where(InspectionSnapshot.run_id == run_id))


def test_prune_expires_old_runs_and_keeps_referred_and_latest(app, app_ctx, assessment, httpserver, runner):
    old, referred, recent, latest = _runs(app, assessment, httpserver, [90, 60, 10, 100])
    directory = Path(app.config["INSPECTIONS_DIR"])
    warc = {run_id: directory / db.session.get(InspectionRun, run_id).warc_path for run_id in (old, referred)}
    assert all(path.is_file() for path in warc.values()) and _snapshots(old) and _snapshots(referred)
    with_snapshot = select(InspectionFinding).where(InspectionFinding.run_id == old,
                                                    InspectionFinding.snapshot_id.is_not(None))  # fmt: skip
    failing = db.session.scalars(with_snapshot).first()
    findings_before = db.session.scalar(select(func.count(InspectionFinding.id)).where(InspectionFinding.run_id == old))
    # A rectification item refers to one snapshot of the run 60 days old.
    round_ = db.session.get(AssessmentRound, assessment["round_id"])
    d1 = db.session.get(Organisation, assessment["d1"].id)
    snapshot = db.session.scalars(select(InspectionSnapshot).where(InspectionSnapshot.run_id == referred)).first()
    finding = rectification_rules.Finding(rectification_rules.INSPECTOR_CHECK, "home_page_freshness",
                                          "首页超过两周未更新", "")  # fmt: skip
    reference = f"{rectification_rules.SNAPSHOT_PREFIX}{snapshot.id}"
    rectification.open_from_finding(round_, d1, finding, snapshot_ref=reference, today=TODAY)

    dry = prune_evidence(TODAY, dry_run=True)
    assert dry.runs == [old] and dry.files == 1 and _snapshots(old)  # nothing removed yet
    report = prune_evidence(TODAY)
    assert report.runs == [old] and report.files == 1 and report.snapshots > 0
    assert report.kept_for_rectification == [referred] and report.kept_latest == [latest]
    assert not warc[old].exists() and warc[referred].is_file()
    assert _snapshots(old) == 0 and _snapshots(referred) > 0 and _snapshots(recent) > 0
    expired = db.session.get(InspectionRun, old)
    assert expired.evidence_expired_at is not None and expired.warc_path is None
    # The findings stay, their evidence marked expired (JSON), the rest unchanged.
    assert db.session.scalar(select(func.count(InspectionFinding.id)).where(InspectionFinding.run_id == old)) == (
        findings_before)  # fmt: skip
    kept = db.session.get(InspectionFinding, failing.id)
    assert kept.snapshot_id is None and kept.status == failing.status
    document = service.run_json(d1, expired)
    assert {str(f["evidence"]) for f in document["findings"] if f["evidence"]} == {
        str({"expired": expired.evidence_expired_at.date().isoformat()})}  # fmt: skip
    assert service.snapshot_payload(snapshot)  # the referred snapshot still reads back, SHA-256 checked
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "inspection.prune")) == 1
    # Nothing more to do the next time.
    assert prune_evidence(TODAY).runs == []


def test_flask_inspect_prune(app, app_ctx, assessment, httpserver, runner):
    old, _latest = _runs(app, assessment, httpserver, [90, 1])
    result = runner.invoke(args=["inspect", "prune", "--as-of", TODAY.isoformat(), "--dry-run"])
    assert result.exit_code == 0 and "would expire 1 runs" in result.output, result.output
    result = runner.invoke(args=["inspect", "prune", "--as-of", TODAY.isoformat(), "--keep-days", "100"])
    assert result.exit_code == 0 and "expired 0 runs" in result.output, result.output
    result = runner.invoke(args=["inspect", "prune", "--as-of", TODAY.isoformat()])
    assert result.exit_code == 0 and "expired 1 runs" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(InspectionRun, old).evidence_expired_at is not None
    assert runner.invoke(args=["inspect", "prune", "--keep-days", "0"]).exit_code != 0


def test_the_inspection_page_marks_expired_evidence(app, assessment, httpserver):
    from tests.helpers import sign_in

    with app.app_context():
        old, _latest = _runs(app, assessment, httpserver, [90, 1])
        prune_evidence(TODAY)
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    html = admin.get(f"/departments/{assessment['d1'].id}/inspection").get_data(as_text=True)
    assert html.count("evidence expired") == 1 and f"#{old}" in html


def test_the_automatic_rectification_loop_keeps_its_evidence(app, app_ctx, assessment, httpserver, monkeypatch):
    """With INSPECT_OPEN_ITEMS, a run's failed checks open items referring to its snapshots and later runs
    note or close them with theirs (issue 21): every run an item's history refers to keeps its evidence."""
    from surveyapp.services import rectification

    # The runs are as of AS_OF, so the items are opened that day in the agency's time zone (an item
    # opened after the day a run observes is not moved by it), whatever the real clock says.
    monkeypatch.setattr(rectification, "local_today", lambda now=None: AS_OF)
    app.config["INSPECT_OPEN_ITEMS"] = True
    first, second, _latest = _runs(app, assessment, httpserver, [90, 60, 1])
    referred = {run for run in (first, second) if run in referred_runs()}
    assert first in referred  # the first run's failed checks opened the items
    assert second in referred  # the second one's re-check is in their history too
    report = prune_evidence(TODAY)
    assert set(report.kept_for_rectification) == referred and set(report.runs) == {first, second} - referred
