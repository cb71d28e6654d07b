"""Issue 18: PDFs people can read — the training-needs matrix, the heatmap, the scorecard's page plan."""

import io
import subprocess

import pdfplumber
import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import Organisation
from surveyapp.reporting.charts import wrap_lines
from tests.helpers import overlapping_characters, seed, sign_in

pytestmark = pytest.mark.slow

LANGS = ("zh_Hans", "zh_Hant", "en")
# A 60+ character department name with characters that mean something to HTML, mathtext and spreadsheets.
LONG_NAME = "市🙂$x$ <b>应急管理局网络安全与信息化综合执法支队新媒体融合平台运维中心第三科室ABCDEFGHIJKLMNOPQRST"


@pytest.fixture
def seeded(app, runner, create_user):
    round_id = seed(runner, departments=6, respondents=6)
    create_user("root@agency.example", "admin")
    with app.app_context():
        departments = db.session.scalars(
            select(Organisation).where(Organisation.kind == "department").order_by(Organisation.code)
        ).all()
        first = departments[0]
        first.name_zh_hans = first.name_zh_hant = first.name_en = LONG_NAME
        db.session.commit()
        return {"round_id": round_id, "ids": [d.id for d in departments]}


def _client(app, lang):
    client = app.test_client()
    sign_in(client, "root@agency.example", lang=lang)
    return client


def _text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


@pytest.mark.parametrize("lang", LANGS)
def test_training_matrix_pdf_is_landscape_with_no_text_over_text(app, seeded, lang):
    client = _client(app, lang)
    response = client.get(f"/compare/training.pdf?round={seeded['round_id']}")
    assert response.status_code == 200
    pdf = response.data
    assert overlapping_characters(pdf) == [], "text printed over other text"
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pages = document.pages
        assert all(page.width > page.height for page in pages), "landscape A4"
        header_word = {"zh_Hans": "部门", "zh_Hant": "部門", "en": "Department"}[lang]
        for page in pages:  # the table's header repeats on every page
            assert header_word in (page.extract_text() or ""), page.page_number
        # Every character of every cell is on the page (nothing cut at an edge).
        for page in pages:
            for char in page.chars:
                assert 0 <= char["x0"] and char["x1"] <= page.width + 0.5
        # The long name is wrapped inside the department column, whole: read that column alone.
        first = pages[0]
        grade = {"zh_Hans": "等级", "zh_Hant": "等級", "en": "Grade"}[lang]
        column_end = min(w["x0"] for w in first.extract_words() if w["text"] == grade)
        column = first.crop((0, 0, column_end - 1, first.height)).extract_text()
    assert "".join(LONG_NAME.split()) in "".join(column.split()), "a long name is wrapped in its cell, never cut"


def test_training_matrix_defaults_to_the_finest_grouping_that_shows_most_groups(app, seeded):
    from surveyapp.models import AssessmentRound
    from surveyapp.services.comparison import (
        GroupingChoice,
        default_training_grouping,
        training_grouping_choices,
        training_needs,
    )

    with app.app_context():
        round_ = db.session.get(AssessmentRound, seeded["round_id"])
        choices = training_grouping_choices(round_, seeded["ids"], 3)
        chosen = default_training_grouping(choices)
        shares = {c.by: c.shown / c.total for c in choices}
        # The rule on these data: the first (finest) with more than half shown, else the best share.
        majority = [c.by for c in choices if c.shown * 2 > c.total]
        assert chosen == (majority[0] if majority else max(shares, key=shares.get))
        # Staff levels in rank order (clerk < section < division), not alphabetical.
        ranks = list(round_.questionnaire.staff_levels)
        for org in seeded["ids"]:
            levels = [n.level for n in training_needs(round_, [org], 3, by="level")]
            assert levels == sorted(levels, key=ranks.index)
    # The rule itself, on made-up counts.
    assert default_training_grouping([GroupingChoice("level_post", 1, 44), GroupingChoice("level", 15, 21),
                                      GroupingChoice("post", 30, 34)]) == "level"  # fmt: skip
    assert default_training_grouping([GroupingChoice("level_post", 30, 44), GroupingChoice("level", 20, 21),
                                      GroupingChoice("post", 30, 34)]) == "level_post"  # fmt: skip
    assert default_training_grouping([GroupingChoice("level_post", 1, 44), GroupingChoice("level", 4, 21),
                                      GroupingChoice("post", 5, 34)]) == "level"  # fmt: skip
    # The page and the PDF open on the chosen grouping, and say which.
    client = _client(app, "en")
    page = client.get(f"/compare/training?round={seeded['round_id']}").get_data(as_text=True)
    labels = {"level_post": "Staff level and post", "level": "Staff level only", "post": "Post only",
              "department": "Whole department (all staff)"}  # fmt: skip
    assert f'value="{chosen}" selected' in page
    pdf = client.get(f"/compare/training.pdf?round={seeded['round_id']}").data
    assert f"Staffgroupedby:{labels[chosen]}".replace(" ", "") in "".join(_text(pdf).split())


