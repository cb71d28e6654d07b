"""Fixtures: an app per test on each database backend, a client, and factory fixtures.

Every test that uses ``app`` runs on SQLite, and also on PostgreSQL when one is reachable
(``SURVEYAPP_TEST_POSTGRES_URL``, default the CI machine's ``postgres`` user on 127.0.0.1:5432).
Each backend's test database is migrated from scratch with the project's migrations and
dropped at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from surveyapp.app import create_app

POSTGRES_ADMIN_URL = os.environ.get(
    "SURVEYAPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
_backends_used: set[str] = set()


def _postgres_reachable() -> bool:
    try:
        import psycopg

        url = make_url(POSTGRES_ADMIN_URL)
        with psycopg.connect(
            host=url.host, port=url.port or 5432, user=url.username, dbname=url.database, connect_timeout=3
        ):
            return True
    except Exception:
        return False


POSTGRES_AVAILABLE = _postgres_reachable()


def _base_config(database_url: str, tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "REPORTS_DIR": str(tmp_path / "reports"),
        "UPLOADS_DIR": str(tmp_path / "uploads"),
        "PASSWORD_MIN_LENGTH": 10,
        "STRICT_FONTS": True,
    }


def _migrate(database_url: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_base_config(database_url, tmp_path))
    with app.app_context():
        upgrade()
        from surveyapp.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once; each test gets its own copy."""
    directory = tmp_path_factory.mktemp("sqlite-template")
    path = directory / "template.db"
    _migrate(f"sqlite:///{path}", directory)
    return path


@pytest.fixture(scope="session")
def postgres_database(tmp_path_factory):
    """A fresh PostgreSQL database for this run, migrated from scratch, dropped afterwards."""
    if not POSTGRES_AVAILABLE:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    import psycopg

    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"surveyapp_test_{uuid.uuid4().hex[:10]}"
    connect_args = dict(host=admin.host, port=admin.port or 5432, user=admin.username, dbname=admin.database)
    with psycopg.connect(**connect_args, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    _migrate(url, tmp_path_factory.mktemp("pg"))
    yield url
    with psycopg.connect(**connect_args, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres(app) -> None:
    from surveyapp.extensions import db

    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def app_config(backend, request, tmp_path) -> dict:
    """The test app's configuration; override per test with ``@pytest.mark.parametrize`` or by
    requesting this fixture and editing it before ``app`` is created."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_database")
    return _base_config(url, tmp_path)


@pytest.fixture
def app(app_config, backend):
    """The app, with no context pushed: each test-client request gets its own, as in production."""
    app = create_app(app_config)
    _backends_used.add(backend)
    yield app
    with app.app_context():
        from surveyapp.extensions import db

        db.session.remove()
        if backend == "postgresql":
            _empty_postgres(app)
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    """An application context for tests that call services or query the database directly."""
    with app.app_context():
        yield app


def _detached(obj):
    """Load an object's columns and detach it, so a test can read it outside the context."""
    from surveyapp.extensions import db

    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def create_org(app):
    """Factory: ``create_org(code, kind="department", parent=None)``."""
    from surveyapp.extensions import db
    from surveyapp.models import Organisation

    def factory(code: str, kind: str = "department", parent=None, name: str | None = None):
        with app.app_context():
            org = Organisation(
                code=code,
                kind=kind,
                parent_id=getattr(parent, "id", None),
                name_zh_hans=name or f"{code} 部门",
                name_zh_hant=name or f"{code} 部門",
                name_en=name or f"{code} department",
            )
            db.session.add(org)
            db.session.commit()
            return _detached(org)

    return factory


@pytest.fixture
def create_user(app):
    """Factory: ``create_user(email, role="staff", password="correct horse", **fields)``.

    Staff and coordinators must belong to a department: without ``organisation=`` they get one (code TESTDEPT)."""
    from sqlalchemy import select

    from surveyapp.extensions import db
    from surveyapp.models import Organisation
    from surveyapp.services.users import create_user as create
    from surveyapp.services.users import needs_department

    def factory(email: str, role: str = "staff", password: str = "correct horse battery", **fields):
        with app.app_context():
            if fields.get("organisation") is not None:
                fields["organisation"] = db.session.get(Organisation, fields["organisation"].id)
            elif needs_department(role, None):
                department = db.session.scalar(select(Organisation).where(Organisation.code == "TESTDEPT"))
                if department is None:
                    department = Organisation(code="TESTDEPT", kind="department", name_zh_hans="测试部门",
                                              name_zh_hant="測試部門", name_en="Test department")  # fmt: skip
                    db.session.add(department)
                fields["organisation"] = department
            user, _ = create(email, role, password, **fields)
            return _detached(user)

    return factory


@pytest.fixture
def login(client):
    """``login(email, password)`` signs the test client in and returns the response."""

    def do_login(email: str, password: str = "correct horse battery"):
        return client.post("/login", data={"email": email, "password": password}, follow_redirects=True)

    return do_login


@pytest.fixture
def assessment(app, create_org, create_user):
    """An agency with two departments in one open round of the built-in instrument."""
    agency = create_org("AG", kind="agency")
    d1 = create_org("D01", parent=agency, name="教育局")
    d2 = create_org("D02", parent=agency, name="交通局")
    from surveyapp.extensions import db
    from surveyapp.models import Organisation
    from surveyapp.services.questionnaires import load_builtin_questionnaires
    from surveyapp.services.rounds import open_round

    with app.app_context():
        load_builtin_questionnaires()
        round_ = open_round(
            "2026 自評",
            db.session.get(Organisation, agency.id),
            [db.session.get(Organisation, d1.id), db.session.get(Organisation, d2.id)],
            "transparency",
            questionnaire_version=1,  # the tests answer version 1's items
        )
        round_id = round_.id
    users = {
        "staff": create_user("staff@d01.example", "staff", organisation=d1),
        "coordinator": create_user("coord@d01.example", "coordinator", organisation=d1),
        "other_staff": create_user("staff@d02.example", "staff", organisation=d2),
        "admin": create_user("admin@ag.example", "admin", organisation=agency),
    }
    return {"round_id": round_id, "users": users, "d1": d1, "d2": d2, "agency": agency}


def pytest_collection_modifyitems(items):
    """Browser tests are slow tests too, so ``-m "not slow"`` is the whole quick loop."""
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter):
    ran = ", ".join(sorted(_backends_used)) or "none"
    terminalreporter.write_line(f"database backends exercised: {ran}")
    if not POSTGRES_AVAILABLE:
        terminalreporter.write_line(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: its tests were skipped")


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free local port; ``.messages`` holds what it received as
    ``email.message.EmailMessage`` objects, ``.host`` / ``.port`` where to send."""
    import socket
    from email import message_from_bytes
    from email.policy import default

    from aiosmtpd.controller import Controller

    class Collector:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            message = message_from_bytes(envelope.original_content, policy=default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(message)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.host, handler.port = "127.0.0.1", port
    yield handler
    controller.stop()
