"""One rule decides a department's red lines and scores everywhere (issue 20, INSPECT_COMBINE): a department
whose declaration has no red line but whose site the inspector observed with a veto is flagged, graded and
ranked the same on the comparison page, its CSV and XLSX exports, the API, the training matrix's grade, the
scorecard data and the explanation page; with INSPECT_COMBINE = "declared" every one of them goes back to
the declaration."""

from __future__ import annotations

import csv
import io
import re
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from surveyapp.domain.scoring import grade_for
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation, User
from surveyapp.services import inspection as service
from surveyapp.services.api_tokens import create_token
from surveyapp.services.questionnaires import get_questionnaire, load_builtin_questionnaires
from surveyapp.services.rounds import open_round
from surveyapp.services.scorecards import department_scorecard_data, round_context
from surveyapp.services.scores import department_result_for
from tests.helpers import inspector_settings, page_data, sign_in, start, submit_complete
from tests.inspector.test_fixture_sites import AS_OF, build_site

# Declared: home page 3 days old, no blank column, no red line anywhere.
DECLARED = {
    "d3_c10": "3",
    "d3_c11": "0",
    "d3_c03": "0",
    "d1_c05": "no",
    "d3_c12": "no",
    "d3_c01": "5",
    "d1_c01a": "no",
    "d1_c01b": "no",
    "d3_c02": "no",
    "d3_c13": "no",
    "d3_c14": "no",
    "d6_c08": "no",
}


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def app_config(app_config, tmp_path):
    app_config |= inspector_settings(tmp_path, MIN_GROUP_SIZE=1)
    return app_config


def _declare(app, client, round_id, part, answers):
    response_id, _ = start(client, round_id, "department")
    for page, section in enumerate(part.sections):
        data = page_data(part, page, action="save")
        data.update({k: v for k, v in answers.items() if any(i.key == k for i in section.items)})
        assert client.post(f"/responses/{response_id}/page/{page}", data=data).status_code == 302
    assert client.post(f"/responses/{response_id}/submit").status_code == 302


@pytest.fixture
def world(app, create_org, create_user, httpserver):
    """Two departments with the same declaration and staff answers; only D1's site is observed (home page
    20 days old and five blank columns: two vetoes)."""
    agency = create_org("AG", kind="agency")
    d1, d2 = create_org("D1", parent=agency), create_org("D2", parent=agency)
    create_user("admin@ag.example", "admin", organisation=agency)
    for department in (d1, d2):
        code = department.code.lower()
        create_user(f"coord@{code}.example", "coordinator", organisation=department)
        create_user(f"staff@{code}.example", "staff", organisation=department)
    with app.app_context():
        load_builtin_questionnaires()
        get = lambda o: db.session.get(Organisation, o.id)  # noqa: E731
        round_id = open_round("Round 2026", get(agency), [get(d1), get(d2)], "transparency", 2).id
        part = get_questionnaire("transparency", 2).part("department")
    for department in (d1, d2):
        code = department.code.lower()
        coordinator, staff = app.test_client(), app.test_client()
        sign_in(coordinator, f"coord@{code}.example", lang="en")
        _declare(app, coordinator, round_id, part, DECLARED)
        sign_in(staff, f"staff@{code}.example", lang="en")
        submit_complete(app, staff, round_id, "staff", version=2)
    build_site(httpserver, home_days=20, columns={f"/b{i}/": (f"栏目{i}", [], True) for i in range(5)})
    with app.app_context():
        department = db.session.get(Organisation, d1.id)
        service.add_target(department, httpserver.url_for("/"), "website")
        service.run_inspection(department, AS_OF)
    return {"round": round_id, "d1": d1.id, "d2": d2.id}


