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
    dims = base64.b64decode(charts["trend_dimensions"].split(",", 1)[1]).decode("utf-8")
    assert 'id="version-change-0-1"' in dims and "第1版" in dims and "第2版" in dims  # each point's version
    assert 'class="dims trend-dimensions"' in html and "各维度历次得分" in html
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


# -- dimensions and questions across the change of version (issue 19, build item 2) ----------------------------


def _scorecard(app, two_versions, lang="en", context_change=None):
    from dataclasses import replace

    from surveyapp.services.scorecards import _department_scorecard_data

    round_ = db.session.get(AssessmentRound, two_versions["second_id"])
    d1 = db.session.get(Organisation, two_versions["d1"].id)
    context = round_context(round_)
    if context_change:
        return _department_scorecard_data(replace(context, **context_change(context)), d1, lang)
    return department_scorecard_data(context, d1, lang)


def test_dimension_trend_reads_each_round_through_the_crosswalk(app, two_versions):
    from dataclasses import replace

    from surveyapp.services.comparison import round_department_scores

    with app.app_context():
        first = db.session.get(AssessmentRound, two_versions["round_id"])
        second = db.session.get(AssessmentRound, two_versions["second_id"])
        d1, k = two_versions["d1"].id, app.config["MIN_GROUP_SIZE"]
        before, now = round_department_scores(first, k)[d1], round_department_scores(second, k)[d1]
        data = _scorecard(app, two_versions)
        v2 = get_questionnaire("transparency", 2)
        assert [title for title, _, _ in data.trend_dimensions] == [d.title.get("en") for d in v2.dimensions]
        for dimension, (_, values, comparable) in zip(v2.dimensions, data.trend_dimensions, strict=True):
            assert comparable == (True, True)
            assert values == (before.dimensions[dimension.key], now.dimensions[dimension.key])
        assert data.facts["trend_dimensions"]["D1"] == [before.dimensions["D1"], now.dimensions["D1"]]
        # A crosswalk that maps v1's D2 to v2's D1 (and D1 to D2): the trend follows it, and so does the fingerprint.
        crosswalk = version_crosswalk("transparency", 1, 2)
        swapped = replace(crosswalk, dimensions={**crosswalk.dimensions, "D1": "D2", "D2": "D1"})
        assert before.dimensions["D1"] != before.dimensions["D2"]
        moved = _scorecard(app, two_versions, context_change=lambda c: {"trend_chains": ((swapped,), ())})
        assert moved.trend_dimensions[0][1] == (before.dimensions["D2"], now.dimensions["D1"])
        assert moved.fingerprint() != data.fingerprint()
        # Without a crosswalk between the versions nothing of version 1 is compared, and the scorecard says so.
        lost = _scorecard(app, two_versions, context_change=lambda c: {"trend_chains": (None, ())})
        assert all(comparable == (False, True) for _, _, comparable in lost.trend_dimensions)
        assert all(row.comparable == (False, True) and "No version crosswalk" in row.comparability
                   for row in lost.trend_items)  # fmt: skip
        charts = scorecard_charts(lost)
        html = render_html(lost, charts, second.created_at)
    assert html.count("not comparable") >= len(lost.trend_dimensions)


def test_red_line_and_weak_questions_say_whether_they_compare(app, two_versions):
    from surveyapp.services.scorecards import department_item_scores

    with app.app_context():
        first = db.session.get(AssessmentRound, two_versions["round_id"])
        crosswalk = version_crosswalk("transparency", 1, 2)
        by_target = {key: row for row in crosswalk.items for key in row.target}
        data = _scorecard(app, two_versions)
        earlier = department_item_scores(first, two_versions["d1"].id, app.config["MIN_GROUP_SIZE"])
        now = department_item_scores(
            db.session.get(AssessmentRound, two_versions["second_id"]), two_versions["d1"].id,
            app.config["MIN_GROUP_SIZE"],
        )  # fmt: skip
        v2 = get_questionnaire("transparency", 2)
        html = render_html(data, scorecard_charts(data), first.created_at)
    listed = {row.key for row in data.trend_items}
    assert data.facts["red_lines"] and set(data.facts["red_lines"]) <= listed  # every red line hit is listed
    assert all(row.red_line == (row.key in data.facts["red_lines"]) for row in data.trend_items)
    statuses = set()
    for row in data.trend_items:
        mapping = by_target[row.key]
        statuses.add(mapping.status)
        assert row.comparable == (mapping.status == "same", True)
        assert row.values[1] == now[row.key]  # the scorecard's own figure, as department_item_scores reads it
        if mapping.status == "same":
            assert row.values[0] == earlier.get(mapping.source[0])
            assert row.comparability == "Same question in every round of the trend"
        elif mapping.status == "new":
            assert row.values[0] is None and row.comparability == "New in version 2: no earlier result"
        else:
            assert row.values[0] is None and row.comparability.startswith("Changed in version 2 (")
        assert row.text == v2.item(row.key).text.get("en")
    assert {"same", "changed", "new"} <= statuses  # the fixture's answers list all three kinds
    assert data.facts["trend_items"] == [
        [row.key, [v if ok else "not comparable" for v, ok in zip(row.values, row.comparable, strict=True)]]
        for row in data.trend_items
    ]
    assert "Version 1 to 2: 35 questions the same, 29 changed, 31 new, 0 retired." in html
    assert 'class="dims trend-items"' in html and "×" in html


