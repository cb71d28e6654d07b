"""Comparison, training needs, exports and the API, with suppression below the minimum group size."""

import csv
import io
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, update

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation, Response, ScoreAggregate
from surveyapp.services.scores import rebuild_aggregates
from tests.helpers import seed, sign_in


@pytest.fixture
def compared(app, runner, create_user, create_org):
    """A seeded round of 4 departments × 5 staff; one department cut down to 2 submitted staff."""
    round_id = seed(runner, departments=4, respondents=5)
    with app.app_context():
        departments = db.session.scalars(
            select(Organisation).where(Organisation.kind == "department").order_by(Organisation.code)
        ).all()
        small = departments[0]
        staff = db.session.scalars(
            select(Response).where(Response.organisation_id == small.id, Response.part == "staff").order_by(Response.id)
        ).all()
        for response in staff[2:]:
            response.status = "draft"
        db.session.flush()
        rebuild_aggregates(round_id)
        db.session.commit()
        agency_id = small.parent_id
        info = {
            "round": round_id,
            "small": small.code,
            "small_name": small.name_en,
            "codes": [d.code for d in departments],
        }
    create_user("trainer@agency.example", "trainer", organisation=_org(app, agency_id))
    create_user("admin@agency.example", "admin", organisation=_org(app, agency_id))
    elsewhere = create_org("ELSE", kind="agency")
    create_user("trainer@else.example", "trainer", organisation=elsewhere)
    return info


def _org(app, org_id):
    with app.app_context():
        organisation = db.session.get(Organisation, org_id)
        db.session.expunge(organisation)
        return organisation


def client_for(app, email, lang="en"):
    client = app.test_client()
    sign_in(client, email, lang=lang)
    return client


def test_comparison_page_suppresses_small_groups_and_ranks(app, compared):
    client = client_for(app, "trainer@agency.example")
    html = client.get(f"/compare?round={compared['round']}").get_data(as_text=True)
    # The small department appears twice, in the heatmap table and in the ranking, suppressed in both.
    assert "Compare departments" in html and html.count("suppressed (fewer than 3 respondents)") == 2
    for small_row in [part.split("</tr>")[0] for part in html.split(compared["small_name"])[1:3]]:
        assert "suppressed" in small_row and not re.search(r"\d+\.\d", small_row)
    for kind in ("heatmap", "spread", "trend"):
        chart = client.get(f"/compare/chart/{kind}.svg?round={compared['round']}")
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    by_dimension = client.get(f"/compare?round={compared['round']}&sort=D3").get_data(as_text=True)
    assert by_dimension != html


def test_filter_by_level_suppresses_groups_below_minimum(app, compared):
    client = client_for(app, "admin@agency.example")
    everyone = client.get(f"/compare?round={compared['round']}").get_data(as_text=True)
    one_level = client.get(f"/compare?round={compared['round']}&level=clerk&post=leadership").get_data(as_text=True)
    assert one_level.count("suppressed (fewer than 3 respondents)") > everyone.count("suppressed (fewer than 3")
    # The trend is not filtered: the page says so when a filter is set (a trainer would read it as filtered).
    assert "trend-unfiltered" in one_level and "trend-unfiltered" not in everyone


def test_other_agency_trainer_cannot_compare_this_round(app, compared):
    client = client_for(app, "trainer@else.example")
    assert client.get(f"/compare?round={compared['round']}").status_code == 403
    assert client.get(f"/compare/export/departments.csv?round={compared['round']}").status_code == 403


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_department_export_and_pdf_suppress(app, compared):
    client = client_for(app, "trainer@agency.example")
    rows = read_csv(client.get(f"/compare/export/departments.csv?round={compared['round']}"))
    assert rows[0][:10] == ["Rank", "Department code", "Department", "Staff n", "Suppressed", "Overall index",
                            "Grade", "Grade key", "Red lines", "Gap to target"]  # fmt: skip
    small = next(r for r in rows if r[1] == compared["small"])
    assert small[4] == "Yes" and small[5] == "" and small[6] == "" and all(v == "" for v in small[10:-2])
    assert rows[0][-2:] == ["Why suppressed", "Red lines (source: observed)"]
    assert small[-2] == "suppressed (fewer than 3 respondents)" and small[-1] == "0"
    others = [r for r in rows[1:] if r[1] != compared["small"]]
    assert all(r[5] and r[6] and r[7] for r in others)
    xlsx = client.get(f"/compare/export/departments.xlsx?round={compared['round']}")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 5
    pdf = client.get(f"/compare/report.pdf?round={compared['round']}")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "suppressed (fewer than 3 respondents)" in " ".join(text.split())
    assert "Staff public-image awareness" in " ".join(text.split())


