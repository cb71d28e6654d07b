from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AuditEvent, User


def test_bootstrap_creates_first_admin_once_with_one_time_password(runner, client):
    result = runner.invoke(args=["users", "bootstrap"])
    assert result.exit_code == 0
    password = next(line.split(":", 1)[1].strip() for line in result.output.splitlines() if "password:" in line)
    again = runner.invoke(args=["users", "bootstrap"])
    assert "exist already" in again.output and password not in again.output

    page = client.post("/login", data={"email": "admin@localhost", "password": password}, follow_redirects=True)
    assert b'name="new_password"' in page.data, "a one-time password must be changed first"
    assert client.get("/").status_code == 302

    response = client.post(
        "/account/password",
        data={
            "current_password": password,
            "new_password": "a much better one",
            "confirm": "a much better one",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_and_recorded(app, client, create_user):
    create_user("staff@agency.example")
    response = client.post(
        "/login",
        data={"email": "staff@agency.example", "password": "wrong password"},
        headers={"Accept-Language": "en"},
    )
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent.action)).all()
    assert "auth.login_failed" in events


def test_password_change_signs_out_other_sessions(app, create_user, login):
    create_user("staff@agency.example")
    login("staff@agency.example")
    other = app.test_client()
    other.post("/login", data={"email": "staff@agency.example", "password": "correct horse battery"})
    assert other.get("/").status_code == 200
    assert b"staff@agency.example" in other.get("/").data

    client = app.test_client()
    client.post("/login", data={"email": "staff@agency.example", "password": "correct horse battery"})
    client.post(
        "/account/password",
        data={
            "current_password": "correct horse battery",
            "new_password": "new horse battery",
            "confirm": "new horse battery",
        },
    )
    assert b"staff@agency.example" in client.get("/").data, "the changing session stays signed in"
    assert b"staff@agency.example" not in other.get("/").data, "other sessions are signed out"


def test_short_new_password_names_the_rule(app, client, create_user, login):
    create_user("staff@agency.example")
    login("staff@agency.example")
    response = client.post(
        "/account/password",
        data={"current_password": "correct horse battery", "new_password": "short", "confirm": "short"},
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert "at least 10 characters" in html
    assert 'aria-describedby="new_password-error"' in html
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "staff@agency.example"))
        assert user.session_version == 1


def test_cli_creates_user_with_password_from_stdin(app, runner, create_org):
    create_org("D01")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Coord@Agency.example",
            "--role",
            "coordinator",
            "--department",
            "D01",
        ],
        input="long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "coord@agency.example"))
        assert user.role == "coordinator" and user.organisation.code == "D01"
    short = runner.invoke(
        args=["users", "create", "--email", "x@agency.example", "--role", "staff", "--department", "D01"],
        input="short\n",
    )
    assert short.exit_code != 0
    assert "at least 10 characters" in short.output
    homeless = runner.invoke(args=["users", "create", "--email", "y@agency.example", "--role", "staff"],
                             input="long enough password\n")  # fmt: skip
    assert homeless.exit_code != 0 and "must belong to a department" in homeless.output


def test_every_form_renders_a_csrf_token(app_config):
    from surveyapp.app import create_app

    app_config["WTF_CSRF_ENABLED"] = True
    client = create_app(app_config).test_client()
    assert b'name="csrf_token"' in client.get("/login").data


def test_a_refused_sign_in_keeps_no_typed_text_that_names_no_account(app, client, create_user):
    """The audit log keeps the e-mail of an existing account a refused sign-in named, but never text that
    names no account: it may be a password typed into the e-mail field (OWASP Logging Cheat Sheet). A
    keyed digest still shows repeated tries of one name as one."""
    create_user("staff@agency.example")
    mistyped = "Correct Horse 1998!"
    for email in ("staff@agency.example", mistyped, mistyped):
        client.post("/login", data={"email": email, "password": "wrong password"})
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()
        stored = " ".join(repr(event.details) for event in events)
    assert "staff@agency.example" in stored
    assert mistyped.lower() not in stored.lower() and "correct horse" not in stored.lower()
    unknown = [event.details["unknown_account"] for event in events if "unknown_account" in (event.details or {})]
    assert len(unknown) == 2 and unknown[0] == unknown[1]
