"""No server error and nothing lost: database failures, ids out of range, health, user text in
charts, evidence files and transactions, reads that write nothing (issue 16, items 3–5)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import create_engine, event, func, select

from surveyapp.app import create_app
from surveyapp.extensions import db
from surveyapp.models import Answer, AssessmentRound, Response
from surveyapp.routing import MAX_ID
from tests.helpers import page_data, seed, sign_in, start
from tests.web.test_reports import seeded  # noqa: F401  (fixture)
from tests.web.test_respond import get_part, stored_answers


@pytest.fixture
def break_database(app):
    """``break_database()`` points the app's engine at a PostgreSQL port where nothing listens
    (the database is down); the real engine is put back after the test."""
    engines = app.extensions["sqlalchemy"]._app_engines[app]
    real = engines[None]

    def down() -> None:
        engines[None] = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")

    yield down
    engines[None].dispose()
    engines[None] = real


@pytest.mark.parametrize("lang, title", [("zh_Hant", "暫時無法使用"), ("en", "Temporarily unavailable")])
def test_database_down_gives_signed_in_users_the_translated_page(app, assessment, break_database, lang, title):  # noqa: F811
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang=lang)
    break_database()
    for path in ("/my", f"/rounds/{assessment['round_id']}/staff/start", "/"):
        response = client.post(path) if path.endswith("/start") else client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert title in html and f'lang="{lang.replace("_", "-")}"' in html, path
        assert "Internal Server Error" not in html and "Traceback" not in html


def test_a_database_failure_mid_request_rolls_back_and_shows_the_translated_page(app, assessment):  # noqa: F811
    """A write fails half-way (a constraint the view did not expect); the handler rolls the
    session back first, so the page (which loads the signed-in user again) still renders."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.post("/test-only/broken-write")
    def broken_write():
        from flask_login import current_user

        from surveyapp.models import Organisation

        current_user.email  # noqa: B018  (the user is loaded in this transaction)
        db.session.add(Organisation(code="D01", kind="department", name_zh_hans="x", name_zh_hant="x", name_en="x"))
        db.session.flush()  # duplicate code: IntegrityError, the session is now unusable
        return "unreachable"

    client = app.test_client()
    sign_in(client, "admin@ag.example", lang="zh_Hant")
    response = client.post("/test-only/broken-write")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "同時被更改" in html and 'lang="zh-Hant"' in html
    assert "Internal Server Error" not in html


def test_ids_out_of_range_in_any_url_are_404(app, assessment, create_user):  # noqa: F811
    create_user("root@agency.example", "admin")
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    checked = 0
    for rule in app.url_map.iter_rules():
        ids = [name for name, converter in rule._converters.items() if converter.__class__.__name__ == "IdConverter"]
        if not ids:
            continue
        for bad in (str(MAX_ID + 1), str(2**63), "9" * 40, "-1", "00000000001"):
            values = {name: 1 for name in rule.arguments}
            values.update({name: "x" for name in rule.arguments if name not in ids})
            path = rule.rule
            for name in rule.arguments:
                path = re.sub(rf"<[^>]*\b{name}>", bad if name in ids else str(values[name]), path)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = client.open(path, method=method)
                assert response.status_code == 404, (method, path, response.status_code)
                checked += 1
    assert checked > 50
    # The largest id that fits is an ordinary "not found", not a database error.
    assert client.get(f"/responses/{MAX_ID}").status_code == 404
    # Ids in the query string name nothing when out of range.
    round_id = assessment["round_id"]
    for query in (f"round={MAX_ID + 1}", f"round={round_id}&agency={2**63}", f"round={round_id}&agency=-1",
                  f"round={round_id}&highlight={'9' * 30}"):  # fmt: skip
        for path in ("/compare", "/compare/chart/spread.svg", "/compare/chart/heatmap.svg"):
            assert client.get(f"{path}?{query}").status_code in (200, 404), (path, query)
    # Page numbers out of range are the first page, not an OFFSET the database refuses.
    create_user("sys@agency.example", "sysadmin")
    sysadmin = app.test_client()
    sign_in(sysadmin, "sys@agency.example", lang="en")
    for path in ("/admin/audit", f"/compare?round={round_id}", f"/compare/training?round={round_id}"):
        assert sysadmin.get(f"{path}&page={'9' * 30}" if "?" in path else f"{path}?page={'9' * 30}").status_code == 200


def test_healthz_is_503_until_migrations_are_at_head(tmp_path):
    from flask_migrate import downgrade, upgrade

    config = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}"}
    app = create_app(config)
    client = app.test_client()
    empty = client.get("/healthz")
    assert empty.status_code == 503 and empty.get_json()["database"] == "outdated"
    with app.app_context():
        upgrade()
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        downgrade(revision="-1")
    assert client.get("/healthz").get_json() == {"status": "degraded", "database": "outdated"}


HOSTILE_ROUND = "2026 Q3 $x^$ review"


def test_round_name_with_dollars_breaks_no_scorecard_now_or_later(app, seeded):  # noqa: F811
    from surveyapp.services.rounds import open_round
    from surveyapp.services.scorecards import department_scorecard_data, round_context

    with app.app_context():
        first = db.session.get(AssessmentRound, seeded["round_id"])
        first.name = HOSTILE_ROUND
        db.session.commit()
        later = open_round("2027 Q1", first.organisation, list(first.departments), first.questionnaire_key).id
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    org_id = seeded["departments"][0][0]
    for round_id in (seeded["round_id"], later):
        pdf = client.get(f"/rounds/{round_id}/departments/{org_id}/scorecard.pdf?lang=en")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF"), round_id
    with app.app_context():
        later_round = db.session.get(AssessmentRound, later)
        data = department_scorecard_data(round_context(later_round), later_round.departments[0], "en")
    assert data.trend_rounds == (HOSTILE_ROUND, "2027 Q1"), "the earlier round is on the later scorecard's trend"
    trend = client.get(f"/compare/chart/trend.svg?round={later}")
    assert trend.status_code == 200 and "$x^$" in trend.get_data(as_text=True)