def test_answer_exports_identify_for_administrators_and_anonymise_for_trainers(app, compared):
    _split_department_posts(app, compared, ["new_media"] * 5)  # one group of five: level and post shown
    admin_rows = read_csv(
        client_for(app, "admin@agency.example").get(
            f"/compare/export/answers.csv?round={compared['round']}&lang=zh_Hant"
        )
    )
    assert admin_rows[0][:9] == [
        "Response", "Department code", "Part", "Part key", "Submitted on (Asia/Shanghai)",
        "Staff level", "Staff level key", "Staff post", "Staff post key",
    ]  # fmt: skip
    with app.app_context():
        questionnaire = db.session.get(AssessmentRound, compared["round"]).questionnaire
    labelled = [r for r in admin_rows[1:] if r[6]]
    assert labelled, "some staff levels are shown"
    for row in labelled:  # the label to read beside the key a machine reads
        assert row[5] == questionnaire.staff_levels[row[6]].get("en") and row[5] != row[6]
        assert not row[8] or row[7] == questionnaire.staff_posts[row[8]].get("en")
    assert any(r[1] == compared["small"] for r in admin_rows[1:])
    assert any("工作人員" not in h and h.startswith("d1_s01: ") for h in admin_rows[0])
    trainer = client_for(app, "trainer@agency.example")
    trainer_rows = read_csv(trainer.get(f"/compare/export/answers.csv?round={compared['round']}"))
    assert "Staff level" not in trainer_rows[0] and "Staff post" not in trainer_rows[0]
    assert not any(r[1] == compared["small"] for r in trainer_rows[1:]), "groups below the minimum are left out"
    assert [r[0] for r in trainer_rows[1:]] == [str(i) for i in range(1, len(trainer_rows))], "serials, not ids"
    responses = read_csv(trainer.get(f"/compare/export/responses.csv?round={compared['round']}"))
    assert responses[0][:8] == ["Response", "Department code", "Part", "Part key", "Overall index", "Grade",
                                "Grade key", "Red lines"]  # fmt: skip
    xlsx = trainer.get(f"/compare/export/answers.xlsx?round={compared['round']}")
    assert openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.max_row == len(trainer_rows)


def test_training_needs_matrix_and_plan_exports(app, compared):
    client = client_for(app, "trainer@agency.example")
    html = client.get(f"/compare/training?round={compared['round']}").get_data(as_text=True)
    assert "Training-needs matrix" in html and "Weakest dimensions" in html
    with app.app_context():
        big = db.session.scalar(select(ScoreAggregate).where(ScoreAggregate.staff_level != "*"))
        # make one group large enough to show figures
        db.session.execute(update(ScoreAggregate).where(ScoreAggregate.id == big.id).values(n=5))
        db.session.commit()
    html = client.get(f"/compare/training?round={compared['round']}").get_data(as_text=True)
    assert "suppressed (fewer than 3 respondents)" in html
    plan = client.get(f"/compare/training.xlsx?round={compared['round']}")
    sheet = openpyxl.load_workbook(io.BytesIO(plan.data)).active
    assert [c.value for c in sheet[1]][:5] == ["Department", "Grade", "Staff level", "Post", "Staff n"]
    pdf = client.get(f"/compare/training.pdf?round={compared['round']}")
    assert pdf.data.startswith(b"%PDF")


@pytest.fixture
def tokens(app, runner, compared):
    def make(email, scopes):
        result = runner.invoke(args=["api", "token-create", "--email", email, "--scopes", scopes])
        assert result.exit_code == 0, result.output
        return result.output.split("Token (shown once): ")[1].strip()

    return {
        "all": make("trainer@agency.example", "read:rounds read:scores read:exports"),
        "rounds": make("trainer@agency.example", "read:rounds"),
        "other": make("trainer@else.example", "read:rounds read:scores"),
    }