def _outputs(app, world) -> dict[str, dict[str, tuple]]:
    """(red lines, overall index rounded, grade key) per department code, from every output."""
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    round_id = world["round"]
    out: dict[str, dict[str, tuple]] = {}
    rows = list(csv.reader(io.StringIO(admin.get(f"/compare/export/departments.csv?round={round_id}")
                                       .get_data(as_text=True).lstrip("\ufeff"))))  # fmt: skip
    head = rows[0]
    index = {name: head.index(name) for name in ("Department code", "Red lines", "Overall index", "Grade key")}
    out["csv"] = {r[index["Department code"]]: (int(r[index["Red lines"]]), round(float(r[index["Overall index"]]), 1),
                                                 r[index["Grade key"]]) for r in rows[1:]}  # fmt: skip
    out["csv order"] = {"order": tuple(r[index["Department code"]] for r in rows[1:])}
    observed_column = head.index("Red lines (source: observed)")
    out["csv observed"] = {r[index["Department code"]]: int(r[observed_column]) for r in rows[1:]}
    sheet = load_workbook(io.BytesIO(admin.get(f"/compare/export/departments.xlsx?round={round_id}").data)).active
    values = list(sheet.iter_rows(values_only=True))
    out["xlsx"] = {r[index["Department code"]]: (int(r[index["Red lines"]]), round(float(r[index["Overall index"]]), 1),
                                                  r[index["Grade key"]]) for r in values[1:]}  # fmt: skip
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "admin@ag.example"))
        token = create_token(user, ["read:scores"])
    api = app.test_client().get(f"/api/v1/rounds/{round_id}/scores", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.get_data(as_text=True)
    departments = api.get_json()["departments"]
    out["api"] = {d["code"]: (d["red_lines"], round(d["overall"], 1), d["grade"]) for d in departments}
    out["api order"] = {"order": tuple(d["code"] for d in departments)}
    out["api observed"] = {d["code"]: d["observed_red_lines"] for d in departments}
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        context = round_context(round_)
        out["scorecard"], out["result"] = {}, {}
        for key in ("d1", "d2"):
            department = db.session.get(Organisation, world[key])
            data = department_scorecard_data(context, department, "en")
            out["scorecard"][department.code] = (len(data.red_lines), round(data.overall, 1), data.grade_key)
            result = department_result_for(round_, department.id, 1)
            assert result.grade == grade_for(round_.questionnaire, result.overall, bool(result.red_lines))
            out["result"][department.code] = (len(result.red_lines), round(result.overall, 1), result.grade)
    page = admin.get(f"/compare?round={round_id}").get_data(as_text=True)
    ranking = re.findall(r'data-label="Department">(D\d) department</th>.*?data-label="Overall index"><strong>'
                         r'([\d.]+)</strong>.*?data-label="Red lines">(\d*)', page, re.S)  # fmt: skip
    out["page"] = {code: (int(red or 0), float(overall)) for code, overall, red in ranking}
    out["page order"] = {"order": tuple(code for code, _, _ in ranking)}
    observed = (r'data-label="Department">(D\d) department</th>.*?data-label="Red lines">\d*'
                r'(?: <span class="muted small">\((\d+) observed\))?')  # fmt: skip
    out["page observed"] = {code: int(n) for code, n in re.findall(observed, page, re.S) if n}
    return out


def test_an_observed_veto_flags_and_ranks_the_same_on_every_output(app, world):
    out = _outputs(app, world)
    d1, d2 = out["result"]["D1"], out["result"]["D2"]
    assert d1[0] == 2 and d1[2] == "fail"  # two observed red lines: the lowest band
    assert d2[0] == 0 and d2[2] != "fail"  # the same declaration, not observed: no red line
    for name in ("csv", "xlsx", "api", "scorecard"):
        assert out[name] == out["result"], name
    assert out["page"] == {code: figures[:2] for code, figures in out["result"].items()}
    # Their source, "observed", travels with them.
    assert out["csv observed"] == out["api observed"] == {"D1": 2, "D2": 0} and out["page observed"] == {"D1": 2}
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    pdf = admin.get(f"/compare/report.pdf?round={world['round']}")
    text = " ".join(subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True,
                                   check=True).stdout.decode().split())  # fmt: skip
    d1_row = text.index("D1 department")
    assert text.index("D2 department") < d1_row and "observed: 2" in text[d1_row:]
    # Ranked below the department without a red line, whatever the index.
    assert out["csv order"]["order"] == out["api order"]["order"] == out["page order"]["order"] == ("D2", "D1")

    app.config["INSPECT_COMBINE"] = "declared"  # the declaration alone, on every output again
    out = _outputs(app, world)
    assert out["result"]["D1"][0] == 0 and out["result"]["D1"] == out["result"]["D2"]
    for name in ("csv", "xlsx", "api", "scorecard"):
        assert out[name] == out["result"], name


