"""Standard XLSForm files: published forms import as published, or are refused with sheet, row,
column and a reason; nothing outside the supported subset is ignored without a warning."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from surveyapp.definitions import xlsform_workbook
from surveyapp.definitions.loader import QuestionnaireError, load_file, to_definition
from surveyapp.definitions.xlsform import export_xlsform, import_xlsform, import_xlsform_with_warnings
from tests.xlsform_sample import sample_xlsform

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "surveyapp" / "questionnaires" / "transparency-v1.yaml"


def _shared_xlsforms() -> Path | None:
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data" / "xlsforms"
        if candidate.is_dir():
            return candidate
    return None


SHARED = _shared_xlsforms()
needs_shared = pytest.mark.skipif(SHARED is None, reason="../shared/data/xlsforms is not on this machine")


def workbook(path, survey, choices=None, settings=None, extra=None):
    """Write an XLSForm: each sheet is a list of rows, the first row the header."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    for name, rows in (("choices", choices), ("settings", settings), *(extra or {}).items()):
        if rows is not None:
            other = book.create_sheet(name)
            for row in rows:
                other.append(row)
    book.save(path)
    return path


def problems_of(path) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        import_xlsform(path)
    return [str(p) for p in caught.value.problems]


# -- the five published files ------------------------------------------------------------------------


@needs_shared
def test_odk_central_simple_imports_as_an_unscored_survey():
    result = import_xlsform_with_warnings(SHARED / "odkcentral__simple.xlsx")
    questionnaire = result.questionnaire
    assert questionnaire.unscored and to_definition(questionnaire)["unscored"] is True
    assert [(i.key, i.kind, i.integer, i.required) for i in questionnaire.items] == [
        ("name", "text", False, False),
        ("age", "number", True, False),
    ]
    assert questionnaire.item("age").text.zh_Hans == "what is your age?"
    assert questionnaire.key == "odkcentral__simple" and questionnaire.version == 1
    messages = [str(w) for w in result.warnings]
    assert any("form_id: no form_id; the file name gives 'odkcentral__simple'" in m for m in messages)
    assert any("sheet survey: label: no label column in zh-Hans, zh-Hant, en" in m for m in messages)


@needs_shared
def test_pyxform_text_and_integer_imports_with_its_english_labels():
    questionnaire = import_xlsform(SHARED / "pyxform__text_and_integer.xlsx")
    assert [i.key for i in questionnaire.items] == ["your_name", "your_age"]
    assert questionnaire.item("your_age").text.en == "How many years old are you?"


@needs_shared
def test_pyxform_yes_or_no_question_is_an_unscored_choice():
    questionnaire = import_xlsform(SHARED / "pyxform__yes_or_no_question.xlsx")
    item = questionnaire.item("good_day")
    assert item.kind == "single_choice" and [o.value for o in item.options] == ["yes", "no"]
    assert all(o.score is None for o in item.options) and questionnaire.unscored


@needs_shared
def test_pyxform_or_other_is_refused_only_for_its_choice_filter():
    path = SHARED / "pyxform__or_other.xlsx"
    assert problems_of(path) == [
        f"{path}: sheet survey, row 3: choice_filter: filters choices by earlier answers (cascading selects); "
        "not supported, so every choice would be offered"
    ]


@needs_shared
def test_cascading_select_is_refused_row_by_row():
    path = SHARED / "xlsformorg__cascading_select.xlsx"
    problems = problems_of(path)
    assert [p.split(": ")[1:3] for p in problems] == [
        ["sheet survey, row 3", "choice_filter"],
        ["sheet survey, row 4", "choice_filter"],
    ]


# -- types and columns ----------------------------------------------------------------------------------


def test_or_other_adds_the_other_choice_and_a_question_shown_for_it(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [["type", "name", "label"], ["select_one colors or_other", "color", "Colour?"]],
        [["list name", "name", "label"], ["colors", "red", "Red"], ["colors", "blue", "Blue"]],
    )
    questionnaire = import_xlsform(path)
    color, other = questionnaire.items
    assert [o.value for o in color.options] == ["red", "blue", "other"]
    assert color.option("other").label.zh_Hans == "其他"
    assert (other.key, other.kind, other.show_if.item, other.show_if.value) == ("color_other", "text", "color", "other")