def api(client, path, token):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def test_api_rounds(app, compared, tokens):
    client = app.test_client()
    body = api(client, "/rounds", tokens["all"]).get_json()
    assert [r["id"] for r in body["rounds"]] == [compared["round"]]
    assert api(client, "/rounds", tokens["other"]).get_json()["rounds"] == []


def test_api_departments(app, compared, tokens):
    body = api(app.test_client(), f"/rounds/{compared['round']}/departments", tokens["rounds"]).get_json()
    assert sorted(d["code"] for d in body["departments"]) == sorted(compared["codes"])
    assert set(body["departments"][0]["name"]) == {"zh_Hans", "zh_Hant", "en"}


def test_api_scores_suppress_and_need_their_scope(app, compared, tokens):
    client = app.test_client()
    body = api(client, f"/rounds/{compared['round']}/scores", tokens["all"]).get_json()
    small = next(d for d in body["departments"] if d["code"] == compared["small"])
    assert small["suppressed"] and small["overall"] is None and small["dimensions"] == {}
    assert all(d["overall"] is not None for d in body["departments"] if not d["suppressed"])
    refused = api(client, f"/rounds/{compared['round']}/scores", tokens["rounds"])
    assert refused.status_code == 403 and "read:scores" in refused.get_json()["message"]
    assert api(client, f"/rounds/{compared['round']}/scores", tokens["other"]).status_code == 404


def test_api_answers_export_is_anonymised_for_trainers(app, compared, tokens):
    client = app.test_client()
    response = api(client, f"/rounds/{compared['round']}/answers.csv", tokens["all"])
    rows = read_csv(response)
    assert "staff_level" not in rows[0] and not any(r[1] == compared["small"] for r in rows[1:])
    assert api(client, f"/rounds/{compared['round']}/answers.csv", tokens["rounds"]).status_code == 403


def test_api_refuses_missing_and_bad_tokens(app, compared):
    client = app.test_client()
    assert client.get("/api/v1/rounds").status_code == 401
    assert api(client, "/rounds", "sa_not-a-token").status_code == 401


