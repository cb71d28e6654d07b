"""Round pages: agency consistency (crafted posts too), edit, close through a confirmation, reopen."""

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, AuditEvent, RoundStatus
from surveyapp.models.base import utcnow
from surveyapp.services.round_lifecycle import local_datetime
from tests.helpers import sign_in, start


def _rounds(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AssessmentRound))


def _other_agency(create_org, create_user):
    agency_b = create_org("BG", kind="agency")
    foreign = create_org("B01", parent=agency_b)
    create_user("root@example.org", "sysadmin")
    return foreign


def _new_round(assessment, departments, **extra):
    data = {"name": "R2", "agency_id": str(assessment["agency"].id), "questionnaire": "transparency:1",
            "department_ids": [str(d) for d in departments]}  # fmt: skip
    data.update(extra)
    return data


def test_a_department_of_another_agency_cannot_join_by_a_crafted_post(app, assessment, create_org, create_user):
    foreign = _other_agency(create_org, create_user)
    before = _rounds(app)
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    crafted = _new_round(assessment, [assessment["d1"].id, foreign.id])
    assert admin.post("/admin/rounds/new", data=crafted).status_code in (400, 403)  # outside their scope
    root = app.test_client()
    sign_in(root, "root@example.org", lang="en")
    refused = root.post("/admin/rounds/new", data=crafted)
    assert refused.status_code == 400
    assert "do not belong to the agency AG: B01" in refused.get_data(as_text=True)
    assert _rounds(app) == before
    edit = root.post(f"/admin/rounds/{assessment['round_id']}/edit",
                     data={"name": "2026 自評", "add_department_ids": [str(foreign.id)]})  # fmt: skip
    assert edit.status_code == 400 and "B01" in edit.get_data(as_text=True)
    with app.app_context():
        codes = [d.code for d in db.session.get(AssessmentRound, assessment["round_id"]).departments]
    assert codes == ["D01", "D02"]


def test_the_round_form_lists_departments_by_agency_and_preselects_none(app, assessment, create_org, create_user):
    foreign = _other_agency(create_org, create_user)
    root = app.test_client()
    sign_in(root, "root@example.org", lang="en")
    page = root.get("/admin/rounds/new").get_data(as_text=True)
    assert "— choose the agency —" in page and "round_form.js" in page
    raw = re.search(r'data-departments="([^"]+)"', page).group(1).replace("&#34;", '"').replace("&quot;", '"')
    mapping = json.loads(raw)
    assert sorted(mapping[str(assessment["agency"].id)]) == sorted([assessment["d1"].id, assessment["d2"].id])
    assert mapping[str(foreign.parent_id)] == [foreign.id]
    missing = root.post("/admin/rounds/new", data=_new_round(assessment, [assessment["d1"].id], agency_id="0"))
    assert missing.status_code == 400 and "Choose the agency" in missing.get_data(as_text=True)
    admin = app.test_client()  # an administrator of one agency gets it preselected
    sign_in(admin, "admin@ag.example", lang="en")
    assert f'<option selected value="{assessment["agency"].id}">' in admin.get("/admin/rounds/new").text


def test_edit_refuses_a_past_deadline_and_removing_a_department_with_answers(app, assessment):
    staff = app.test_client()
    sign_in(staff, "staff@d01.example", lang="en")
    start(staff, assessment["round_id"], "staff")
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    url = f"/admin/rounds/{assessment['round_id']}/edit"
    with app.app_context():
        yesterday = (local_datetime(utcnow()) - timedelta(days=1)).date().isoformat()
        later = (local_datetime(utcnow()) + timedelta(days=7)).date().isoformat()
    past = admin.post(url, data={"name": "x", "deadline": yesterday})
    assert past.status_code == 400 and "The deadline must be in the future." in past.text
    busy = admin.post(url, data={"name": "x", "remove_department_ids": [str(assessment["d1"].id)]})
    assert busy.status_code == 400 and "D01 cannot be removed" in busy.text
    saved = admin.post(url, data={"name": "Renamed", "deadline": later}, follow_redirects=True)
    assert saved.status_code == 200 and "Renamed" in saved.text and "7 days left" in saved.text
    with app.app_context():
        round_ = db.session.get(AssessmentRound, assessment["round_id"])
        assert round_.name == "Renamed" and [d.code for d in round_.departments] == ["D01", "D02"]


def test_close_goes_through_a_confirmation_and_reopen_needs_a_reason(app, assessment):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    round_url = f"/admin/rounds/{assessment['round_id']}"
    detail = admin.get(round_url).text
    assert f'action="{round_url}/close"' not in detail, "closing is one click away"
    assert f'href="{round_url}/close"' in detail
    confirm = admin.get(f"{round_url}/close").text
    assert "Closing freezes the round" in confirm and "0 submitted responses" in confirm
    assert admin.post(f"{round_url}/close", follow_redirects=True).status_code == 200
    with app.app_context():
        assert db.session.get(AssessmentRound, assessment["round_id"]).status == RoundStatus.CLOSED
    assert f'href="{round_url}/reopen"' in admin.get(round_url).text
    no_reason = admin.post(f"{round_url}/reopen", data={"reason": ""})
    assert no_reason.status_code == 400
    reopened = admin.post(f"{round_url}/reopen", data={"reason": "D02 asked for a week more"}, follow_redirects=True)
    assert "The round is open again." in reopened.text
    with app.app_context():
        assert db.session.get(AssessmentRound, assessment["round_id"]).status == RoundStatus.OPEN
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.reopen"))
        assert event.details["reason"] == "D02 asked for a week more" and event.actor_id is not None