def test_suppressed_staff_results_stay_suppressed_across_versions(app, two_versions):
    """One staff member answered each round: below the minimum group size no staff mean of theirs is shown in the
    question trend, and the dimension trend counts their part for nothing (the peers' rule)."""
    from surveyapp.services.comparison import round_department_scores
    from surveyapp.services.scorecards import department_item_scores

    with app.app_context():
        first = db.session.get(AssessmentRound, two_versions["round_id"])
        d1 = two_versions["d1"].id
        staff_keys = {i.key for v in (1, 2) for i in get_questionnaire("transparency", v).staff_part.items}
        assert app.config["MIN_GROUP_SIZE"] > 1
        hidden = department_item_scores(first, d1, app.config["MIN_GROUP_SIZE"])
        assert staff_keys & set(hidden) and all(hidden[k] is None for k in staff_keys & set(hidden))
        data = _scorecard(app, two_versions)
        assert all(v is None for row in data.trend_items if row.key in staff_keys for v in row.values)
        checklist_only = round_department_scores(first, app.config["MIN_GROUP_SIZE"])[d1]
        assert [values[0] for _, values, _ in data.trend_dimensions] == [
            checklist_only.dimensions[d.key] for d in first.questionnaire.dimensions
        ]
        # The same staff member's answers are shown once a group of one may be (k = 1): the rule, not the data,
        # hid them.
        app.config["MIN_GROUP_SIZE"] = 1
        shown = department_item_scores(first, d1, 1)
        assert any(shown[k] is not None for k in staff_keys & set(shown))
        opened = _scorecard(app, two_versions)
        assert any(v is not None for row in opened.trend_items if row.key in staff_keys for v in row.values)


def test_the_comparison_page_shows_each_dimension_across_versions(app, two_versions):
    from surveyapp.services.comparison import median_dimension_trend

    admin = app.test_client()
    sign_in(admin, two_versions["users"]["admin"].email, lang="en")
    query = f"?round={two_versions['second_id']}"
    svg = admin.get(f"/compare/chart/trend-dimensions.svg{query}").get_data(as_text=True)
    assert 'id="version-change-0-1"' in svg and "Version 1" in svg and "Version 2" in svg
    page = admin.get(f"/compare{query}").get_data(as_text=True)
    assert "The dimension trend in numbers" in page and "trend-dimensions.svg" in page
    assert "Version 1 to 2: 35 questions the same, 29 changed, 31 new, 0 retired." in page
    with app.app_context():
        trends = median_dimension_trend(db.session.get(AssessmentRound, two_versions["second_id"]),
                                        app.config["MIN_GROUP_SIZE"])  # fmt: skip
    assert len(trends) == 7 and all(t.comparable == (True, True) for t in trends)
    for t in trends:
        cells = "".join(f"<td>{v:.1f}</td>" if v is not None else "<td>—</td>" for v in t.values)
        assert cells in page


def test_one_round_shows_no_dimension_trend(app, assessment):
    admin = app.test_client()
    sign_in(admin, assessment["users"]["admin"].email, lang="en")
    page = admin.get(f"/compare?round={assessment['round_id']}").get_data(as_text=True)
    assert "trend-dimensions.svg" not in page


def test_tracing_through_a_chain_of_crosswalks():
    from surveyapp.domain.crosswalk import Crosswalk, ItemMapping, trace_dimension, trace_item

    one_two = Crosswalk("k", 1, 2, {"A": "A2", "B": "B"}, (
        ItemMapping(("a",), ("a",), "same"), ItemMapping(("b",), ("b",), "changed", ("wording",)),
        ItemMapping((), ("c",), "new"), ItemMapping(("r",), (), "retired"),
    ))  # fmt: skip
    two_three = Crosswalk("k", 2, 3, {"A2": "A3", "B": "B"}, (
        ItemMapping(("a",), ("a",), "same"), ItemMapping(("b",), ("b",), "same"),
        ItemMapping(("c",), ("c3",), "changed", ("options",)),
    ))  # fmt: skip
    chain = (one_two, two_three)
    assert trace_item(chain, "a").key == "a" and trace_item(chain, "a").comparable
    assert (trace_item(chain, "b").status, trace_item(chain, "b").version) == ("changed", 2)
    assert trace_item((two_three,), "b").key == "b"  # the same from version 2 on
    assert (trace_item(chain, "c3").status, trace_item(chain, "c3").changes) == ("changed", ("options",))
    assert (trace_item((one_two,), "c").status, trace_item((one_two,), "c").version) == ("new", 2)
    assert trace_item((), "x").key == "x"  # the same version: itself
    assert trace_item(None, "a").status == "unknown" and not trace_item(None, "a").comparable
    assert trace_dimension(chain, "A3") == "A" and trace_dimension(chain, "B") == "B"
    assert trace_dimension(chain, "Z") is None and trace_dimension(None, "A3") is None


def test_the_dimension_chart_joins_neighbouring_rounds_only():
    from surveyapp.reporting.charts import dimension_trend_chart

    svg = dimension_trend_chart(["a", "b", "c", "d"], {"D": [40, None, 60, 70]}, "en", ["V1", "V1", "V2", "V2"])
    text = svg.decode("utf-8")
    assert 'id="segment-0-2"' in text  # c → d
    assert 'id="segment-0-0"' not in text  # a and c are not joined over b, which has no value
    assert 'id="version-change-0-2"' in text  # V1 → V2 between b and c