def test_openapi_document_lists_every_endpoint(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routes = {
        rule.rule.replace("/api/v1", "").replace("<int:round_id>", "{round_id}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and "openapi" not in rule.rule
    }
    assert routes == set(document["paths"])


def test_training_matrix_can_group_staff_by_level_or_post_alone(app, compared):
    from surveyapp.models import AssessmentRound
    from surveyapp.services.comparison import staff_and_checklist_parts, training_needs
    from surveyapp.services.questionnaires import get_questionnaire
    from surveyapp.services.scores import ALL_GROUPS

    # One department whose staff share level and post (no complement): its groups are shown.
    _split_department_posts(app, compared, ["service_window"] * 5)
    with app.app_context():
        round_ = db.session.get(AssessmentRound, compared["round"])
        ids = [d.id for d in round_.departments]
        staff_part, _ = staff_and_checklist_parts(get_questionnaire(round_.questionnaire_key, 1))
        fine = training_needs(round_, ids, 3)
        for by, merged in (("level", "post"), ("post", "level")):
            wide = training_needs(round_, ids, 3, by=by)
            assert wide and all(getattr(need, merged) == ALL_GROUPS for need in wide)
            assert len(wide) < len(fine)
            assert sum(n.suppressed for n in wide) <= sum(n.suppressed for n in fine)
            # A wide group's mean is the pooled mean of its finer groups' running totals.
            need = next(n for n in wide if not n.suppressed)
            dimension, mean = need.weakest[0]
            kept = "staff_level" if by == "level" else "staff_post"
            rows = db.session.execute(
                select(ScoreAggregate.n, ScoreAggregate.total).where(
                    ScoreAggregate.round_id == round_.id, ScoreAggregate.part == staff_part,
                    ScoreAggregate.organisation_id == need.organisation_id, ScoreAggregate.dimension == dimension,
                    getattr(ScoreAggregate, kept) == getattr(need, by), ScoreAggregate.staff_level != ALL_GROUPS,
                )
            ).all()  # fmt: skip
            assert mean == pytest.approx(sum(t for _, t in rows) / sum(n for n, _ in rows))
        with pytest.raises(ValueError, match="unknown grouping"):
            training_needs(round_, ids, 3, by="weekday")

    client = client_for(app, "trainer@agency.example")
    html = client.get(f"/compare/training?round={compared['round']}&by=level").get_data(as_text=True)
    assert "All posts" in html and 'value="level" selected' in html
    assert "by=level" in html  # the exports and pages keep the grouping
    plan = client.get(f"/compare/training.xlsx?round={compared['round']}&by=post")
    sheet = openpyxl.load_workbook(io.BytesIO(plan.data)).active
    assert {row[2].value for row in sheet.iter_rows(min_row=2)} == {"All levels"}
    fallback = client.get(f"/compare/training?round={compared['round']}&by=<script>")
    assert fallback.status_code == 200 and "<script>" not in fallback.get_data(as_text=True).split("<main")[-1]


def _split_department_posts(app, compared, posts):
    """Give one full department's submitted staff the posts ``posts`` (one each, in id order)."""
    with app.app_context():
        code = compared["codes"][1]
        org = db.session.scalar(select(Organisation).where(Organisation.code == code))
        staff = db.session.scalars(
            select(Response)
            .where(Response.organisation_id == org.id, Response.part == "staff", Response.status == "submitted")
            .order_by(Response.id)
        ).all()
        assert len(staff) == len(posts)
        for response, post in zip(staff, posts, strict=True):
            response.staff_level, response.staff_post = "clerk", post
        db.session.flush()
        rebuild_aggregates(compared["round"])
        db.session.commit()
    return code


def alone_reason_is_too_few(row: dict[str, str]) -> bool:
    return row["Why suppressed"] == "suppressed (fewer than 3 respondents)"


def test_filtered_group_with_tiny_complement_is_suppressed_against_differencing(app, compared):
    """The attack: department (n=5) minus post=service_window (n=4) would give the one leader's score."""
    code = _split_department_posts(app, compared, ["service_window"] * 4 + ["leadership"])
    client = client_for(app, "trainer@agency.example")
    base = f"/compare/export/departments.csv?round={compared['round']}"

    def row(query: str = "") -> dict[str, str]:
        header, *rows = read_csv(client.get(base + query))
        return next(dict(zip(header, r, strict=True)) for r in rows if r[header.index("Department code")] == code)

    whole = row()
    assert whole["Suppressed"] == "" and whole["Overall index"]  # the whole department (5) is shown
    part = row("&post=service_window")
    assert part["Suppressed"] == "Yes" and part["Overall index"] == "" and part["Grade"] == ""
    assert all(v == "" for v in list(part.values())[10:-2])
    assert part["Why suppressed"].startswith("hidden: the rest of the department would be fewer than 3")
    assert alone_reason_is_too_few(row("&post=leadership"))
    alone = row("&post=leadership")
    assert alone["Suppressed"] == "Yes" and alone["Overall index"] == ""
    # The level filter where everyone shares the level: no complement, shown.
    level = row("&level=clerk")
    assert level["Suppressed"] == "" and level["Overall index"] == whole["Overall index"]
    html = client.get(f"/compare?round={compared['round']}&post=service_window").get_data(as_text=True)
    shown = html.split(whole["Department"])[1].split("</tr>")[0]
    assert (
        "hidden: the rest of the department would be fewer than 3" in shown and "fewer than 3 respondents" not in shown
    )
    api_like = client.get(f"/compare?round={compared['round']}").get_data(as_text=True)
    assert "suppressed" not in api_like.split(whole["Department"])[1].split("</tr>")[0]


def test_training_matrix_suppresses_group_with_tiny_complement(app, compared):
    from surveyapp.services.comparison import training_needs

    code = _split_department_posts(app, compared, ["service_window"] * 4 + ["leadership"])
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.code == code))
        from surveyapp.models import AssessmentRound

        round_ = db.session.get(AssessmentRound, compared["round"])
        for by in ("post", "level_post"):
            needs = [n for n in training_needs(round_, [org.id], 3, by=by) if n.organisation_id == org.id]
            assert needs and all(n.suppressed and not n.weakest for n in needs)
        by_level = [n for n in training_needs(round_, [org.id], 3, by="level") if n.organisation_id == org.id]
        assert by_level and not by_level[0].suppressed


