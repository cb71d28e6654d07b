"""A round on version 1 and a round on version 2 in one agency: v2 scores end to end, the trend marks the change,
and the crosswalk between them is complete."""

import base64
import re
from datetime import timedelta

import pytest

from surveyapp.definitions.crosswalk import CrosswalkError, check_crosswalk, read_crosswalk
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation
from surveyapp.reporting.report import render_html, scorecard_charts
from surveyapp.services.questionnaires import CROSSWALK_DIR, get_questionnaire, version_crosswalk
from surveyapp.services.rounds import open_round
from surveyapp.services.scorecards import department_scorecard_data, round_context
from tests.helpers import sign_in, submit_complete


@pytest.fixture
def two_versions(app, assessment):
    """The assessment's v1 round answered by d1's staff and coordinator, then a later v2 round answered too."""
    users = assessment["users"]
    staff, coordinator = app.test_client(), app.test_client()
    sign_in(staff, users["staff"].email, lang="en")
    sign_in(coordinator, users["coordinator"].email, lang="en")
    submit_complete(app, staff, assessment["round_id"], "staff", 1)
    submit_complete(app, coordinator, assessment["round_id"], "department", 1)
    with app.app_context():
        first = db.session.get(AssessmentRound, assessment["round_id"])
        agency = db.session.get(Organisation, assessment["agency"].id)
        d1 = db.session.get(Organisation, assessment["d1"].id)
        second = open_round("2027 自評", agency, [d1], "transparency")  # the newest version by default
        second.created_at = first.created_at + timedelta(days=365)
        db.session.commit()
        assert second.questionnaire_version == 2
        second_id = second.id
    submit_complete(app, staff, second_id, "staff", 2)
    submit_complete(app, coordinator, second_id, "department", 2)
    return {**assessment, "second_id": second_id}


def test_v2_round_scores_and_the_scorecard_trend_marks_the_version_change(app, two_versions):
    with app.app_context():
        round_ = db.session.get(AssessmentRound, two_versions["second_id"])
        d1 = db.session.get(Organisation, two_versions["d1"].id)
        data = department_scorecard_data(round_context(round_), d1, "zh_Hans")
        assert data.questionnaire_version == "2"
        assert data.overall is not None  # v2 scored end to end (staff part and checklist)
        assert data.trend_versions == (1, 2) and data.trend_crosses_versions
        assert all(v is not None for v in data.trend_values)
        charts = scorecard_charts(data)
        html = render_html(data, charts, round_.created_at)
    svg = base64.b64decode(charts["trend"].split(",", 1)[1]).decode("utf-8")
    assert 'id="version-change-1"' in svg and "第2版" in svg
    assert 'class="muted version-change"' in html
    assert "政务公开与新媒体融合自评》第2版" in html  # the methodology names the version scored against


def test_the_comparison_trend_chart_and_page_mark_the_version_change(app, two_versions):
    admin = app.test_client()
    sign_in(admin, two_versions["users"]["admin"].email, lang="en")
    svg = admin.get(f"/compare/chart/trend.svg?round={two_versions['second_id']}").get_data(as_text=True)
    assert 'id="version-change-1"' in svg and "Version 2" in svg
    page = admin.get(f"/compare?round={two_versions['second_id']}").get_data(as_text=True)
    assert "changed version within this trend" in page


def test_a_trend_within_one_version_has_no_marker(app, assessment):
    admin = app.test_client()
    sign_in(admin, assessment["users"]["admin"].email, lang="en")
    svg = admin.get(f"/compare/chart/trend.svg?round={assessment['round_id']}").get_data(as_text=True)
    assert "version-change" not in svg


def test_crosswalk_v1_to_v2_is_complete_and_printed(app, runner):
    assert runner.invoke(args=["questionnaire", "load-builtin"]).exit_code == 0
    with app.app_context():
        crosswalk = version_crosswalk("transparency", 1, 2)
        v1, v2 = get_questionnaire("transparency", 1), get_questionnaire("transparency", 2)
    assert crosswalk.counts() == {"same": 35, "changed": 29, "new": 31, "retired": 0}
    assert {k for row in crosswalk.items for k in row.source} == {i.key for i in v1.items}
    assert {k for row in crosswalk.items for k in row.target} == {i.key for i in v2.items}
    assert dict(crosswalk.dimensions) == {d.key: d.key for d in v1.dimensions}
    result = runner.invoke(args=["questionnaire", "diff", "transparency", "1", "2"])
    assert result.exit_code == 0, result.output
    assert "transparency: version 1 → 2" in result.output
    assert re.search(r"changed +d1_s03 +→ d1_s03a, d1_s03b \(split\)", result.output)
    assert "new" in result.output and "d3_c10" in result.output
    missing = runner.invoke(args=["questionnaire", "diff", "transparency", "1", "9"])
    assert missing.exit_code != 0 and "no crosswalk" in missing.output


def test_a_crosswalk_missing_an_item_is_refused(app, tmp_path):
    text = (CROSSWALK_DIR / "transparency-1-2.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("- {v1: d1_s02, v2: d1_s02, status: same}\n", ""), encoding="utf-8")
    from surveyapp.definitions.loader import load_file

    folder = CROSSWALK_DIR.parent
    v1, v2 = load_file(folder / "transparency-v1.yaml"), load_file(folder / "transparency-v2.yaml")
    check_crosswalk(read_crosswalk(CROSSWALK_DIR / "transparency-1-2.yaml"), v1, v2)
    with pytest.raises(CrosswalkError, match="v1 item d1_s02 is missing"):
        check_crosswalk(read_crosswalk(broken), v1, v2)


def test_diff_lists_items_in_natural_key_order(app, runner):
    from surveyapp.domain.crosswalk import natural_key

    assert runner.invoke(args=["questionnaire", "load-builtin"]).exit_code == 0
    output = runner.invoke(args=["questionnaire", "diff", "transparency", "1", "2"]).output
    rows = [line.split() for line in output.split("items:\n", 1)[1].splitlines()]
    named = [row[1] if row[1] != "-" else row[3].rstrip(",") for row in rows]
    assert named == sorted(named, key=natural_key) and len(named) == 95
    assert output.index("d3_c09") < output.index("d3_c10") < output.index("d3_c11")


def test_natural_key_orders_numbers_by_value():
    from surveyapp.domain.crosswalk import Crosswalk, ItemMapping, natural_key

    assert sorted(["d3_c10", "d10_c01", "d3_c09", "d3_c1"], key=natural_key) == ["d3_c1", "d3_c09", "d3_c10", "d10_c01"]
    rows = (ItemMapping((), ("d3_c10",), "new"), ItemMapping(("d3_c09",), (), "retired"),
            ItemMapping(("d3_c08",), ("d3_c08",), "same"))  # fmt: skip
    ordered = Crosswalk("k", 1, 2, {}, rows).in_key_order()
    assert [(row.source or row.target)[0] for row in ordered.items] == ["d3_c08", "d3_c09", "d3_c10"]