def test_the_explanation_page_and_the_training_matrix_agree(app, world):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    html = admin.get(f"/rounds/{world['round']}/departments/{world['d1']}/explanation").get_data(as_text=True)
    assert "source: observed" in html
    response = admin.get(f"/compare/training.xlsx?round={world['round']}")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    grades = {row[0]: row[1] for row in rows[1:]}
    with app.app_context():
        label = {g.key: g.label.get("en") for g in get_questionnaire("transparency", 2).grades}
    assert grades["D1 department"] == label["fail"] and grades["D2 department"] != label["fail"], grades


def test_an_inspection_after_the_round_s_deadline_does_not_change_that_round(app, world):
    from datetime import timedelta

    from surveyapp.localtime import end_of_local_day

    with app.app_context():
        round_ = db.session.get(AssessmentRound, world["round"])
        round_.deadline = end_of_local_day(AS_OF - timedelta(days=1))  # the site was inspected the day after
        db.session.commit()
    out = _outputs(app, world)
    assert out["result"]["D1"] == out["result"]["D2"] and out["result"]["D1"][0] == 0
    for name in ("csv", "xlsx", "api", "scorecard"):
        assert out[name] == out["result"], name
    with app.app_context():
        round_ = db.session.get(AssessmentRound, world["round"])
        round_.deadline = end_of_local_day(AS_OF)  # inspected on the deadline's day: it counts again
        db.session.commit()
    out = _outputs(app, world)
    assert out["result"]["D1"][0] == 2 and out["csv"] == out["api"] == out["result"]


@pytest.fixture
def fixed_today(monkeypatch):
    from datetime import date

    from surveyapp.services import rectification

    monkeypatch.setattr(rectification, "local_today", lambda now=None: date(2026, 11, 30))


@pytest.mark.parametrize("inspector_items", [True, False])
def test_an_observed_red_line_gets_one_rectification_item_not_two(app, fixed_today, world, inspector_items):
    """The inspection opened its own items for the observed vetoes (re-checked by observation); opening
    items from the results does not add a red-line item for the same fault, unless the inspector opens none."""
    from datetime import date

    from surveyapp.domain import rectification as rules
    from surveyapp.models import RectificationItem
    from surveyapp.services import rectification

    app.config["INSPECT_OPEN_ITEMS"] = inspector_items
    with app.app_context():
        round_ = db.session.get(AssessmentRound, world["round"])
        d1 = db.session.get(Organisation, world["d1"])
        admin = db.session.scalar(select(User).where(User.email == "admin@ag.example"))
        result = department_result_for(round_, d1.id, 1)
        assert result.red_lines  # the observed vetoes
        inspector = db.session.scalars(select(RectificationItem).where(
            RectificationItem.organisation_id == d1.id,
            RectificationItem.source == rules.INSPECTOR_CHECK)).all()  # fmt: skip
        assert {rules.inspector_check_of(i.reference) for i in inspector} >= {"home_page_freshness", "blank_columns"}
        created = rectification.open_from_round_results(round_, d1, admin, due_on=date(2026, 12, 30))
        red = {i.reference for i in created if i.source == rules.RED_LINE}
        observed = {hit.item for hit in result.red_lines}
        if inspector_items:
            assert not red & observed
        else:
            assert red >= observed
