"""A round after opening: edit, close, reopen, and deadlines that close it by themselves."""

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, AuditEvent, Organisation, RoundStatus
from surveyapp.models.base import utcnow
from surveyapp.services.round_lifecycle import (
    days_left,
    deadline_from_date,
    edit_round,
    local_datetime,
    reopen_round,
)
from surveyapp.services.rounds import RoundError, close_round, open_round
from tests.helpers import page_data, sign_in, start


@pytest.fixture
def en(app):
    """A request context in English, so refusals can be read."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        yield app


def _round(assessment) -> AssessmentRound:
    return db.session.get(AssessmentRound, assessment["round_id"])


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_deadline_in_the_past_is_refused_everywhere(en, assessment):
    agency = db.session.get(Organisation, assessment["agency"].id)
    d1 = db.session.get(Organisation, assessment["d1"].id)
    today = local_datetime(utcnow()).date()  # in the agency's time zone
    with pytest.raises(RoundError, match="future"):
        deadline_from_date(today - timedelta(days=1))
    with pytest.raises(RoundError, match="future"):
        open_round("late", agency, [d1], "transparency", deadline=utcnow() - timedelta(minutes=1))
    with pytest.raises(RoundError, match="future"):
        edit_round(_round(assessment), None, deadline=utcnow() - timedelta(minutes=1))
    assert _round(assessment).deadline is None
    future = deadline_from_date(today + timedelta(days=10))
    edit_round(_round(assessment), None, deadline=future)
    assert days_left(_round(assessment)) == 10


def test_departments_of_another_agency_are_refused(assessment, create_org, en):
    other_agency = create_org("BG", kind="agency")
    foreign = db.session.get(Organisation, create_org("B01", parent=other_agency).id)
    agency = db.session.get(Organisation, assessment["agency"].id)
    d1 = db.session.get(Organisation, assessment["d1"].id)
    with pytest.raises(RoundError, match="B01"):
        open_round("mixed", agency, [d1, foreign], "transparency")
    with pytest.raises(RoundError, match="B01"):
        edit_round(_round(assessment), None, add=[foreign])
    with pytest.raises(RoundError, match="AG"):  # the agency itself is not one of its departments
        edit_round(_round(assessment), None, add=[agency])
    assert foreign not in _round(assessment).departments


def test_a_department_with_answers_cannot_be_removed(app, assessment, create_org):
    staff = app.test_client()
    sign_in(staff, "staff@d01.example", lang="en")
    start(staff, assessment["round_id"], "staff")
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        round_ = _round(assessment)
        d1 = db.session.get(Organisation, assessment["d1"].id)
        d2 = db.session.get(Organisation, assessment["d2"].id)
        with pytest.raises(RoundError, match="D01 cannot be removed.*1 response,"):
            edit_round(round_, None, remove=[d1])
        edit_round(round_, None, name="renamed", remove=[d2])
        assert [d.code for d in _round(assessment).departments] == ["D01"]
        assert _round(assessment).name == "renamed"
        (event,) = _events("round.edit")
        assert event.details["removed"] == ["D02"] and event.details["name"] == ["2026 自評", "renamed"]
        with pytest.raises(RoundError):
            edit_round(_round(assessment), None, remove=[d1])  # would leave none, and D01 has answers


def test_reopen_needs_a_reason_and_a_future_deadline_and_is_audited(en, assessment):
    round_ = _round(assessment)
    with pytest.raises(RoundError, match="closed"):
        reopen_round(round_, None, "why")
    close_round(round_, None)
    with pytest.raises(RoundError, match="reason"):
        reopen_round(round_, None, "  ")
    round_.deadline = utcnow() - timedelta(hours=1)  # the round closed at its deadline
    db.session.commit()
    with pytest.raises(RoundError, match="new deadline"):
        reopen_round(round_, None, "late department")
    new = deadline_from_date(date.today() + timedelta(days=3))
    reopen_round(round_, None, "late department", new)
    assert _round(assessment).status == RoundStatus.OPEN and _round(assessment).deadline == new
    (event,) = _events("round.reopen")
    assert event.details["reason"] == "late department"


def test_the_round_closes_by_itself_at_its_deadline_close_due(app, assessment, runner):
    with app.app_context():
        edit_round(_round(assessment), None, deadline=utcnow() + timedelta(seconds=1))
        assert _round(assessment).is_open
    time.sleep(1.5)
    result = runner.invoke(args=["rounds", "close-due"])
    assert result.exit_code == 0, result.output
    assert "1 rounds closed" in result.output
    with app.app_context():
        assert _round(assessment).status == RoundStatus.CLOSED
        (event,) = _events("round.close")
        assert event.details["reason"] == "deadline" and event.actor_id is None
    assert "0 rounds closed" in runner.invoke(args=["rounds", "close-due"]).output


def test_after_the_deadline_a_save_is_refused_even_if_nobody_ran_close_due(app, assessment):
    staff = app.test_client()
    sign_in(staff, "staff@d01.example", lang="en")
    response_id, _page = start(staff, assessment["round_id"], "staff")
    with app.app_context():
        part = _round(assessment).questionnaire.part("staff")
        edit_round(_round(assessment), None, deadline=utcnow() + timedelta(seconds=1))
    assert staff.post(f"/responses/{response_id}/page/0", data=page_data(part, 0)).status_code == 302
    time.sleep(1.5)
    refused = staff.post(f"/responses/{response_id}/page/1", data=page_data(part, 1))
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "The deadline of this round" in body and "has passed" in body and "Nothing was saved." in body
    with app.app_context():
        assert _round(assessment).status == RoundStatus.CLOSED  # closed on access, audited
        assert _events("round.close")[0].details["reason"] == "deadline"
        from surveyapp.models import Response
        from surveyapp.services.answers import answers_of

        saved = answers_of(db.session.get(Response, response_id))
        assert not set(saved) & {i.key for i in part.sections[1].items}
    assert staff.post(f"/responses/{response_id}/submit").status_code == 303
    assert "/my" in staff.get("/my").request.path  # the round no longer offered
    my = staff.get("/my").get_data(as_text=True)  # listed as closed (QA fault 7), never offered to answer
    assert "Closed rounds" in my and f"/rounds/{assessment['round_id']}/staff/start" not in my


def test_a_deadline_is_scheduled_on_rq_when_redis_is_configured(app_config, create_org):
    redis = pytest.importorskip("redis")
    try:
        connection = redis.Redis.from_url("redis://127.0.0.1:6379/15")
        connection.ping()
    except Exception:
        pytest.skip("Redis not reachable on 127.0.0.1:6379")
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from surveyapp.app import create_app
    from surveyapp.services.questionnaires import load_builtin_questionnaires

    app_config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    app = create_app(app_config)
    agency = create_org("RQ", kind="agency")
    department = create_org("RQ1", parent=agency)
    with app.app_context():
        load_builtin_questionnaires()
        deadline = deadline_from_date(date.today() + timedelta(days=2))
        chosen = [db.session.get(Organisation, department.id)]
        round_ = open_round("scheduled", db.session.get(Organisation, agency.id), chosen, "transparency",
                            deadline=deadline)  # fmt: skip
        registry = ScheduledJobRegistry(queue=Queue("surveyapp", connection=connection))
        jobs = [registry.job_class.fetch(i, connection=connection) for i in registry.get_job_ids()]
        mine = [j for j in jobs if j.func_name == "surveyapp.jobs.close_due_rounds"]
        assert mine, "no close job scheduled"
        when = registry.get_scheduled_time(mine[-1].id).replace(tzinfo=None)
        assert abs((when - deadline).total_seconds()) < 2
        for job in mine:
            registry.remove(job, delete_job=True)
        assert round_.is_open
        db.session.remove()
        db.engine.dispose()