@pytest.mark.parametrize("lang", LANGS)
def test_every_label_of_a_long_department_name_is_complete_in_the_heatmap(app, seeded, lang):
    client = _client(app, lang)
    pdf = client.get(f"/compare/report.pdf?round={seeded['round_id']}&lang={lang}").data
    assert pdf.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        lines = [line["text"] for page in document.pages for line in page.extract_text_lines()]
    # The heatmap wraps the name into lines of its own (28 half-width units): each line is printed whole.
    for line in wrap_lines(LONG_NAME, 28):
        assert any(line in printed for printed in lines), (line, lines[:40])
    assert len(LONG_NAME) >= 60


def test_summary_table_stays_with_its_charts_in_every_language(app, seeded):
    """Same page plan in every language: cover, then the summary (charts and their table), then peers."""
    plans = {}
    for lang in LANGS:
        client = _client(app, lang)
        # The department with the long, hostile name: printed literally on the cover.
        pdf = client.get(f"/rounds/{seeded['round_id']}/departments/{seeded['ids'][0]}/scorecard.pdf?lang={lang}").data
        pages = [page for page in _text(pdf).split("\f") if page.strip()]
        assert "".join(LONG_NAME.split()) in "".join(pages[0].split())
        # The cover names the top priorities; the methodology explains the terms (glossary).
        priorities = {"zh_Hans": "优先改进事项", "zh_Hant": "優先改進事項", "en": "Top priorities"}[lang]
        assert priorities.replace(" ", "") in "".join(pages[0].split())
        glossary = {"zh_Hans": "术语表", "zh_Hant": "術語表", "en": "Glossary"}[lang]
        tail = "".join("".join(pages[-3:]).split())
        assert glossary in tail and "α" in tail and "SD" in tail and "CI" in tail
        # Nothing runs past the margins (16 mm left and right): long words break inside their cells.
        margin = 16 / 25.4 * 72
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            outside = [(page.page_number, c["text"]) for page in document.pages for c in page.chars
                       if c["x0"] < margin - 1 or c["x1"] > page.width - margin + 1]  # fmt: skip
        assert outside == [], outside[:10]
        summary = {"zh_Hans": "概览", "zh_Hant": "概覽", "en": "Summary"}[lang]
        aid = {"zh_Hans": "如何阅读", "zh_Hant": "如何閱讀", "en": "How to read"}[lang]
        page_of = {key: next(i for i, p in enumerate(pages) if key.replace(" ", "") in "".join(p.split()))
                   for key in (summary, aid)}  # fmt: skip
        plans[lang] = page_of[summary], page_of[aid]
        assert page_of[summary] == page_of[aid] == 1, (lang, page_of)
    assert len(set(plans.values())) == 1


