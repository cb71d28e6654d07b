"""Declared vs observed (issue 20, item 4): the explanation page, the scorecard section and the comparison
page show each observable item's declared answer, the observation and the gap; an observed veto raises the
red line with source "observed"; the setting INSPECT_COMBINE decides how they combine."""

from __future__ import annotations

import subprocess

import pytest

from surveyapp.definitions.observations import check_against, observation_map_for
from surveyapp.extensions import db
from surveyapp.models import Organisation
from surveyapp.services import inspection as service
from surveyapp.services.questionnaires import get_questionnaire, load_builtin_questionnaires
from surveyapp.services.rounds import open_round
from tests.helpers import inspector_settings, page_data, sign_in, start
from tests.inspector.test_fixture_sites import AS_OF, build_site

DECLARED = {"d3_c10": "3", "d3_c11": "0", "d3_c03": "0", "d1_c05": "no", "d3_c12": "no", "d3_c01": "5"}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def app_config(app_config, tmp_path):
    app_config |= inspector_settings(tmp_path)
    return app_config


def test_the_mapping_fits_version_2(app_ctx):
    load_builtin_questionnaires()
    questionnaire = get_questionnaire("transparency", 2)
    mapping = observation_map_for("transparency", 2)
    assert check_against(mapping, questionnaire) == []
    assert {m.check for m in mapping.items} >= {"home_page_freshness", "feed_freshness", "overdue_columns",
                                                "blank_columns", "availability", "personal_data"}  # fmt: skip
    assert observation_map_for("transparency", 1) is None


@pytest.fixture
def world(app, create_org, create_user, httpserver):
    agency = create_org("AG", kind="agency")
    d1 = create_org("D1", parent=agency)
    create_user("coord@d1.example", "coordinator", organisation=d1)
    create_user("admin@ag.example", "admin", organisation=agency)
    create_user("trainer@ag.example", "trainer", organisation=agency)
    with app.app_context():
        load_builtin_questionnaires()
        get = lambda o: db.session.get(Organisation, o.id)  # noqa: E731
        round_id = open_round("Round 2026", get(agency), [get(d1)], "transparency", 2).id
        part = get_questionnaire("transparency", 2).part("department")
    coordinator = app.test_client()
    sign_in(coordinator, "coord@d1.example", lang="en")
    response_id, _ = start(coordinator, round_id, "department")
    for page, section in enumerate(part.sections):
        data = page_data(part, page, action="save")
        data.update({k: v for k, v in DECLARED.items() if any(i.key == k for i in section.items)})
        assert coordinator.post(f"/responses/{response_id}/page/{page}", data=data).status_code == 302
    assert coordinator.post(f"/responses/{response_id}/submit").status_code == 302
    # The site: home page 20 days old (a veto), five blank columns (a veto).
    build_site(httpserver, home_days=20, columns={f"/b{i}/": (f"栏目{i}", [], True) for i in range(5)})
    with app.app_context():
        department = db.session.get(Organisation, d1.id)
        service.add_target(department, httpserver.url_for("/"), "website")
        service.run_inspection(department, AS_OF)
    return {"round": round_id, "d1": d1.id}


def test_explanation_page_shows_declared_observed_and_gap(app, world):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    html = admin.get(f"/rounds/{world['round']}/departments/{world['d1']}/explanation").get_data(as_text=True)
    assert "Observed beside declared" in html
    assert "3 days" in html and "20 days" in html and "+17" in html  # home page: declared, observed, gap
    assert "+5" in html  # blank columns: 0 declared, 5 observed
    assert html.count('class="red-line-mark"') == 2
    assert "source: observed" in html.split("Red lines hit")[1].split("</div>")[0]
    assert "Setting: observation decides" in html
    app.config["INSPECT_COMBINE"] = "declared"
    html = admin.get(f"/rounds/{world['round']}/departments/{world['d1']}/explanation").get_data(as_text=True)
    assert "Setting: declaration decides" in html and "red-line-mark" not in html
    assert "20 days" in html  # still shown beside


def test_comparison_page_shows_observed_beside_declared(app, world):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    html = admin.get(f"/compare?round={world['round']}").get_data(as_text=True)
    section = html.split('id="observed-beside-declared"')[1]
    assert "20 days" in section and "3 days" in section and "+17" in section
    trainer = app.test_client()
    sign_in(trainer, "trainer@ag.example", lang="en")
    section = trainer.get(f"/compare?round={world['round']}").get_data(as_text=True).split(
        'id="observed-beside-declared"')[1]  # fmt: skip
    assert "20 days" in section and "3 days" not in section  # trainers do not read a department's checklist


@pytest.mark.slow
def test_scorecard_pdf_has_the_section(app, world, tmp_path):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    pdf = admin.get(f"/rounds/{world['round']}/departments/{world['d1']}/scorecard.pdf?lang=en")
    assert pdf.status_code == 200
    path = tmp_path / "card.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Observed beside declared" in text and "red line (source: observed)" in text