@pytest.mark.parametrize("name", ["$x^$", r"$\frac{1}{$", "a_b^c $$", "$$\\undefined$$", "\\(x\\)"])
def test_every_chart_shows_user_text_as_written(name):
    from surveyapp.reporting import charts

    drawn = [
        charts.radar_chart([name, "b", "c"], [1, 2, 3], "en", value_label=name, peer_label=name),
        charts.bar_chart([name], [50], "en", bands=[(60, name)], missing_label=name),
        charts.spread_chart([name], [[1, 2, 3]], [2], "en", you_label=name),
        charts.trend_chart([name, name], {name: [1, 2]}, "en"),
        charts.heatmap_chart([name], [name], [[50]], "en"),
    ]
    escaped = name.replace("&", "&amp;").replace("<", "&lt;")
    for svg in drawn:
        assert escaped in svg.decode("utf-8")


def test_every_chart_has_an_empty_state():
    from surveyapp.reporting import charts

    for svg in (
        charts.radar_chart([], [], "en", empty_label="Nothing yet"),
        charts.bar_chart([], [], "en", empty_label="Nothing yet"),
        charts.spread_chart([], [], [], "en", empty_label="Nothing yet"),
        charts.trend_chart([], {}, "en", empty_label="Nothing yet"),
        charts.heatmap_chart([], ["a"], [], "en", empty_label="Nothing yet"),
    ):
        assert "Nothing yet" in svg.decode("utf-8")


def test_heatmap_of_a_round_whose_departments_are_all_suppressed(app, runner, create_user):
    round_id = seed(runner, departments=3, respondents=3)
    create_user("root@agency.example", "admin")
    app.config["MIN_GROUP_SIZE"] = 1000
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    for kind in ("heatmap", "spread", "trend"):
        chart = client.get(f"/compare/chart/{kind}.svg?round={round_id}")
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml", kind
    heatmap = client.get(f"/compare/chart/heatmap.svg?round={round_id}").get_data(as_text=True)
    assert "No department has enough submitted responses" in heatmap
    assert client.get(f"/compare?round={round_id}").status_code == 200


def _checklist_page(app, assessment):  # noqa: F811
    client = app.test_client()
    sign_in(client, "coord@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "department")
    part = get_part(app, "department")
    page = next(i for i, s in enumerate(part.sections) if s.dimension == "D4")
    return client, response_id, part, page


def test_evidence_file_is_removed_when_the_transaction_rolls_back(app, assessment, monkeypatch):  # noqa: F811
    from pathlib import Path

    from surveyapp.services import responses

    client, response_id, part, page = _checklist_page(app, assessment)
    real_commit = db.session.commit

    def failing_commit():
        raise RuntimeError("the database went away during the commit")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(responses.db.session, "commit", failing_commit, raising=False)
    data = page_data(part, page, action="save")
    data["d4_c04"] = (io.BytesIO(b"%PDF-1.7\n% plan\n"), "plan.pdf")
    failed = client.post(f"/responses/{response_id}/page/{page}", data=data, content_type="multipart/form-data")
    monkeypatch.setattr(responses.db.session, "commit", real_commit, raising=False)
    assert failed.status_code == 500 and "Something went wrong" in failed.get_data(as_text=True)
    directory = Path(app.config["UPLOADS_DIR"]) / str(response_id)
    assert not directory.exists() or list(directory.iterdir()) == [], "no file without its row"
    assert "d4_c04" not in stored_answers(app, response_id)


def test_long_evidence_file_name_keeps_its_extension_and_type(app, assessment):  # noqa: F811
    client, response_id, part, page = _checklist_page(app, assessment)
    long_name = "年度政務公開工作培訓計劃" * 30 + ".pdf"
    assert len(long_name) > 300
    data = page_data(part, page, action="save")
    data["d4_c04"] = (io.BytesIO(b"%PDF-1.7\n% plan\n"), long_name)
    saved = client.post(f"/responses/{response_id}/page/{page}", data=data, content_type="multipart/form-data")
    assert saved.status_code == 302
    name = stored_answers(app, response_id)["d4_c04"].value["name"]
    assert name.endswith(".pdf") and len(name) == 200
    download = client.get(f"/responses/{response_id}/evidence/d4_c04")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert ".pdf" in download.headers["Content-Disposition"]


def test_reading_draft_pages_writes_nothing_also_in_a_closed_round(app, assessment):  # noqa: F811
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    part = get_part(app, "staff")
    assert client.post(f"/responses/{response_id}/page/0", data=page_data(part, 0, action="save")).status_code == 302
    writes: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for closed in (False, True):
            if closed:
                with app.app_context():
                    db.session.get(AssessmentRound, assessment["round_id"]).status = "closed"
                    db.session.commit()
                writes.clear()
            for page in range(len(part.sections)):
                # A closed round's draft opens read-only: its pages redirect to the read-only view.
                assert client.get(f"/responses/{response_id}/page/{page}").status_code == (303 if closed else 200)
            client.get(f"/responses/{response_id}/review")
            client.get(f"/responses/{response_id}")
            assert writes == [], f"GET wrote: {writes}"
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with app.app_context():
        assert db.session.get(Response, response_id).current_page == 0
        assert db.session.scalar(select(func.count(Answer.id))) > 0