def _plan(pdf: bytes) -> tuple[int, list[tuple[int, int]]]:
    """(page count, [(level, page) of every section heading]): WeasyPrint makes each h1/h2 a bookmark that points
    at the page where the heading is printed."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        number = {page.page_obj.pageid: page.page_number for page in document.pages}
        headings = [(level, number[destination[0].objid])
                    for level, _, destination, _, _ in document.doc.get_outlines() if level <= 2]  # fmt: skip
        return len(document.pages), headings


def test_department_scorecard_follows_the_same_page_plan_in_every_language(app, runner, create_user):
    """The demo round (`flask demo seed` with its defaults): page count and the page of every section heading are the
    same in zh-Hans, zh-Hant and English, for a department with red lines and one without (issue 18)."""
    from surveyapp.models import AssessmentRound
    from surveyapp.services.scorecards import department_scorecard_data, round_context

    round_id = seed(runner, departments=10, respondents=8, seed_value=1)
    create_user("root@agency.example", "admin")
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        context = round_context(round_)
        red = {d.id: bool(department_scorecard_data(context, d, "en").red_lines) for d in round_.departments}
    chosen = [next(i for i, hit in red.items() if hit), next(i for i, hit in red.items() if not hit)]
    for department in chosen:
        plans = {}
        for lang in LANGS:
            client = _client(app, lang)
            pdf = client.get(f"/rounds/{round_id}/departments/{department}/scorecard.pdf?lang={lang}").data
            plans[lang] = _plan(pdf)
        pages, headings = plans["zh_Hans"]
        assert len(headings) >= 12, headings  # name, summary, peers, seven dimensions, training, methodology
        for lang in ("zh_Hant", "en"):
            assert plans[lang] == plans["zh_Hans"], (department, red[department], lang, plans)


def test_comparison_pdf_has_one_page_plan_and_no_text_over_text(app, runner, create_user):
    """14 departments, three with 60-character English names: in every language the title and the heatmap share
    page 1, the ranking's headings do not run into each other ("Overall index" over "Grade" in English), and the
    note under the ranking is not left alone on a page."""
    round_id = seed(runner, departments=14, respondents=3)
    create_user("root@agency.example", "admin")
    with app.app_context():
        departments = db.session.scalars(select(Organisation).where(Organisation.kind == "department")).all()
        for department in departments[:3]:
            department.name_en = "Office of Government Information Disclosure & New Media Inte"
        db.session.commit()
    starts = {}
    for lang in LANGS:
        pdf = _client(app, lang).get(f"/compare/report.pdf?round={round_id}").data
        assert overlapping_characters(pdf) == [], lang
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            first = [line["text"] for line in document.pages[0].extract_text_lines()]
            assert len(first) > 10, f"{lang}: the heatmap is not on the first page: {first}"
            last = document.pages[-1].extract_text_lines()
            # The plan: title and heatmap, then the ranking from page 2 (longer English names may add a page).
            starts[lang] = next(p.page_number for p in document.pages if "D7" in (p.extract_text() or ""))
        assert len(last) > 2, f"{lang}: the last page holds only {[line['text'] for line in last]}"
    assert set(starts.values()) == {2}, starts


def test_a_note_under_a_table_never_starts_a_page_alone():
    """Whatever the table's length, the note printed under it shares its page with the table's last rows."""
    from surveyapp.reporting.report import html_to_pdf

    note = "NOTE-UNDER-THE-TABLE"
    for rows in range(24, 40):  # the table ends near the foot of page 1 somewhere in this range
        body = "".join(f"<tr><td>row {i}</td><td class='num'>{i}.0</td></tr>" for i in range(rows))
        for table in (f"<table>{body}</table>", f"<div class='table-scroll'><table>{body}</table></div>"):
            html = f"<html lang='en'><body><h1>Title</h1>{table}<p class='muted'>{note}</p></body></html>"
            with pdfplumber.open(io.BytesIO(html_to_pdf(html))) as document:
                page = next(p for p in document.pages if note in (p.extract_text() or ""))
                assert "row" in page.extract_text(), (rows, table[:30], "the note starts a page alone")


def test_training_matrix_of_small_departments_shows_each_department_as_a_whole(app, runner, create_user):
    """Four staff a department: any split by level or post leaves a group or its rest below 3, so every finer
    grouping hides every row. The matrix then opens on the whole department, with its weakest dimensions."""
    from surveyapp.models import AssessmentRound
    from surveyapp.services.comparison import default_training_grouping, training_grouping_choices

    round_id = seed(runner, departments=3, respondents=4, seed_value=4)
    create_user("root@agency.example", "admin")
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        ids = [d.id for d in round_.departments]
        choices = {c.by: c for c in training_grouping_choices(round_, ids, 3)}
        assert choices["department"].shown == choices["department"].total == 3
        assert all(c.shown * 2 <= c.total for by, c in choices.items() if by != "department")
        assert default_training_grouping(list(choices.values())) == "department"
    client = _client(app, "en")
    html = client.get(f"/compare/training?round={round_id}").get_data(as_text=True)
    assert 'value="department" selected' in html and "Whole department (all staff)" in html
    assert "suppressed (fewer than" not in html and "All levels" in html and "All posts" in html
    text = "".join(_text(client.get(f"/compare/training.pdf?round={round_id}").data).split())
    assert "Staffgroupedby:Wholedepartment(allstaff)" in text and "suppressed(fewerthan" not in text
