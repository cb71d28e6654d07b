from pathlib import Path

import pytest

from surveyapp.definitions.loader import QuestionnaireError, load_file
from surveyapp.definitions.xlsform import export_xlsform, import_xlsform
from tests.xlsform_sample import sample_xlsform

BUILTIN = Path(__file__).resolve().parents[2] / "surveyapp" / "questionnaires" / "transparency-v1.yaml"


def test_sample_xlsform_maps_onto_the_model(tmp_path):
    questionnaire = import_xlsform(sample_xlsform(tmp_path / "hotline.xlsx"))
    assert (questionnaire.key, questionnaire.version) == ("hotline", 2026112701)
    assert questionnaire.title.zh_Hant == "熱線服務自評"
    items = {item.key: item for item in questionnaire.items}
    assert items["has_hotline"].kind == "single_choice"
    assert [o.score for o in items["has_hotline"].options] == [100, 0]
    assert items["hotline_hours"].kind == "number"
    assert items["hotline_hours"].show_if.item == "has_hotline" and items["hotline_hours"].show_if.value == "yes"
    assert [(b.min, b.score) for b in items["hotline_hours"].bands] == [(40, 100), (20, 50), (None, 0)]
    assert items["hotline_hours"].help.zh_Hans == "计算所有有人值守的小时"
    assert items["comment"].kind == "text" and not items["comment"].required
    assert [d.weight for d in questionnaire.dimensions] == [2, 1]
    assert [g.key for g in questionnaire.grades] == ["excellent", "good", "pass", "fail"]


def test_builtin_instrument_round_trips_through_xlsx():
    questionnaire = load_file(BUILTIN)
    assert import_xlsform(export_xlsform(questionnaire), "export.xlsx") == questionnaire


def test_unsupported_relevant_names_sheet_and_row(tmp_path):
    path = sample_xlsform(tmp_path / "bad.xlsx", relevant="${has_hotline} = 'yes' and ${x} > 3")
    with pytest.raises(QuestionnaireError) as caught:
        import_xlsform(path)
    assert str(caught.value).startswith(f"{path}: sheet survey, row 3: relevant: unsupported expression")


def test_unsupported_type_names_sheet_and_row(tmp_path):
    extra = [["geopoint", "where", "位置", "位置", "Where", None, None, None, "no", None, "P2", None]]
    path = sample_xlsform(tmp_path / "bad.xlsx", survey_extra=extra)
    with pytest.raises(QuestionnaireError) as caught:
        import_xlsform(path)
    assert f"{path}: sheet survey, row 6: type: question type 'geopoint' is not supported" in str(caught.value)


def test_a_missing_translation_is_shown_in_another_language_with_a_warning_naming_the_row(tmp_path):
    extra = [["text", "note2", "备注", None, "Note", None, None, None, "no", None, "P2", None]]
    path = sample_xlsform(tmp_path / "bad.xlsx", survey_extra=extra)
    warnings = []
    questionnaire = import_xlsform(path, warnings=warnings)
    assert questionnaire.item("note2").text.zh_Hant == "备注"
    assert [str(w) for w in warnings] == [
        f"{path}: sheet survey, row 6: label::繁體中文 (zh-Hant): no text in zh-Hant; "
        "the text of column label::简体中文 (zh-Hans) is shown instead"
    ]


def test_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("hello")
    with pytest.raises(QuestionnaireError) as caught:
        import_xlsform(path)
    assert str(caught.value).startswith(f"{path}: file: -: not a readable .xlsx workbook")


def _v2_with_constraint_of(tmp_path, key: str, constraint: str) -> Path:
    from openpyxl import load_workbook

    v2 = BUILTIN.with_name("transparency-v2.yaml")
    path = tmp_path / "v2.xlsx"
    path.write_bytes(export_xlsform(load_file(v2)))
    workbook = load_workbook(path)
    survey = workbook["survey"]
    header = [cell.value for cell in survey[1]]
    row = next(r for r in survey.iter_rows(min_row=2) if r[header.index("name")].value == key)
    row[header.index("constraint")].value = constraint
    workbook.save(path)
    return path


def test_none_of_these_constraint_reads_as_an_exclusive_option(tmp_path):
    path = _v2_with_constraint_of(tmp_path, "d4_s04", "not(selected(.,'online') and count-selected(.)>1)")
    options = {o.value: o.exclusive for o in import_xlsform(path).item("d4_s04").options}
    assert options["online"] and not options["none"] and not options["off_job"]


@pytest.mark.parametrize(
    "constraint, problem",
    [
        ("count-selected(.) <= 2", "unsupported expression"),
        ("not(selected(., 'nothing') and count-selected(.) > 1)", "'nothing' is not one of the question's choices"),
    ],
)
def test_other_constraints_on_a_select_multiple_are_refused_by_name(tmp_path, constraint, problem):
    path = _v2_with_constraint_of(tmp_path, "d4_s04", constraint)
    with pytest.raises(QuestionnaireError) as caught:
        import_xlsform(path)
    assert f"{path}: sheet survey, row" in str(caught.value) and f"constraint: {problem}" in str(caught.value)
