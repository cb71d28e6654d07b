"""Accounts, lockout, rate limits, invitations, anonymous rounds, closing, audit and headers."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AuditEvent, Invitation, Organisation, Response, User
from surveyapp.models.base import utcnow
from tests.helpers import page_data, sign_in, start, submit_complete

TEMPLATES = Path(__file__).resolve().parents[2] / "surveyapp" / "templates"


def actions(app):
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_repeated_failures_delay_sign_in_and_reset_by_administrator(app, create_user, monkeypatch):
    from surveyapp.services import login_throttle, users

    now = utcnow()  # a stopped clock: the delay must not run out on a slow machine
    monkeypatch.setattr(users, "utcnow", lambda: now)
    monkeypatch.setattr(login_throttle, "utcnow", lambda: now)
    create_user("staff@agency.example")
    create_user("admin@agency.example", "admin")
    client = app.test_client()
    for _ in range(app.config["LOGIN_THROTTLE_FREE_FAILURES"] + 1):
        page = client.post(
            "/login",
            data={"email": "staff@agency.example", "password": "wrong wrong"},
            headers={"Accept-Language": "en"},
        )
    assert "wait 1 second before" in page.get_data(as_text=True)
    right = client.post(
        "/login",
        data={"email": "staff@agency.example", "password": "correct horse battery"},
        headers={"Accept-Language": "en"},
    )
    assert right.status_code == 200 and "before the next try" in right.get_data(as_text=True), (
        "while the delay runs even the right password is not checked"
    )
    assert {"auth.login_failed", "auth.login_throttled"} <= set(actions(app))

    admin = app.test_client()
    sign_in(admin, "admin@agency.example", lang="en")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "staff@agency.example"))
    page = admin.post(f"/admin/users/{user_id}/reset-password").get_data(as_text=True)
    password = re.search(r"<code>([^<]+)</code>", page).group(1)
    again = app.test_client()
    response = again.post("/login", data={"email": "staff@agency.example", "password": password})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert again.get("/").headers["Location"].endswith("/account/password"), "a one-time password must be changed"


def test_sign_in_attempts_are_rate_limited(app_config, create_user):
    from surveyapp.app import create_app
    from surveyapp.extensions import limiter

    app_config["LOGIN_RATE_LIMIT"] = "3 per minute"
    app = create_app(app_config)
    with app.app_context():
        limiter.reset()  # the in-memory counters are per process; start from zero
    client = app.test_client()
    codes = [client.post("/login", data={"email": "x@y.z", "password": "nope"}).status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    assert "Too many requests" in client.post("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_every_rate_limited_view_is_listed_for_the_limiter(app):
    """The limiter skips requests to endpoints outside RATE_LIMITED_ENDPOINTS (issue 13), so a view that
    gets a ``limiter.limit`` must be listed there, or its limit would silently never apply."""
    from flask_limiter.util import get_qualified_name

    from surveyapp.extensions import RATE_LIMITED_ENDPOINTS, limiter

    decorated = set(limiter.limit_manager._decorated_limits)  # qualified names of the decorated views
    limited = {endpoint for endpoint, view in app.view_functions.items() if get_qualified_name(view) in decorated}
    assert "auth.login" in limited
    assert limited <= RATE_LIMITED_ENDPOINTS, sorted(limited - RATE_LIMITED_ENDPOINTS)


def test_session_cookie_flags(app_config, create_user):
    from surveyapp.app import create_app

    app_config["SESSION_COOKIE_SECURE"] = True
    app = create_app(app_config)
    create_user("staff@agency.example")
    response = app.test_client().post(
        "/login", data={"email": "staff@agency.example", "password": "correct horse battery"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_security_headers_and_no_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    for path in TEMPLATES.rglob("*.html"):
        if "reports" in path.parts:
            continue  # PDF templates are rendered by WeasyPrint, never served
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline script in {path}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {path}"
        assert not re.search(r"\sstyle\s*=", text), f"inline style in {path}"


def invitation_tokens(app, assessment, count=2):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    page = admin.post(
        f"/admin/rounds/{assessment['round_id']}/invitations",
        data={"department_id": assessment["d1"].id, "count": count, "label": "new staff"},
        follow_redirects=True,
    )
    links = re.findall(r'<code class="link">(http[^<]+)</code>', page.get_data(as_text=True))
    assert len(links) == count
    return [link.rsplit("/invite/", 1)[1] for link in links]


def test_invitation_is_single_use_and_lets_an_invitee_answer(app, assessment):
    token, _ = invitation_tokens(app, assessment)
    invitee = app.test_client()
    assert invitee.get(f"/invite/{token}").status_code == 200, "opening the page does not use the link"
    started = invitee.post(f"/invite/{token}")
    assert started.status_code == 302
    response_id = int(started.headers["Location"].split("/responses/")[1].split("/")[0])
    with app.app_context():
        from surveyapp.services.questionnaires import get_questionnaire

        part = get_questionnaire("transparency", 1).part("staff")
    assert invitee.post(f"/responses/{response_id}/page/0", data=page_data(part, 0)).status_code == 302
    replay = app.test_client().post(f"/invite/{token}", headers={"Accept-Language": "en"})
    assert replay.status_code == 410 and "used already" in replay.get_data(as_text=True)
    stranger = app.test_client()
    assert stranger.get(f"/responses/{response_id}/page/0").status_code == 302, "others must sign in"
    with app.app_context():
        response = db.session.get(Response, response_id)
        assert response.user_id is None and response.owner_key.startswith("invite:")
    assert {"invitation.create", "invitation.use", "invitation.replay"} <= set(actions(app))


def test_tampered_and_expired_invitations_are_refused(app, assessment):
    first, second = invitation_tokens(app, assessment)
    client = app.test_client()
    tampered = first[:-3] + ("AAA" if not first.endswith("AAA") else "BBB")
    response = client.post(f"/invite/{tampered}", headers={"Accept-Language": "en"})
    assert response.status_code == 410 and "not valid" in response.get_data(as_text=True)
    with app.app_context():
        for invitation in db.session.scalars(select(Invitation)):
            invitation.expires_at = utcnow().replace(year=2020)
        db.session.commit()
    expired = client.post(f"/invite/{second}", headers={"Accept-Language": "en"})
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response).where(Response.owner_key.startswith("invite:"))) is None


def test_anonymous_round_keeps_department_not_person(app, create_org, create_user):
    from datetime import datetime

    from sqlalchemy import func

    from surveyapp.services.questionnaires import load_builtin_questionnaires
    from surveyapp.services.rounds import open_round

    agency = create_org("AG", kind="agency")
    department = create_org("D01", parent=agency)
    create_user("staff@d01.example", "staff", organisation=department, level="section", post="new_media")
    with app.app_context():
        load_builtin_questionnaires()
        round_id = open_round(
            "Anon",
            db.session.get(Organisation, agency.id),
            [db.session.get(Organisation, department.id)],
            "transparency",
            questionnaire_version=1,
            anonymous=True,
        ).id
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id = submit_complete(app, client, round_id, "staff")
    # Sealed on submit: nothing links the response to anyone any more, its respondent included.
    assert client.get(f"/responses/{response_id}").status_code == 403
    again = client.post(f"/rounds/{round_id}/staff/start")
    assert again.status_code == 302 and again.headers["Location"].endswith("/my")
    assert "sealed" in client.get("/my").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 1, "no second response was started"
        response = db.session.get(Response, response_id)
        assert response.user_id is None and "staff@d01.example" not in response.owner_key
        assert response.owner_key.startswith("sealed:") and str(response.organisation_id) == str(department.id)
        assert response.submitted_at.time() == response.started_at.time() == datetime.min.time()
        # One person with this level and post: fewer than the minimum group size, so neither is kept.
        assert (response.staff_level, response.staff_post) == (None, None)
        submit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.submit"))
        assert submit.details["part"] == "staff" and "overall" not in submit.details
        assert (submit.actor_id, submit.ip_address, submit.object_type) == (None, None, "assessment_rounds")


def test_closed_round_is_frozen(app, assessment):
    staff = app.test_client()
    sign_in(staff, "staff@d01.example", lang="en")
    response_id, _ = start(staff, assessment["round_id"], "staff")
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    admin.post(f"/admin/rounds/{assessment['round_id']}/close")
    edit = staff.post(f"/responses/{response_id}/page/0", data={"action": "save", "d1_s01": "3"})
    assert edit.status_code == 409 and "closed" in edit.get_data(as_text=True)
    assert staff.post(f"/rounds/{assessment['round_id']}/staff/start").status_code == 409
    assert "round.close" in actions(app)


def test_administrator_opens_a_round_and_manages_accounts(app, assessment):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    form = admin.get("/admin/rounds/new").get_data(as_text=True)
    assert "transparency:1" in form
    opened = admin.post(
        "/admin/rounds/new",
        data={
            "name": "2027",
            "agency_id": assessment["agency"].id,
            "department_ids": [assessment["d1"].id],
            "questionnaire": "transparency:1",
            "deadline": "2027-03-31",
        },
    )
    assert opened.status_code == 302
    created = admin.post(
        "/admin/users/new",
        data={"email": "new@d01.example", "role": "coordinator", "organisation_id": assessment["d1"].id, "active": "y"},
    )
    assert "One-time password" in created.get_data(as_text=True)
    escalate = admin.post(
        "/admin/users/new",
        data={"email": "evil@d01.example", "role": "sysadmin", "organisation_id": assessment["d1"].id},
    )
    assert escalate.status_code == 400
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@d01.example"))
        assert user.must_change_password and user.role == "coordinator"
        assert db.session.scalar(select(User).where(User.email == "evil@d01.example")) is None
        user_id = user.id
    admin.post(
        f"/admin/users/{user_id}",
        data={"email": "new@d01.example", "role": "staff", "organisation_id": assessment["d1"].id, "active": "y"},
    )
    with app.app_context():
        assert db.session.get(User, user_id).role == "staff"
    assert {"round.open", "account.create", "account.role_change"} <= set(actions(app))


@pytest.mark.slow
def test_audit_log_records_each_kind_of_action_and_exports(app, assessment, create_user):
    create_user("root@example.org", "sysadmin")
    client = app.test_client()
    client.post("/login", data={"email": "staff@d01.example", "password": "bad password"})
    sign_in(client, "staff@d01.example", lang="en")
    response_id = submit_complete(app, client, assessment["round_id"], "staff")
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    admin.post(f"/responses/{response_id}/reopen")
    admin.get(f"/rounds/{assessment['round_id']}/departments/{assessment['d1'].id}/scorecard.pdf?lang=en")
    root = app.test_client()
    sign_in(root, "root@example.org", lang="en")
    page = root.get("/admin/audit?action=response").get_data(as_text=True)
    assert "response.submit" in page and "auth.login" not in page
    csv_text = root.get("/admin/audit.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("\ufeffid,time_utc,actor,action"), "a BOM, then the header"
    recorded = set(actions(app))
    expected = {
        "auth.login",
        "auth.login_failed",
        "response.start",
        "response.submit",
        "response.reopen",
        "report.download",
        "audit.export",
        "account.create",
        "round.open",
        "questionnaire.load",
    }
    assert expected <= recorded, expected - recorded
    with app.app_context():
        login = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login"))
        assert login.actor_id is not None and login.ip_address == "127.0.0.1"


def test_organisation_csv_import_names_row_and_column_and_is_all_or_nothing(app, runner, tmp_path):
    bad = tmp_path / "org.csv"
    bad.write_text(
        "code,kind,parent_code,name_zh_hans,name_zh_hant,name_en\n"
        "CITY,agency,,市政府,市政府,City\n"
        "EDU,department,CITY,,教育局,Education\n"
        "TRA,bureau,NOPE,交通局,交通局,Transport\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["org", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: row 3: name_zh_hans: empty" in result.output
    assert (
        f"{bad}: row 4: kind: 'bureau'" in result.output
        and f"{bad}: row 4: parent_code: no organisation 'NOPE'" in result.output
    )
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.code == "CITY")) is None
    good = tmp_path / "good.csv"
    good.write_text(
        "code,kind,parent_code,name_zh_hans,name_zh_hant,name_en\n"
        "EDU,department,CITY,教育局,教育局,Education\n"
        "CITY,agency,,市政府,市政府,City\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["org", "import", str(good)]).exit_code == 0
    exported = runner.invoke(args=["org", "export"]).output
    assert "EDU,department,CITY,教育局,教育局,Education" in exported


@pytest.mark.slow
@pytest.mark.parametrize("command", [["bandit", "-q", "-r", "surveyapp", "-ll"]])
def test_static_security_scan_is_clean(command):
    import shutil
    import subprocess
    import sys

    executable = shutil.which(command[0], path=str(Path(sys.executable).parent))
    assert executable, "bandit is installed with the dev requirements"
    result = subprocess.run(
        [executable, *command[1:]], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    assert result.returncode == 0, result.stdout + result.stderr