def test_rounds_list_command_exists_and_shows_days_left(app, assessment, runner):
    assert " list " in runner.invoke(args=["rounds", "--help"]).output
    runner.invoke(args=["rounds", "edit", "--round", str(assessment["round_id"]), "--deadline",
                        (utcnow() + timedelta(days=30)).date().isoformat()])  # fmt: skip
    listed = runner.invoke(args=["rounds", "list"]).output
    assert f"{assessment['round_id']}\topen\t" in listed and "days left" in listed and "2026 自評" in listed
    assert runner.invoke(args=["rounds", "close", "--round", str(assessment["round_id"])]).exit_code == 0
    refused = runner.invoke(args=["rounds", "reopen", "--round", str(assessment["round_id"]), "--reason", " "])
    assert refused.exit_code != 0 and "reason" in refused.output
    bad = runner.invoke(args=["rounds", "edit", "--round", str(assessment["round_id"]), "--add-departments", "AG"])
    assert bad.exit_code != 0


def test_confirmations_sent_again_after_back_say_it_is_done_already(app, assessment):
    """QA fault 10: close, Back, confirm again gave a 403; the same for reopen and revoke."""
    from surveyapp.models import Invitation

    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    round_url = f"/admin/rounds/{assessment['round_id']}"
    stale_close = admin.get(f"{round_url}/close").text
    assert "Yes, close the round" in stale_close
    admin.post(f"{round_url}/close")
    again = admin.post(f"{round_url}/close", follow_redirects=True)
    assert again.status_code == 200 and "already closed" in again.text
    with app.app_context():
        closes = db.session.scalar(select(func.count()).where(AuditEvent.action == "round.close"))
        assert closes == 1, "the second confirmation records nothing"
    admin.post(f"{round_url}/reopen", data={"reason": "asked for more time", "deadline": ""})
    twice = admin.post(f"{round_url}/reopen", data={"reason": "asked for more time"}, follow_redirects=True)
    assert twice.status_code == 200 and "open already" in twice.text
    assert "open already" in admin.get(f"{round_url}/reopen", follow_redirects=True).text
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "round.reopen")) == 1
    admin.post(f"{round_url}/invitations", data={"department_id": assessment["d1"].id, "count": 1})
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id))
    revoke_url = f"{round_url}/invitations/{invitation_id}/revoke"
    admin.post(revoke_url)
    second = admin.post(revoke_url, follow_redirects=True)
    assert second.status_code == 200 and "already revoked" in second.text and "flash-error" not in second.text


def test_long_names_can_wrap_and_the_invitation_table_stacks_on_a_phone(app, assessment):
    """QA fault 14: a 200-character name without spaces ran tables and headers off the screen."""
    from surveyapp.config import PROJECT_ROOT

    css = (PROJECT_ROOT / "surveyapp" / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert re.search(r"\.long-name[^{]*\{[^}]*overflow-wrap:\s*anywhere", css)
    assert "table.stack-on-phone" in css and re.search(r"\.inline-form select[^{]*\{[^}]*max-width:\s*100%", css)
    with app.app_context():
        round_ = db.session.get(AssessmentRound, assessment["round_id"])
        round_.name = "R" * 200
        db.session.commit()
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    rounds = admin.get("/admin/rounds").text
    assert re.search(r'<td class="long-name"><a [^>]*>R{200}</a>', rounds)
    invitations = admin.get(f"/admin/rounds/{assessment['round_id']}/invitations").text
    assert re.search(r'class="kicker long-name"', invitations) and "R" * 200 in invitations


def test_minor_round_form_faults(app, assessment):
    """QA fault 17: the round form defaulted to version 1; a department with responses was refused under
    "Add departments"; one response read "(1 responses)"."""
    staff = app.test_client()
    sign_in(staff, "staff@d01.example", lang="en")
    start(staff, assessment["round_id"], "staff")
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    new = admin.get("/admin/rounds/new").text
    assert re.search(r'<option[^>]*selected[^>]*value="transparency:2"|<option value="transparency:2" selected', new)
    url = f"/admin/rounds/{assessment['round_id']}/edit"
    form = admin.get(url).text
    assert "(1 response)" in form and "(1 responses)" not in form
    busy = admin.post(url, data={"name": "x", "remove_department_ids": [str(assessment["d1"].id)]}).text
    assert re.search(r'id="remove_department_ids-error">[^<]*D01 cannot be removed[^<]*1 response,', busy)
    assert 'id="add_department_ids-error"' not in busy
