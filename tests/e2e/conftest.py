"""A live server on a free local port and Debian's Chromium driven by Playwright.

The server runs the real app (CSRF on) on a SQLite copy migrated from the project's migrations,
with users of every role, an open round of the built-in questionnaire and seeded demo data.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "correct horse battery"
USERS = {
    "staff": "staff@e2e.example",
    "coordinator": "coord@e2e.example",
    "admin": "admin@e2e.example",
    "trainer": "trainer@e2e.example",
    "staff2": "staff2@e2e.example",
}


@pytest.fixture(scope="session")
def live_app(sqlite_template, tmp_path_factory):
    return build_live_app(sqlite_template, tmp_path_factory.mktemp("e2e"))


def build_live_app(sqlite_template, directory):
    """The app on its own copy of the migrated database in ``directory``, with the users, round and demo data."""
    from surveyapp.app import create_app
    from surveyapp.extensions import db
    from surveyapp.models import Organisation
    from surveyapp.services.demo import seed_demo
    from surveyapp.services.questionnaires import load_builtin_questionnaires
    from surveyapp.services.rounds import open_round
    from surveyapp.services.users import create_user

    shutil.copy(sqlite_template, directory / "e2e.db")
    app = create_app({
        "SECRET_KEY": "e2e", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/e2e.db",
        "REPORTS_DIR": str(directory / "reports"), "UPLOADS_DIR": str(directory / "uploads"),
        "RATELIMIT_ENABLED": False, "STRICT_FONTS": True,
    })  # fmt: skip
    with app.app_context():
        load_builtin_questionnaires()
        agency = Organisation(code="CITY", kind="agency", name_zh_hans="示范市人民政府", name_zh_hant="示範市政府",
                              name_en="Demo City Government")  # fmt: skip
        education = Organisation(code="EDU", kind="department", parent=agency, name_zh_hans="教育局",
                                 name_zh_hant="教育局", name_en="Education Bureau")  # fmt: skip
        transport = Organisation(code="TRA", kind="department", parent=agency, name_zh_hans="交通运输局",
                                 name_zh_hant="交通運輸局", name_en="Transport Bureau")  # fmt: skip
        db.session.add_all([agency, education, transport])
        db.session.commit()
        open_round("2026 年度自评", agency, [education, transport], "transparency", questionnaire_version=1)
        create_user(USERS["staff"], "staff", PASSWORD, organisation=education, level="clerk", post="new_media")
        create_user(USERS["staff2"], "staff", PASSWORD, organisation=transport)
        create_user(USERS["coordinator"], "coordinator", PASSWORD, organisation=education)
        create_user(USERS["admin"], "admin", PASSWORD)
        create_user(USERS["trainer"], "trainer", PASSWORD)
        seed_demo(12, 6, seed=11)
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    yield from serve(live_app)


def serve(app):
    """Serve ``app`` on a free local port in a thread; yields its base URL, then stops it."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """``new_page(viewport=..., locale=...)``: a fresh browser context (a new device) and page."""
    contexts = []

    def factory(viewport=None, locale="zh-CN", **options):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale=locale, **options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, who: str, labels=("E-mail", "Password", "Sign in")) -> None:
    page.goto(f"{base}/login")
    page.get_by_label(labels[0]).fill(USERS[who])
    page.get_by_label(labels[1]).fill(PASSWORD)
    page.get_by_role("button", name=labels[2]).click()
