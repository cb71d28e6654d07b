"""Reminders against a real local SMTP server: to exactly those who have not submitted (in an anonymous
round to everyone asked to answer), at most N times."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, AuditEvent, Organisation, ReminderSend
from surveyapp.models.base import utcnow
from surveyapp.services.reminders import ReminderError, pending_accounts, pending_csv_rows, send_reminders
from surveyapp.services.rounds import open_round
from tests.helpers import sign_in, submit_complete

MAX = 2


@pytest.fixture
def mail_config(app_config, smtp_server):
    app_config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER="survey@ag.example",
                      REMINDER_MAX_PER_PERSON=MAX, REMINDER_MIN_HOURS=24)  # fmt: skip
    return smtp_server


def _recipients(smtp_server) -> list[str]:
    return sorted(m["X-Envelope-To"] for m in smtp_server.messages)


def _more_staff(app, create_user, assessment):
    """A second staff member whose name looks like a formula, an inactive one, and an administrator."""
    from surveyapp.models import User

    create_user("late@d01.example", "staff", organisation=assessment["d1"], display_name='=HYPERLINK("x")')
    gone = create_user("gone@d01.example", "staff", organisation=assessment["d1"])
    create_user("admin2@ag.example", "admin", organisation=assessment["agency"])
    with app.app_context():
        db.session.get(User, gone.id).active = False
        db.session.commit()


def test_reminders_go_to_exactly_those_who_have_not_submitted_at_most_n_times(
    mail_config, app, assessment, create_user
):
    smtp_server = mail_config
    _more_staff(app, create_user, assessment)
    staff = app.test_client()
    sign_in(staff, "staff@d01.example", lang="en")
    submit_complete(app, staff, assessment["round_id"], "staff")
    expected = ["coord@d01.example", "late@d01.example", "staff@d02.example"]
    with app.test_request_context():
        round_ = db.session.get(AssessmentRound, assessment["round_id"])
        assert [u.email for u in pending_accounts(round_)] == expected
        first = send_reminders(round_)
        assert sorted(u.email for u in first) == expected
        assert _recipients(smtp_server) == expected
        message = smtp_server.messages[0]
        assert message["From"] == "survey@ag.example" and round_.name in message["Subject"]
        assert send_reminders(round_) == []  # spacing: not again within 24 hours
        later = utcnow() + timedelta(hours=25)
        assert len(send_reminders(round_, now=later)) == 3
        assert send_reminders(round_, now=later + timedelta(hours=25)) == []  # at most MAX per person
        assert len(smtp_server.messages) == 3 * MAX
        assert db.session.scalar(select(db.func.count()).select_from(ReminderSend)) == 3 * MAX
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder.send")))
        assert len(events) == 3 * MAX
        assert all(set(e.details) <= {"recipient", "channel", "number"} for e in events)
        assert not any("staff@d01.example" in m["X-Envelope-To"] for m in smtp_server.messages)


def test_in_an_anonymous_round_everyone_is_reminded_and_nothing_tells_who_submitted(
    mail_config, app, assessment, runner, tmp_path
):
    smtp_server = mail_config
    with app.app_context():
        get = lambda o: db.session.get(Organisation, o.id)  # noqa: E731
        round_id = open_round("anon", get(assessment["agency"]), [get(assessment["d1"]), get(assessment["d2"])],
                              "transparency", questionnaire_version=1, anonymous=True).id  # fmt: skip
    staff = app.test_client()
    sign_in(staff, "staff@d02.example", lang="en")
    submit_complete(app, staff, round_id, "staff")
    everyone = ["coord@d01.example", "staff@d01.example", "staff@d02.example"]
    with app.test_request_context():
        round_ = db.session.get(AssessmentRound, round_id)
        sent = send_reminders(round_)
        assert sorted(u.email for u in sent) == everyone  # the one who submitted too: nothing tells them apart
        assert _recipients(smtp_server) == everyone
        body = smtp_server.messages[0].get_payload(decode=True).decode()
        assert "If you have already answered, thank you" in body
        assert "because the questionnaire is not submitted" not in body
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder.send")))
        assert len(events) == 1 and "recipient" not in events[0].details and events[0].details["count"] == 3
        assert db.session.scalar(select(db.func.count()).select_from(ReminderSend)) == 3
        assert [r[0] for r in list(pending_csv_rows(round_, "en"))[1:]] == everyone
        assert not hasattr(ReminderSend, "response_id")
    out = tmp_path / "remind.csv"
    written = runner.invoke(args=["rounds", "remind", "--round", str(round_id), "--csv", str(out)])
    assert written.exit_code == 0 and "3 people asked to answer" in written.output
    assert "not submitted" not in written.output


def test_without_smtp_the_list_downloads_as_safe_csv(app, assessment, create_user, client):
    _more_staff(app, create_user, assessment)
    with app.test_request_context():
        round_ = db.session.get(AssessmentRound, assessment["round_id"])
        with pytest.raises(ReminderError):
            send_reminders(round_)
        rows = list(pending_csv_rows(round_, "en"))
    assert rows[0][0] == "E-mail"
    assert ["late@d01.example", '=HYPERLINK("x")'] == rows[2][:2], "rows hold the values; the writer protects"
    sign_in(client, "admin@ag.example", lang="en")
    page = client.get(f"/admin/rounds/{assessment['round_id']}/reminders").get_data(as_text=True)
    assert "No SMTP server is configured" in page and "late@d01.example" in page
    download = client.get(f"/admin/rounds/{assessment['round_id']}/reminders.csv")
    assert download.status_code == 200
    table = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r[0] for r in table[1:]) == ["coord@d01.example", "late@d01.example", "staff@d01.example",
                                               "staff@d02.example"]  # fmt: skip
    assert '\'=HYPERLINK("x")' in [r[1] for r in table], "protected once"


def test_remind_command_and_the_web_button_send_what_is_due(mail_config, app, assessment, runner, client):
    smtp_server = mail_config
    result = runner.invoke(args=["rounds", "remind", "--round", str(assessment["round_id"])])
    assert result.exit_code == 0, result.output
    assert "3 reminders sent" in result.output
    sign_in(client, "admin@ag.example", lang="en")
    answer = client.post(f"/admin/rounds/{assessment['round_id']}/reminders", follow_redirects=True)
    assert "0 reminders sent" in answer.get_data(as_text=True)
    assert len(smtp_server.messages) == 3


def test_staff_see_a_banner_until_they_submit(app, assessment, client):
    with app.app_context():
        from surveyapp.services.round_lifecycle import edit_round

        edit_round(db.session.get(AssessmentRound, assessment["round_id"]), None,
                   deadline=utcnow() + timedelta(days=5, hours=1))  # fmt: skip
    sign_in(client, "staff@d01.example", lang="en")
    page = client.get("/").get_data(as_text=True)
    assert "Open questionnaire: 2026 自評" in page and "days left" in page
    submit_complete(app, client, assessment["round_id"], "staff")
    assert "Open questionnaire" not in client.get("/").get_data(as_text=True)


def test_pending_among_given_accounts_counts_only_departments_of_the_round(app, assessment, create_org, create_user):
    """The banner's question (``among``): an account of a department outside the round is never pending in it."""
    outside = create_org("D09", parent=assessment["agency"], name="外部局")
    create_user("staff@d09.example", "staff", organisation=outside)
    with app.app_context():
        from surveyapp.models import User

        round_ = db.session.get(AssessmentRound, assessment["round_id"])
        inside = db.session.scalar(select(User).where(User.email == "staff@d01.example"))
        stranger = db.session.scalar(select(User).where(User.email == "staff@d09.example"))
        assert [u.email for u in pending_accounts(round_, among=[inside, stranger])] == ["staff@d01.example"]
        assert pending_accounts(round_, among=[stranger]) == []


def test_remind_command_without_smtp_refuses_or_writes_the_csv(app, assessment, runner, tmp_path):
    refused = runner.invoke(args=["rounds", "remind", "--round", str(assessment["round_id"])])
    assert refused.exit_code != 0 and "No SMTP server is configured" in refused.output
    out = tmp_path / "pending.csv"
    written = runner.invoke(args=["rounds", "remind", "--round", str(assessment["round_id"]), "--csv", str(out)])
    assert written.exit_code == 0 and "3 people have not submitted" in written.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert sorted(r[0] for r in rows[1:]) == ["coord@d01.example", "staff@d01.example", "staff@d02.example"]
