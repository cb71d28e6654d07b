"""Issue 21's loop end to end on a local fixture site: an inspection that observes a stale column opens a
rectification item by itself; the department reports, the reviewer returns, the department reports again,
and the next inspection of the updated site closes the item with its snapshot as evidence. A later
inspection that finds the column stale again reopens it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from surveyapp.domain import rectification as rules
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, InspectionSnapshot, Organisation, RectificationItem, User
from surveyapp.services import inspection
from surveyapp.services import rectification as service
from tests.helpers import inspector_settings, sign_in
from tests.inspector.test_fixture_sites import AS_OF, build_site

OPENED = date(2026, 11, 30)  # the rectification clock starts on the (agency's) day of the inspection


@pytest.fixture
def backend():  # the transactions are covered on both databases by the rectification web tests
    return "sqlite"


@pytest.fixture
def app_config(app_config, tmp_path):
    app_config |= inspector_settings(tmp_path)
    return app_config


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(service, "local_today", lambda now=None: OPENED)


STALE = {"/news/": ("工作动态", [1], True), "/tzgg/": ("通知公告", [300], True)}
FRESH = {"/news/": ("工作动态", [1], True), "/tzgg/": ("通知公告", [3], True)}


def _objects(assessment):
    round_ = db.session.get(AssessmentRound, assessment["round_id"])
    d1 = db.session.get(Organisation, assessment["d1"].id)
    users = {k: db.session.get(User, u.id) for k, u in assessment["users"].items()}
    return round_, d1, users


def _site(httpserver, columns):
    httpserver.clear()
    build_site(httpserver, columns=columns)


def _column_items(d1, httpserver):
    reference = rules.inspector_reference("column_freshness", httpserver.url_for("/tzgg/"))
    return db.session.scalars(
        select(RectificationItem).where(RectificationItem.organisation_id == d1.id,
                                        RectificationItem.reference == reference)).all()  # fmt: skip


def test_stale_column_item_opened_returned_resubmitted_and_closed_by_the_next_inspection(
    app_ctx, assessment, httpserver, fixed_today
):
    round_, d1, users = _objects(assessment)
    _site(httpserver, STALE)
    inspection.add_target(d1, httpserver.url_for("/"), "website")

    first = inspection.run_inspection(d1, AS_OF)
    [item] = _column_items(d1, httpserver)
    assert first.rectification["opened"] and item in first.rectification["opened"]
    assert (item.source, item.status, item.round_id) == (rules.INSPECTOR_CHECK, rules.OPEN, round_.id)
    assert item.opened_on == OPENED and item.due_on > OPENED  # the legal clock, in working days
    assert item.owner_id == users["coordinator"].id  # the department's coordinator owns it
    opened_evidence = item.events[0].snapshot_id
    snapshot = db.session.get(InspectionSnapshot, opened_evidence)
    assert snapshot.url == httpserver.url_for("/tzgg/")  # the page that shows the stale column

    # Inspecting the still-stale site again neither opens a second item nor changes the status.
    again = inspection.run_inspection(d1, AS_OF)
    assert not again.rectification["opened"] and _column_items(d1, httpserver) == [item]
    assert item.status == rules.OPEN and item.events[-1].action == "observe"
    inspection.run_inspection(d1, AS_OF)  # and again: noted once since the last move, not once per run
    assert [e.action for e in item.events] == ["open", "observe"]

    service.submit_item(item, users["coordinator"], "已更新栏目", "https://d01.example.gov.cn/tzgg")
    service.review_item(item, users["admin"], accept=False, comment="仍超过 6 个月未更新")
    assert item.status == rules.RETURNED
    service.submit_item(item, users["coordinator"], "已补发公告", "https://d01.example.gov.cn/tzgg")
    assert item.status == rules.SUBMITTED

    _site(httpserver, FRESH)  # the department updated its column
    fixed = inspection.run_inspection(d1, AS_OF)
    assert item in fixed.rectification["closed"]
    assert item.status == rules.CLOSED
    closing = item.events[-1]
    assert closing.action == rules.CLOSE and closing.actor_id is None  # closed by the observation
    closed_by = db.session.get(InspectionSnapshot, closing.snapshot_id)
    assert closed_by.run_id == fixed.id and closed_by.url == httpserver.url_for("/tzgg/")
    assert [e.action for e in item.events] == ["open", "observe", "submit", "return", "submit", "close"]

    _site(httpserver, STALE)  # stale again: the same item reopens with a new due date
    inspection.run_inspection(d1, AS_OF)
    assert _column_items(d1, httpserver) == [item] and item.status == rules.OPEN
    assert item.events[-1].action == rules.REOPEN


def test_item_page_links_the_observation_snapshot(app, assessment, httpserver, fixed_today):
    with app.app_context():
        _round, d1, _users = _objects(assessment)
        _site(httpserver, STALE)
        inspection.add_target(d1, httpserver.url_for("/"), "website")
        inspection.run_inspection(d1, AS_OF)
        [item] = _column_items(d1, httpserver)
        item_id, snapshot_id, d1_id = item.id, item.events[0].snapshot_id, d1.id
    client = app.test_client()
    sign_in(client, "coord@d01.example", lang="zh_Hans")
    page = client.get(f"/rectification/{item_id}").get_data(as_text=True)
    assert f"/departments/{d1_id}/inspection/snapshots/{snapshot_id}" in page
    assert "栏目" in page  # the check's name in the reader's language, not the stored English key
    assert "days old" not in page and "天" in page  # the finding's detail too (details and history)
    with app.app_context():
        item = db.session.get(RectificationItem, item_id)
        assert "days old" in service.item_detail(item, "en") and "days old" not in service.item_detail(item, "zh_Hant")
    assert client.get(f"/departments/{d1_id}/inspection/snapshots/{snapshot_id}").status_code == 200


def test_settings_and_unknown_years(app, app_ctx, assessment, httpserver, monkeypatch):
    _round, d1, _users = _objects(assessment)
    _site(httpserver, STALE)
    inspection.add_target(d1, httpserver.url_for("/"), "website")
    app.config["INSPECT_OPEN_ITEMS"] = False
    monkeypatch.setattr(service, "local_today", lambda now=None: OPENED)
    run = inspection.run_inspection(d1, AS_OF)
    assert not run.rectification["opened"] and not _column_items(d1, httpserver)

    # A due date in a year without a holiday schedule is refused, not guessed; the run itself stands and
    # says which items it could not open; a later run opens them once the calendar knows the year.
    app.config["INSPECT_OPEN_ITEMS"] = True
    monkeypatch.setattr(service, "local_today", lambda now=None: date(2031, 6, 2))
    refused = inspection.run_inspection(d1, AS_OF)
    assert refused.id and not refused.rectification["opened"]
    assert any("2031" in message for _ref, message in refused.rectification["refused"])
    assert not _column_items(d1, httpserver)


def test_inspector_reference_is_stable_and_fits():
    long_url = "https://d01.example.gov.cn/" + "x" * 400
    ref = rules.inspector_reference("column_freshness", long_url)
    assert len(ref) <= rules.REFERENCE_MAX and ref == rules.inspector_reference("column_freshness", long_url)
    assert rules.inspector_check_of(ref) == "column_freshness"
    assert rules.inspector_reference("https", None) == "https"
    assert rules.snapshot_id_of("snapshot/12") == 12 and rules.snapshot_id_of("snapshot/x") is None
    assert rules.snapshot_id_of("run/3") is None and rules.snapshot_id_of(None) is None
    assert rules.follow_observation(True, active=True, finished=False) == rules.CLOSE_ACTIVE
    assert rules.follow_observation(True, active=False, finished=True) == rules.NOTHING
    assert rules.follow_observation(False, active=True, finished=True) == rules.NOTE_ACTIVE
    assert rules.follow_observation(False, active=False, finished=True) == rules.REOPEN_LAST
    assert rules.follow_observation(False, active=False, finished=False) == rules.OPEN_NEW


def test_a_back_dated_inspection_moves_no_item(app_ctx, assessment, httpserver, fixed_today):
    """An inspection "as of" an earlier day (a back-dated re-run) neither closes an item opened since nor
    overrides the newest observation."""
    _round, d1, _users = _objects(assessment)
    _site(httpserver, STALE)
    inspection.add_target(d1, httpserver.url_for("/"), "website")
    inspection.run_inspection(d1, AS_OF)
    [item] = _column_items(d1, httpserver)
    _site(httpserver, FRESH)
    from datetime import timedelta

    earlier = inspection.run_inspection(d1, AS_OF - timedelta(days=30))
    assert not any(earlier.rectification.values())
    assert item.status == rules.OPEN and [e.action for e in item.events] == ["open"]