@pytest.mark.parametrize("spelling", ["select_one yn", "select one yn", "select one from yn", "SELECT_ONE yn"])
def test_select_one_spellings(tmp_path, spelling):
    path = workbook(
        tmp_path / "f.xlsx",
        [["type", "name", "label"], [spelling, "q", "Q?"]],
        [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
    )
    assert import_xlsform(path).item("q").kind == "single_choice"


def test_constraint_hint_required_message_default_and_note_are_used(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [
            ["type", "name", "label", "hint", "required", "required_message", "constraint", "constraint_message",
             "default"],
            ["note", "intro", "Answer for your own office.", None, None, None, None, None, None],
            ["integer", "age", "Age", "In years", "yes", "Your age, please", ". >= 13 and . <= 120",
             "Between 13 and 120", 30],
            ["decimal", "share", "Share", None, "no", None, "(. >= 0) and (. <= 1)", None, None],
            ["text", "code", "Code", None, None, None, "string-length(.) <= 6", "At most six", "abc"],
            ["integer", "count", "Count", None, None, None, ". > 0", None, None],
        ],
    )  # fmt: skip
    questionnaire = import_xlsform(path)
    age = questionnaire.item("age")
    assert (age.minimum, age.maximum, age.integer, age.required) == (13, 120, True, True)
    assert age.help.en == "Answer for your own office.\nIn years"
    assert age.required_message.en == "Your age, please" and age.constraint_message.en == "Between 13 and 120"
    assert age.default == 30
    share = questionnaire.item("share")
    assert (share.minimum, share.maximum, share.integer, share.required) == (0, 1, False, False)
    code = questionnaire.item("code")
    assert (code.min_length, code.max_length, code.default) == (None, 6, "abc")
    assert questionnaire.item("count").minimum == 1  # > 0 on a whole number is >= 1
    assert len(questionnaire.items) == 4  # the note is text, not a question


def test_constraints_outside_the_subset_are_refused_with_row_and_column(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [
            ["type", "name", "label", "constraint"],
            ["integer", "a", "A", ". <= ${b}"],
            ["decimal", "b", "B", ". > 0"],
            ["text", "c", "C", "regex(., '^[0-9]+$')"],
            ["date", "d", "D", ". <= today()"],
        ],
    )
    problems = problems_of(path)
    assert [p.split(": ")[1:3] for p in problems] == [
        ["sheet survey, row 2", "constraint"],
        ["sheet survey, row 3", "constraint"],
        ["sheet survey, row 4", "constraint"],
        ["sheet survey, row 5", "constraint"],
    ]
    assert "a strict bound on a decimal is not supported; use >= or <=" in problems[1]


def test_every_unsupported_column_and_type_is_refused_at_once_with_its_row(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [
            ["type", "name", "label", "choice_filter", "calculation", "relevant", "required"],
            ["select_one s", "s", "S", None, None, None, None],
            ["select_one s", "t", "T", "x=${s}", None, None, None],
            ["calculate", "c", None, None, "1 + 1", None, None],
            ["begin_repeat", "r", "R", None, None, None, None],
            ["text", "in_repeat", "In repeat", None, None, "${s} = 'a' or ${s} = 'b'", "${s} = 'a'"],
            ["end_repeat", None, None, None, None, None, None],
            ["geopoint", "where", "Where", None, None, None, None],
        ],
        [["list_name", "name", "label"], ["s", "a", "A"], ["s", "b", "B"]],
    )
    problems = problems_of(path)
    located = [p.split(": ")[1:3] for p in problems]
    for expected in (
        ["sheet survey, row 3", "choice_filter"],
        ["sheet survey, row 4", "type"],
        ["sheet survey, row 5", "type"],
        ["sheet survey, row 6", "relevant"],
        ["sheet survey, row 6", "required"],
        ["sheet survey, row 8", "type"],
    ):
        assert expected in located
    assert len(problems) == len(set(problems)) == 6


def test_presentation_columns_and_metadata_are_skipped_with_one_warning_each(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [
            ["type", "name", "label", "appearance", "media::image"],
            ["start", "start", None, None, None],
            ["text", "a", "A", "multiline", "a.png"],
            ["text", "b", "B", "multiline", None],
            ["deviceid", "device", None, None, None],
        ],
    )
    result = import_xlsform_with_warnings(path)
    messages = [str(w).split(": ", 1)[1] for w in result.warnings]
    assert "sheet survey: appearance: skipped (presentation only), rows 3, 4" in messages
    assert "sheet survey: media::image: skipped (presentation only), row 3" in messages
    assert "sheet survey, row 2: type: start: device metadata is not collected" in messages
    assert "sheet survey, row 5: type: deviceid: device metadata is not collected" in messages
    assert [i.key for i in result.questionnaire.items] == ["a", "b"]


def test_an_unknown_language_column_gives_one_warning_not_one_per_row(tmp_path):
    rows = [["type", "name", "label::English (en)", "label::Français (fr)"]]
    rows += [["text", f"q{n}", f"Question {n}", f"Question {n} (fr)"] for n in range(30)]
    result = import_xlsform_with_warnings(workbook(tmp_path / "f.xlsx", rows))
    about_french = [str(w) for w in result.warnings if "Français" in str(w)]
    assert about_french == [
        f"{tmp_path / 'f.xlsx'}: sheet survey: label::Français (fr): language not shown by the app "
        "(zh-Hans, zh-Hant, en); column not used"
    ]


def test_an_answer_shown_in_a_label_is_refused(tmp_path):
    path = workbook(tmp_path / "f.xlsx", [["type", "name", "label"], ["text", "a", "A"], ["text", "b", "Hello ${a}"]])
    assert problems_of(path) == [
        f"{path}: sheet survey, row 3: label: shows an earlier answer (${{…}}), which the app cannot do"
    ]


def test_groups_are_flattened_with_a_warning_and_a_condition_on_a_group_is_refused(tmp_path):
    survey = [
        ["type", "name", "label", "relevant"],
        ["begin_group", "g", "Group", None],
        ["text", "a", "A", None],
        ["end_group", None, None, None],
    ]
    result = import_xlsform_with_warnings(workbook(tmp_path / "ok.xlsx", survey))
    assert [i.key for i in result.questionnaire.items] == ["a"] and len(result.questionnaire.parts) == 1
    assert any(
        "sheet survey, row 2: type: begin_group: groups are not shown as such" in str(w) for w in result.warnings
    )
    survey[1][3] = "${x} = 'y'"
    assert problems_of(workbook(tmp_path / "bad.xlsx", survey)) == [
        f"{tmp_path / 'bad.xlsx'}: sheet survey, row 2: relevant: a condition on a whole group is not supported; "
        "put it on each question"
    ]


def test_problems_the_validator_finds_name_sheet_row_and_column(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [["type", "name", "label", "relevant"], ["text", "a", "A", "${later} = 'x'"], ["text", "later", "L", None]],
    )
    assert problems_of(path) == [
        f"{path}: sheet survey, row 2: relevant: item a: points at 'later', which is not an earlier item of this part"
    ]


def test_settings_sheet_names_the_form(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [["type", "name", "label"], ["text", "a", "A"]],
        settings=[["form_title", "form_id", "version"], ["Hotline", "Hot-Line", "2026113001"]],
    )
    questionnaire = import_xlsform(path)
    assert (questionnaire.key, questionnaire.version, questionnaire.title.zh_Hant) == (
        "hot_line",
        2026113001,
        "Hotline",
    )


# -- scoring extension and export -------------------------------------------------------------------


def test_a_form_with_scores_is_scored_in_one_dimension(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [["type", "name", "label"], ["select_one q", "q", "Q?"]],
        [["list_name", "name", "label", "score"], ["q", "good", "Good", 100], ["q", "bad", "Bad", 0]],
    )
    questionnaire = import_xlsform(path)
    assert not questionnaire.unscored and [o.score for o in questionnaire.item("q").options] == [100, 0]
    assert [d.key for d in questionnaire.dimensions] == ["all"]


def test_an_unscored_survey_round_trips_through_the_export(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [
            ["type", "name", "label", "required", "constraint", "default"],
            ["integer", "age", "Age", "yes", ". >= 13 and . <= 120", 30],
            ["select_multiple s", "s", "S", None, None, "a b"],
            ["text", "t", "T", None, "string-length(.) >= 2 and string-length(.) <= 5", None],
        ],
        [["list_name", "name", "label"], ["s", "a", "A"], ["s", "b", "B"]],
    )
    questionnaire = import_xlsform(path)
    again = import_xlsform(export_xlsform(questionnaire), "export.xlsx")
    assert again == questionnaire and again.unscored


def _pyxform_convert(content: bytes, tmp_path) -> str:
    from pyxform.xls2xform import convert

    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    return convert(xlsform=str(path), validate=False).xform


def test_exported_xlsforms_convert_with_pyxform(tmp_path):
    questionnaire = load_file(BUILTIN)
    builtin = _pyxform_convert(export_xlsform(questionnaire), tmp_path)
    assert all(f'nodeset="/data/{i.part}/{i.key}"' in builtin for i in questionnaire.items)
    hotline = _pyxform_convert(export_xlsform(import_xlsform(sample_xlsform(tmp_path / "h.xlsx"))), tmp_path)
    assert (
        '<bind nodeset="/data/staff/hotline_hours" type="int" required="true()" '
        "relevant=\" /data/staff/has_hotline  = 'yes'\"/>" in hotline
    )
    survey = workbook(
        tmp_path / "s.xlsx",
        [["type", "name", "label", "constraint"], ["integer", "age", "Age", ". >= 13 and . <= 120"]],
    )
    xform = _pyxform_convert(export_xlsform(import_xlsform(survey)), tmp_path)
    assert 'constraint=". &gt;= 13 and . &lt;= 120"' in xform


# -- the workbook itself: limits, formulas, other file types ---------------------------------------------


def _with_formula(path: Path, cached: str | None) -> Path:
    """The workbook at ``path`` with cell C2 turned into a formula, with or without a stored value."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    sheet = entries["xl/worksheets/sheet1.xml"].decode()
    value = f"<v>{cached}</v>" if cached is not None else "<v></v>"
    sheet = re.sub(r'<c r="C2"[^>]*>.*?</c>', f'<c r="C2" t="str"><f>"Your"&amp;" name"</f>{value}</c>', sheet)
    entries["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_a_formula_without_a_stored_value_is_refused_and_one_with_a_value_is_used(tmp_path):
    rows = [["type", "name", "label"], ["text", "name", "placeholder"]]
    refused = _with_formula(workbook(tmp_path / "a.xlsx", rows), None)
    assert problems_of(refused) == [
        f"{refused}: sheet survey, row 2: label: a formula without a stored value; the app does not calculate "
        "formulas: type the value, or open and save the file in a spreadsheet program"
    ]
    used = _with_formula(workbook(tmp_path / "b.xlsx", rows), "Your name")
    assert import_xlsform(used).item("name").text.en == "Your name"


def test_a_small_file_that_unpacks_to_a_huge_sheet_is_refused_before_openpyxl_reads_it(tmp_path, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", "<sst><si><t>" + "x" * (40 * 1024 * 1024) + "</t></si></sst>")
    content = buffer.getvalue()
    assert len(content) < 200 * 1024

    def must_not_load(*args, **kwargs):
        raise AssertionError("openpyxl was asked to load the workbook")

    monkeypatch.setattr(xlsform_workbook, "load_workbook", must_not_load)
    with pytest.raises(QuestionnaireError) as caught:
        import_xlsform(content, "bomb.xlsx")
    assert str(caught.value).startswith("bomb.xlsx: file: -: unpacks to 40 MB; at most 30 MB")


def test_a_cell_over_the_limit_is_refused_with_sheet_row_and_column(tmp_path):
    path = workbook(tmp_path / "f.xlsx", [["type", "name", "label"], ["text", "a", "x" * 10_001]])
    assert problems_of(path) == [f"{path}: sheet survey, row 2: label: the cell has 10001 characters; at most 10000"]


def test_a_sheet_over_the_row_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsform_workbook, "MAX_ROWS", 10)
    rows = [["type", "name", "label"]] + [["text", f"q{n}", "Q"] for n in range(20)]
    assert problems_of(workbook(tmp_path / "f.xlsx", rows)) == [
        f"{tmp_path / 'f.xlsx'}: sheet survey: -: has more than 10 rows with values"
    ]


def test_an_xls_file_is_refused_with_how_to_save_it():
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    with pytest.raises(QuestionnaireError) as caught:
        import_xlsform(content, "old.xls")
    assert "save it as .xlsx" in str(caught.value)


def test_the_template_in_docs_imports_without_warnings_and_converts_with_pyxform(tmp_path):
    template = ROOT / "docs" / "xlsform-template.xlsx"
    result = import_xlsform_with_warnings(template)
    assert result.warnings == [] and not result.questionnaire.unscored
    assert result.questionnaire.item("hotline_hours").maximum == 168
    assert "hotline_hours" in _pyxform_convert(template.read_bytes(), tmp_path)
    exported = export_xlsform(result.questionnaire)  # with required_message, constraint_message, default
    assert import_xlsform(exported, "export.xlsx") == result.questionnaire
    xform = _pyxform_convert(exported, tmp_path)
    assert 'constraint=". &gt;= 0 and . &lt;= 168"' in xform and "<value>Between 0 and 168</value>" in xform


def test_names_outside_the_key_pattern_are_stored_in_lower_case_with_their_references(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [
            ["type", "name", "label", "relevant"],
            ["select_one yn", "Q1-Has", "Has?", None],
            ["text", "Q2", "Which?", "${Q1-Has} = 'yes'"],
        ],
        [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
    )
    result = import_xlsform_with_warnings(path)
    assert [i.key for i in result.questionnaire.items] == ["q1_has", "q2"]
    assert result.questionnaire.item("q2").show_if.item == "q1_has"
    assert f"{path}: sheet survey, row 2: name: 'Q1-Has' is stored as 'q1_has' (lower-case letters, digits, _)" in [
        str(w) for w in result.warnings
    ]


def test_curly_quotes_in_expressions_are_read_as_straight_quotes_with_a_warning(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [["type", "name", "label", "relevant"], ["select_one yn", "a", "A", None], ["text", "b", "B", "${a}=’yes’"]],
        [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
    )
    result = import_xlsform_with_warnings(path)
    assert result.questionnaire.item("b").show_if.value == "yes"
    assert f"{path}: sheet survey, row 3: relevant: curly quotes (‘ ’ “ ”) are read as straight quotes" in [
        str(w) for w in result.warnings
    ]


def test_bad_and_duplicate_names_are_reported_with_the_other_problems(tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [
            ["type", "name", "label"],
            ["text", "a", "A"],
            ["text", "a", "Again"],
            ["text", "1st", "First"],
            ["geopoint", "where", "Where"],
        ],
    )
    assert [p.split(": ", 1)[1] for p in problems_of(path)] == [
        "sheet survey, row 3: name: 'a' is also the name on row 2",
        "sheet survey, row 4: name: '1st' is not a valid name (a letter, then letters, digits or _)",
        "sheet survey, row 5: type: question type 'geopoint' is not supported (supported: select_one, "
        "select_multiple, integer, decimal, date, text, file, note, begin_group)",
    ]