def test_row_export_hides_post_labels_with_tiny_complement(app, compared):
    code = _split_department_posts(app, compared, ["service_window"] * 4 + ["leadership"])
    client = client_for(app, "trainer@agency.example")
    body = client.get(f"/compare/export/answers.csv?round={compared['round']}").get_data(as_text=True)
    assert "service_window" not in body and "leadership" not in body
    assert code


@pytest.mark.parametrize(("lang", "phrase"), [("en", "differen"), ("zh_Hans", "差值"), ("zh_Hant", "差值")])
def test_privacy_notice_states_differencing_over_time(app, lang, phrase):
    html = app.test_client().get(f"/privacy?lang={lang}", headers={"Accept-Language": lang.replace("_", "-")})
    assert phrase in html.get_data(as_text=True)


# -- the web heatmap, the charts' numbers, contrast (issue 18) -----------------------------------------

CSS = Path(__file__).resolve().parents[2] / "surveyapp" / "static" / "css" / "app.css"
TEMPLATES = Path(__file__).resolve().parents[2] / "surveyapp" / "templates"


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _css_variable(css: str, name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", css).group(1)


def _heatmap(html: str) -> str:
    return html.split('class="numbers heatmap"')[1].split("</table>")[0]


def test_contrast_formula_is_the_wcag_one():
    assert round(contrast("#ffffff", "#000000"), 1) == 21.0
    assert round(contrast("#ffbf47", "#ffffff"), 2) == 1.64  # the old focus ring the issue measured


def test_heat_cell_text_and_focus_ring_have_enough_contrast_on_every_colour():
    css = CSS.read_text()
    ink, focus, focus_ink = (_css_variable(css, n) for n in ("ink", "focus", "focus-ink"))
    heat = dict(re.findall(r"\.heat-(\d) \{ background: (#[0-9a-fA-F]{6}); \}", css))
    assert sorted(heat) == ["0", "1", "2", "3", "4"]
    for band, colour in heat.items():
        assert contrast(ink, colour) >= 4.5, (band, colour)  # cell numbers
        assert contrast(focus_ink, colour) >= 3  # the focus ring on a cell
    # Page backgrounds: white, the panel grey, the header blue and the accent (buttons).
    backgrounds = ["#ffffff", _css_variable(css, "bg"), _css_variable(css, "accent-dark"), _css_variable(css, "accent")]
    for background in backgrounds:
        assert max(contrast(focus_ink, background), contrast(focus, background)) >= 3, background
    # In the header (dark blue) the outer yellow ring is drawn on the blue itself.
    assert contrast(focus, _css_variable(css, "accent-dark")) >= 3
    assert re.search(r":focus-visible \{ outline: 3px solid var\(--focus-ink\)", css)


def test_heatmap_is_a_table_sortable_by_every_dimension(app, compared):
    client = client_for(app, "trainer@agency.example")
    html = client.get(f"/compare?round={compared['round']}").get_data(as_text=True)
    table = _heatmap(html)
    assert 'aria-labelledby="heatmap-title"' in html.split('class="numbers heatmap"')[1][:60]
    head = table.split("</thead>")[0]
    with app.app_context():
        from surveyapp.models import AssessmentRound

        dimensions = [d.key for d in db.session.get(AssessmentRound, compared["round"]).questionnaire.dimensions]
    for key in ["overall", *dimensions]:
        assert f"sort={key}" in head, key  # each column heading is a link (keyboard, screen reader)
    # Each opens the sorted page at the heatmap (a keyboard user is not sent back to the top of the page).
    links = re.findall(r'<a href="(/compare\?sort=[^"]*)"', head)
    assert len(links) == 1 + len(dimensions) and all(link.endswith("#heatmap-title") for link in links), links
    assert head.count('aria-sort="descending"') == 1 and 'aria-sort="descending"><a href="/compare?sort=overall' in head
    # Sorted by a dimension: that column is marked, and its numbers go down.
    key = dimensions[2]
    sorted_html = client.get(f"/compare?round={compared['round']}&sort={key}").get_data(as_text=True)
    sorted_table = _heatmap(sorted_html)
    head = sorted_table.split("</thead>")[0]
    assert head.count('aria-sort="descending"') == 1 and f'aria-sort="descending"><a href="/compare?sort={key}' in head
    column = []
    for row in sorted_table.split("</thead>")[1].split("<tr>")[1:]:
        cells = re.findall(r'<td class="heat heat-[0-9none]+">([^<]*)</td>', row)
        if cells:
            column.append(float(cells[1 + 2]))  # overall first, then the dimensions in order
    assert len(column) == 3 and column == sorted(column, reverse=True)
    # Every number is text in a cell with a band colour that matches it.
    for band, number in re.findall(r'class="heat heat-(\d)">(\d+\.\d)<', sorted_table):
        assert int(band) == min(4, int(float(number) // 20))


def test_spread_and_trend_charts_have_their_numbers_on_the_page(app, compared):
    from surveyapp.domain.stats import five_numbers
    from surveyapp.models import AssessmentRound
    from surveyapp.services.comparison import compare_departments

    client = client_for(app, "trainer@agency.example")
    html = client.get(f"/compare?round={compared['round']}").get_data(as_text=True)
    with app.app_context():
        round_ = db.session.get(AssessmentRound, compared["round"])
        comparison = compare_departments(round_, None, 3)
        shown = [r for r in comparison.rows if not r.suppressed]
        first = comparison.questionnaire.dimensions[0]
        expected = five_numbers([r.dimensions[first.key] for r in shown])
        title = first.title.get("en")
    spread = html.split('aria-labelledby="spread-numbers-title"')[1].split("</table>")[0]
    row = spread.split(title)[1].split("</tr>")[0]
    numbers = re.findall(r"<td>([\d.]+)</td>", row)
    assert numbers[0] == str(len(shown))
    assert numbers[1:6] == [f"{v:.1f}" for v in expected]
    assert numbers[6] == f"{shown[0].dimensions[first.key]:.1f}"  # the marked department: first of the ranking
    trend = html.split('aria-labelledby="trend-numbers-title"')[1].split("</table>")[0]
    assert "Median overall index" in trend and re.search(r"<td>\d+\.\d</td>", trend)
    # The chart images point to their tables.
    assert 'aria-describedby="spread-numbers-title"' in html and 'aria-describedby="trend-numbers-title"' in html


def test_chart_text_on_web_pages_has_enough_contrast(app, compared):
    client = client_for(app, "trainer@agency.example")
    for kind in ("spread", "trend"):
        svg = client.get(f"/compare/chart/{kind}.svg?round={compared['round']}").get_data(as_text=True)
        texts = re.findall(r"<text[^>]*style=\"([^\"]*)\"", svg)
        assert texts, kind
        for style in texts:
            fill = re.search(r"fill: (#[0-9a-fA-F]{6})", style)
            assert contrast(fill.group(1) if fill else "#000000", "#ffffff") >= 4.5, (kind, style)


def test_every_wide_table_is_a_focusable_named_region():
    """Each scrolling wrapper comes from macros/tables.html (role region, tabindex 0, aria-label)."""
    wrappers = 0
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert '<div class="table-scroll">' not in text, template
        if "<table" in text and "reports" not in template.parts and "training_pdf" not in template.name:
            assert "scroll_region(" in text, template
            wrappers += text.count("{% call scroll_region(")
    assert wrappers >= 18
    macro = (TEMPLATES / "macros" / "tables.html").read_text()
    assert 'role="region" tabindex="0" aria-label="{{ label }}"' in macro


def test_language_options_carry_their_lang(app, compared):
    client = client_for(app, "admin@agency.example")
    html = client.get(f"/admin/rounds/{compared['round']}").get_data(as_text=True)
    assert 'lang="zh-Hans"' in html.split('id="bulk-lang"')[1].split("</select>")[0]
    assert '<option value="zh_Hant" lang="zh-Hant"' in html


def test_heat_cell_bands_the_number_shown_and_escapes_its_label():
    """The heatmap cell (a function since issue 13): the band is the one of the number printed, the
    dimension title in data-label is text, never markup."""
    from surveyapp.views.context import heat_cell

    assert str(heat_cell(19.96, 'x"><script>alert(1)</script>')) == (
        '<td data-label="x&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" class="heat heat-1">20.0</td>'
    )
    assert str(heat_cell(19.94)) == '<td class="heat heat-0">19.9</td>'
    assert str(heat_cell(100.0)) == '<td class="heat heat-4">100.0</td>'
    assert str(heat_cell(None, "")) == '<td class="heat heat-none">—</td>'
