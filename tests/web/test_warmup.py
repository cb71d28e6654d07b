"""Issue 13: the gunicorn master builds, before it forks, what every worker would otherwise build again on
its first requests after each recycle (templates, parsed questionnaires, form classes)."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import jinja2
from flask import Flask

from surveyapp.extensions import db
from surveyapp.forms import questionnaire as question_forms
from surveyapp.models import questionnaire as stored_questionnaires
from surveyapp.reporting.report import DOCUMENT_TEMPLATES
from surveyapp.services.questionnaires import get_questionnaire
from surveyapp.warmup import warm_up
from tests.helpers import sign_in, start

ROOT = Path(__file__).resolve().parents[2]


def test_a_warmed_up_app_serves_questionnaire_pages_without_compiling_or_parsing(app, assessment, monkeypatch):
    monkeypatch.setattr(stored_questionnaires, "_parsed", {})
    monkeypatch.setattr(question_forms, "_form_classes", {})
    counts = warm_up(app)

    web_templates = len(app.jinja_env.list_templates(extensions=("html",))) - len(DOCUMENT_TEMPLATES)
    assert counts["templates"] == web_templates + len(app.config["LANGUAGES"]) * len(DOCUMENT_TEMPLATES)
    with app.app_context():
        assert db.engine.pool.checkedout() == 0, "a connection of the master's would reach the workers"
        part = get_questionnaire("transparency", 1).part("staff")
    assert counts["questionnaires"] >= 1 and counts["forms"] >= len(part.sections) * 3

    def refuse(*args, **kwargs):
        raise AssertionError("built again after the warm-up")

    monkeypatch.setattr(jinja2.Environment, "compile", refuse)
    monkeypatch.setattr(stored_questionnaires, "parse_definition", refuse)
    monkeypatch.setattr(question_forms, "_build_page_form_class", refuse)
    client = app.test_client()
    for lang in app.config["LANGUAGES"]:
        sign_in(client, "staff@d01.example", lang=lang)
        response_id, _ = start(client, assessment["round_id"], "staff")
        for page in range(len(part.sections)):
            assert client.get(f"/responses/{response_id}/page/{page}").status_code == 200
        assert client.get(f"/responses/{response_id}/review").status_code == 200
        client.post("/logout")


def test_gunicorn_warms_the_preloaded_app_up_once_before_forking(app, assessment):
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    logged: list[dict] = []
    log = SimpleNamespace(info=lambda message, counts: logged.append(counts), exception=lambda message: None)
    settings["when_ready"](SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app), log=log))
    assert len(logged) == 1 and logged[0]["templates"] > 0 and logged[0]["questionnaires"] >= 1

    hello = Flask("hello")  # another app under the same settings (bench/web.py's hello world): left alone
    settings["when_ready"](SimpleNamespace(app=SimpleNamespace(wsgi=lambda: hello), log=log))
    assert len(logged) == 1


def test_warm_up_before_the_database_is_migrated_leaves_the_questionnaires_to_the_workers(tmp_path, caplog):
    from surveyapp.app import create_app

    app = create_app({"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.db"})
    with caplog.at_level("WARNING", logger="surveyapp.warmup"):
        counts = warm_up(app)
    assert counts["templates"] > 0 and counts["questionnaires"] == 0 and counts["forms"] == 0
    warnings = [record for record in caplog.records if record.name == "surveyapp.warmup"]
    assert len(warnings) == 1 and "no such table" in warnings[0].getMessage() and warnings[0].exc_info is None
