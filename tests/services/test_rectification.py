"""Rectification items: the workflow, the inspector's entry points, due dates, overdue, across rounds."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from surveyapp.domain import rectification as rules
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, AuditEvent, Organisation, User
from surveyapp.services import rectification as service
from surveyapp.services.rectification import RectificationError
from surveyapp.services.rounds import open_round
from tests.helpers import sign_in, submit_complete


@pytest.fixture
def backend():  # service rules, not SQL dialects: SQLite only (the web test runs on both)
    return "sqlite"


def _objects(assessment):
    round_ = db.session.get(AssessmentRound, assessment["round_id"])
    d1 = db.session.get(Organisation, assessment["d1"].id)
    users = {k: db.session.get(User, u.id) for k, u in assessment["users"].items()}
    return round_, d1, users


def test_domain_transitions_and_due_dates():
    assert rules.next_status(rules.OPEN, rules.SUBMIT) == rules.SUBMITTED
    assert rules.next_status(rules.SUBMITTED, rules.RETURN) == rules.RETURNED
    assert rules.next_status(rules.RETURNED, rules.SUBMIT) == rules.SUBMITTED
    assert rules.next_status(rules.SUBMITTED, rules.ACCEPT) == rules.ACCEPTED
    with pytest.raises(rules.TransitionRefused):
        rules.next_status(rules.OPEN, rules.ACCEPT)
    with pytest.raises(rules.TransitionRefused):
        rules.next_status(rules.ACCEPTED, rules.SUBMIT)
    assert rules.allowed_actions(rules.SUBMITTED) == (rules.ACCEPT, rules.RETURN, rules.CLOSE)
    from surveyapp.definitions.workdays import working_calendar

    calendar = working_calendar()
    # 20 working days from 2026-01-26 end on the make-up Saturday 2026-02-28 (Spring Festival).
    assert rules.default_due(rules.MANUAL, date(2026, 1, 26), calendar) == date(2026, 2, 28)
    # 10 working days over National Day 2026: Sep 28-30, Oct 8, 9, the make-up Saturday Oct 10, Oct 12-15.
    assert rules.default_due(rules.RED_LINE, date(2026, 9, 25), calendar) == date(2026, 10, 15)
    assert rules.is_overdue(rules.OPEN, date(2026, 3, 2), date(2026, 3, 3))
    assert not rules.is_overdue(rules.OPEN, date(2026, 3, 2), date(2026, 3, 2))
    assert not rules.is_overdue(rules.SUBMITTED, date(2026, 3, 2), date(2026, 3, 9))
    assert rules.since_last_round_counts(["accepted", "closed", "open", "submitted", "overdue"]) == (2, 2, 1)

    class G:
        def __init__(self, m):
            self.min = m

    assert rules.pass_mark([G(85), G(75), G(60), G(0)]) == 60


def test_inspector_finding_is_opened_once_closed_by_observation_and_reopened(app_ctx, assessment):
    round_, d1, users = _objects(assessment)
    finding = rules.Finding(rules.INSPECTOR_CHECK, "column:notices:stale", "通知公告栏目超过两周未更新",
                            "last update 2026-01-02")  # fmt: skip
    item = service.open_from_finding(round_, d1, finding, snapshot_ref="snap-001", today=date(2026, 1, 26))
    assert item.status == rules.OPEN and item.owner_id == users["coordinator"].id
    assert item.due_on == date(
        2026, 2, 14
    )  # 15 working days: the 15th is the make-up Saturday before the Spring Festival
    assert service.open_from_finding(round_, d1, finding, snapshot_ref="snap-002").id == item.id  # not twice
    service.recheck_from_observation(item, False, "snap-003")  # still stale: recorded, status unchanged
    assert item.status == rules.OPEN
    service.recheck_from_observation(item, True, "snap-004")
    assert item.status == rules.CLOSED and item.done_at is not None
    service.recheck_from_observation(item, False, "snap-005")
    assert item.status == rules.OPEN and item.done_at is None
    assert [(e.action, e.to_status, e.evidence_ref) for e in item.events] == [
        ("open", "open", "snap-001"), ("observe", "open", "snap-003"), ("close", "closed", "snap-004"),
        ("reopen", "open", "snap-005"),
    ]  # fmt: skip
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "rectification_items"))
    assert list(actions) == ["rectification.open", "rectification.observe", "rectification.close",
                             "rectification.reopen"]  # fmt: skip


def test_workflow_submit_return_resubmit_accept(app_ctx, assessment):
    round_, d1, users = _objects(assessment)
    item, created = service.open_item(round_, d1, rules.MANUAL, "", "政策解读缺失", actor=users["admin"],
                                      owner=users["coordinator"], working_days=5)  # fmt: skip
    assert created and item.reference == f"manual-{item.id}"
    with pytest.raises(RectificationError):
        service.review_item(item, users["admin"], accept=True)  # nothing submitted yet
    with pytest.raises(RectificationError):
        service.submit_item(item, users["coordinator"], "done", evidence_url="javascript:alert(1)")
    service.submit_item(item, users["coordinator"], "已补充解读", evidence_url="https://example.gov.cn/a")
    with pytest.raises(RectificationError):
        service.review_item(item, users["admin"], accept=False, comment=" ")  # a return says why
    service.review_item(item, users["admin"], accept=False, comment="链接打不开")
    assert item.status == rules.RETURNED
    service.submit_item(item, users["coordinator"], "已修复链接", evidence_url="https://example.gov.cn/b")
    service.review_item(item, users["admin"], accept=True, comment="")
    assert item.status == rules.ACCEPTED
    history = [(e.action, e.from_status, e.to_status, e.actor_id) for e in item.events]
    assert history == [
        ("open", None, "open", users["admin"].id),
        ("submit", "open", "submitted", users["coordinator"].id),
        ("return", "submitted", "returned", users["admin"].id),
        ("submit", "returned", "submitted", users["coordinator"].id),
        ("accept", "submitted", "accepted", users["admin"].id),
    ]


@pytest.fixture
def mail_config(app_config, smtp_server):
    app_config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER="s@ag.example",
                      REMINDER_MAX_PER_PERSON=2, REMINDER_MIN_HOURS=24)  # fmt: skip
    return smtp_server


def test_overdue_is_flagged_and_owner_reminded_within_limits(mail_config, app, assessment):
    smtp_server = mail_config
    from surveyapp.models.base import utcnow

    with app.test_request_context():
        round_, d1, users = _objects(assessment)
        item, _ = service.open_item(round_, d1, rules.MANUAL, "", "年报未按时发布", owner=users["coordinator"],
                                    today=date.today() - timedelta(days=60), working_days=3)  # fmt: skip
        assert service.mark_overdue() == [item] and item.status == rules.OVERDUE
        now = utcnow()
        sent = service.send_overdue_reminders(now=now)
        assert [(i.id, u.email) for i, u in sent] == [(item.id, "coord@d01.example")]
        assert service.send_overdue_reminders(now=now + timedelta(hours=1)) == []  # spacing
        assert len(service.send_overdue_reminders(now=now + timedelta(hours=25))) == 1
        assert service.send_overdue_reminders(now=now + timedelta(hours=50)) == []  # at most 2
        assert len(smtp_server.messages) == 2
        # The round's questionnaire reminders do not count these sends.
        from surveyapp.services.reminders import due_reminders

        assert "coord@d01.example" in [u.email for u, count in due_reminders(round_) if count == 0]
        # A later due date makes it open again.
        service.set_due(item, users["admin"], due_on=date.today() + timedelta(days=10))
        assert item.status == rules.OPEN


def test_items_carry_into_next_round_and_since_last_round(app, app_ctx, assessment):
    round_, d1, users = _objects(assessment)
    ahead = date.today() + timedelta(days=30)  # a given day: no holiday schedule needed for next year
    a, _ = service.open_item(round_, d1, rules.MANUAL, "", "A", owner=users["coordinator"], due_on=ahead)
    b, _ = service.open_item(round_, d1, rules.MANUAL, "", "B", owner=users["coordinator"], due_on=ahead)
    c, _ = service.open_item(round_, d1, rules.MANUAL, "", "C", owner=users["coordinator"],
                             today=date.today() - timedelta(days=90), working_days=2)  # fmt: skip
    service.close_item(a, users["admin"], "已整改")
    second = open_round("2027", round_.organisation, [d1], "transparency", 1)
    carried = service.items_of_round(second, d1)
    assert [i.title for i in carried] == ["C", "B"]  # A was finished before the new round; C is overdue
    summary = service.since_last_round(second, d1, "en")
    assert (summary.closed, summary.open, summary.overdue) == (1, 1, 1)
    assert summary.previous_round == round_.name
    assert service.since_last_round(round_, d1, "en") is None


def test_items_from_red_lines_and_dimensions_below_pass(app, assessment):
    coordinator = app.test_client()
    sign_in(coordinator, "coord@d01.example", lang="en")
    submit_complete(app, coordinator, assessment["round_id"], "department")
    with app.app_context():
        round_, d1, users = _objects(assessment)
        from surveyapp.services.scores import department_result_for

        result = department_result_for(round_, d1.id, 3)
        created = service.open_from_round_results(round_, d1, users["admin"], today=date(2026, 3, 2))
        expected = {(rules.RED_LINE, h.item) for h in result.red_lines} | {
            (rules.DIMENSION_BELOW_PASS, d.key) for d in result.dimensions if d.score is not None and d.score < 60
        }
        assert {(i.source, i.reference) for i in created} == expected
        assert created and all(i.opened_on == date(2026, 3, 2) for i in created)
        assert service.open_from_round_results(round_, d1, users["admin"], today=date(2026, 3, 2)) == []  # not twice
        # A finding whose item was accepted or closed is not opened again from the same round's results.
        first, second = created[0], created[-1]
        service.submit_item(first, users["coordinator"], "已整改", "https://example.gov.cn/fix")
        service.review_item(first, users["admin"], accept=True)
        service.close_item(second, users["admin"], "不再适用")
        assert service.open_from_round_results(round_, d1, users["admin"], today=date(2026, 3, 2)) == []


def test_inspector_item_submitted_returned_resubmitted_then_closed_by_observation(app_ctx, assessment):
    """The inspector's loop with plain data (its observation code plugs in here): a stale column is observed,
    the department reports, the reviewer returns, the department reports again, and the next observation of
    the updated site closes the item with its snapshot as evidence."""
    round_, d1, users = _objects(assessment)
    stale = rules.Finding(rules.INSPECTOR_CHECK, "https://d01.example.gov.cn/tzgg#stale",
                          "“通知公告”栏目超过 6 个月未更新", "last item 2026-01-05")  # fmt: skip
    item = service.open_from_finding(round_, d1, stale, snapshot_ref="snapshot/41", today=date(2026, 7, 1))
    service.submit_item(item, users["coordinator"], "已更新栏目", "https://d01.example.gov.cn/tzgg")
    service.review_item(item, users["admin"], accept=False, comment="只更新了 1 条，仍不满足要求")
    service.recheck_from_observation(item, False, "snapshot/42")  # still stale: recorded, still returned
    assert item.status == rules.RETURNED
    service.submit_item(item, users["coordinator"], "已补发 6 条公告", "https://d01.example.gov.cn/tzgg")
    service.recheck_from_observation(item, True, "snapshot/43")
    assert item.status == rules.CLOSED
    assert [(e.action, e.to_status, e.evidence_ref) for e in item.events] == [
        ("open", "open", "snapshot/41"), ("submit", "submitted", ""), ("return", "returned", ""),
        ("observe", "returned", "snapshot/42"), ("submit", "submitted", ""), ("close", "closed", "snapshot/43"),
    ]  # fmt: skip
    assert item.events[-1].actor_id is None  # closed by the observation, not by a person


def test_since_last_round_counts_items_carried_through_the_last_round(app, app_ctx, assessment):
    """From the third round on, "last round's items" are every item the last round showed: those opened in
    it and those carried into it, not only the ones opened in it (they must not drop out of the section)."""
    round_, d1, users = _objects(assessment)
    ahead = date.today() + timedelta(days=30)
    carried, _ = service.open_item(round_, d1, rules.MANUAL, "", "carried", owner=users["coordinator"], due_on=ahead)
    done, _ = service.open_item(round_, d1, rules.MANUAL, "", "done later", owner=users["coordinator"], due_on=ahead)
    second = open_round("second", round_.organisation, [d1], "transparency", 1)
    own, _ = service.open_item(second, d1, rules.MANUAL, "", "own", owner=users["coordinator"], due_on=ahead)
    service.close_item(done, users["admin"], "fixed during the second round")
    shown = {i.title for i in service.items_of_round(second, d1)}
    assert shown == {"carried", "done later", "own"}
    third = open_round("third", round_.organisation, [d1], "transparency", 1)
    summary = service.since_last_round(third, d1, "en")
    assert summary.previous_round == "second"
    assert (summary.closed, summary.open, summary.overdue) == (1, 2, 0)
    assert sorted(title for title, _key, _label in summary.items) == ["carried", "done later", "own"]
    by_department = service.since_last_round_by_department(third)
    assert (by_department[d1.id].closed, by_department[d1.id].open) == (1, 2)
    # A department whose last round opened nothing itself still shows what it carried.
    fourth = open_round("fourth", round_.organisation, [d1], "transparency", 1)
    summary = service.since_last_round(fourth, d1, "en")
    assert (summary.closed, summary.open) == (0, 2)
    assert service.since_last_round_by_department(fourth)[d1.id].open == 2


def test_exports_make_formula_text_inert_exactly_once(app_ctx, assessment, tmp_path):
    """The writers own the spreadsheet rule: an item titled like a formula is written with one apostrophe in
    CSV (and reads back as typed), as the plain text in a string cell in XLSX; numbers stay numbers."""
    from openpyxl import load_workbook

    from surveyapp.definitions.spreadsheet import csv_dicts, csv_text, write_xlsx

    round_, d1, users = _objects(assessment)
    title = '=HYPERLINK("http://evil.example/x","点我")'
    item, _ = service.open_item(round_, d1, rules.MANUAL, "", title, owner=users["coordinator"],
                                due_on=date.today() + timedelta(days=30))  # fmt: skip
    rows = list(service.export_rows(round_, "en"))
    text = csv_text(rows)
    assert "'=HYPERLINK" in text and "''=HYPERLINK" not in text
    _header, records = csv_dicts(text)
    assert records[0]["Title"] == title
    path = tmp_path / "items.xlsx"
    write_xlsx(rows, "items", str(path))
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    cells = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert cells["Title"].value == title and cells["Title"].data_type == "s"
    assert cells["Number"].value == item.id and cells["Working days"].data_type == "n"


def english(app):
    return app.test_request_context(headers={"Accept-Language": "en"})


def test_due_dates_on_rest_days_move_to_the_next_working_day_and_far_ones_are_refused(app, app_ctx, assessment):
    """A limit that ends on a weekend or public holiday ends on the next working day (the usual rule for legal
    time limits); a due date more than a year ahead is refused; where the calendar does not know the year, no
    number of working days is claimed (the page, exports and API leave it out instead of showing calendar days)."""
    round_, d1, users = _objects(assessment)
    owner = users["coordinator"]
    saturday, _ = service.open_item(round_, d1, rules.MANUAL, "", "sat", owner=owner, today=date(2026, 11, 30),
                                    due_on=date(2026, 12, 12))  # fmt: skip
    assert saturday.due_on == date(2026, 12, 14) and service.counted_working_days(saturday) == 10
    national_day, _ = service.open_item(round_, d1, rules.MANUAL, "", "holiday", owner=owner,
                                        today=date(2026, 9, 20), due_on=date(2026, 10, 1))  # fmt: skip
    assert national_day.due_on == date(2026, 10, 8)
    with english(app), pytest.raises(RectificationError, match="one year"):
        service.open_item(round_, d1, rules.MANUAL, "", "far", owner=owner, today=date(2026, 11, 30),
                          due_on=date(2028, 1, 1))  # fmt: skip
    service.set_due(saturday, users["admin"], due_on=date(2026, 12, 19))  # a Saturday again
    assert saturday.due_on == date(2026, 12, 21)
    with english(app), pytest.raises(RectificationError, match="one year"):
        service.set_due(saturday, users["admin"], due_on=date(9999, 12, 31))
    assert saturday.due_on == date(2026, 12, 21)
    unknown_year = date(2099, 1, 5)  # no holiday schedule: the date stands, no working days are claimed
    far, _ = service.open_item(round_, d1, rules.MANUAL, "", "unknown", owner=owner, today=date(2098, 12, 20),
                               due_on=unknown_year)  # fmt: skip
    assert far.due_on == unknown_year and service.counted_working_days(far) is None
    assert service.item_dict(far, "en")["working_days"] is None


def test_overdue_items_nobody_can_be_reminded_about_are_named(app, app_ctx, assessment, runner):
    round_, d1, users = _objects(assessment)
    d2 = db.session.get(Organisation, assessment["d2"].id)  # no coordinator in the fixture
    old = date.today() - timedelta(days=60)
    orphan, _ = service.open_item(round_, d2, rules.MANUAL, "", "无人负责", today=old, working_days=3)
    owned, _ = service.open_item(round_, d1, rules.MANUAL, "", "有人负责", owner=users["coordinator"], today=old,
                                 working_days=3)  # fmt: skip
    service.mark_overdue()
    assert service.overdue_without_recipient() == [orphan]
    assert service.overdue_without_recipient(round_) == [orphan]
    result = runner.invoke(args=["rectification", "remind"])
    assert f"item {orphan.id} (D02) is overdue and nobody can be reminded" in result.output
    assert f"item {owned.id} " not in result.output


def test_json_history_says_who_and_when_in_utc_and_due_changes_are_audited_with_both_dates(app_ctx, assessment):
    round_, d1, users = _objects(assessment)
    item, _ = service.open_item(round_, d1, rules.MANUAL, "", "x", owner=users["coordinator"], actor=users["admin"],
                                today=date(2026, 11, 30), due_on=date(2026, 12, 30))  # fmt: skip
    service.submit_item(item, users["coordinator"], "done")
    service.set_due(item, users["admin"], due_on=date(2026, 12, 31))
    history = service.item_dict(item, "en")["history"]
    assert [h["actor"] for h in history] == ["admin@ag.example", "coord@d01.example", "admin@ag.example"]
    assert all(h["at"].endswith("+00:00") for h in history)
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rectification.due")).one()
    assert (audit.details["due_before"], audit.details["due_after"]) == ("2026-12-30", "2026-12-31")


def test_remind_without_smtp_points_to_what_the_command_line_can_do(app, runner, assessment):
    result = runner.invoke(args=["rectification", "remind"])
    assert result.exit_code != 0
    assert "flask rectification export" in result.output and "download" not in result.output


def test_report_names_the_earlier_round_of_a_carried_item(app, app_ctx, assessment):
    import io

    import docx

    from surveyapp.reporting.docx import rectification_report_docx

    round_, d1, users = _objects(assessment)
    ahead = date.today() + timedelta(days=30)
    service.open_item(round_, d1, rules.MANUAL, "", "旧问题", owner=users["coordinator"], due_on=ahead)
    second = open_round("第二轮", round_.organisation, [d1], "transparency", 1)
    service.open_item(second, d1, rules.MANUAL, "", "新问题", owner=users["coordinator"], due_on=ahead)
    with app.test_request_context():
        data = service.report_data(second, d1, "zh_Hans")
    assert {i.title: i.found_in for i in data.items} == {"旧问题": round_.name, "新问题": ""}
    texts = [p.text for p in docx.Document(io.BytesIO(rectification_report_docx(data))).paragraphs]
    assert any(t.startswith("1. 旧问题") and round_.name in t for t in texts)  # the finding says where it came from


def test_reminders_sent_from_the_web_link_the_item_with_the_sites_address(mail_config, app, assessment):
    smtp_server = mail_config
    with app.test_request_context(base_url="https://zhenggai.example.gov.cn"):
        round_, d1, users = _objects(assessment)
        item, _ = service.open_item(round_, d1, rules.MANUAL, "", "年报", owner=users["coordinator"],
                                    today=date.today() - timedelta(days=60), working_days=3)  # fmt: skip
        item_id = item.id
        assert len(service.send_overdue_reminders()) == 1
    body = smtp_server.messages[0].get_content()
    assert f"https://zhenggai.example.gov.cn/rectification/{item_id}" in body


def test_open_from_results_opens_what_it_can_count_and_names_the_rest(app_ctx):
    """In December, a dimension's 30 working days reach a year without a holiday schedule: with a ``skipped``
    list the red-line items (10 working days) still open and the others are named, instead of nothing."""
    from surveyapp.services.demo import seed_demo

    seeded = seed_demo(6, 6, seed=3)
    round_ = db.session.get(AssessmentRound, seeded.round_id)
    opened, skipped = [], []
    for department in round_.departments:
        opened += service.open_from_round_results(round_, department, today=date(2026, 11, 30), skipped=skipped)
    from flask_babel import force_locale

    with force_locale("en"):
        assert skipped and all("2027" in str(message) for _title, message in skipped)
    assert all(item.due_on.year == 2026 for item in opened)
    assert {item.source for item in opened} <= {rules.RED_LINE, rules.DIMENSION_BELOW_PASS}
    with pytest.raises(RectificationError):  # without the list: all or nothing, as before
        for department in round_.departments:
            service.open_from_round_results(round_, department, today=date(2026, 11, 30))
