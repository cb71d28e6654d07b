"""Each validation error names the file, where (the item key), the field and the problem."""

from collections import Counter
from pathlib import Path

import pytest

from surveyapp.definitions.loader import QuestionnaireError, load_file, parse_definition, read_yaml, to_definition
from tests.domain.minimal import T, minimal_definition

BUILTIN = Path(__file__).resolve().parents[2] / "surveyapp" / "questionnaires" / "transparency-v1.yaml"


def problems_of(data, source="defs/mini.yaml"):
    with pytest.raises(QuestionnaireError) as caught:
        parse_definition(data, source)
    return [str(problem) for problem in caught.value.problems]


def items(data):
    return [item for section in data["parts"][0]["sections"] for item in section["items"]]


def test_minimal_definition_is_valid():
    questionnaire = parse_definition(minimal_definition(), "mini.yaml")
    assert [item.key for item in questionnaire.items] == ["q1", "q2", "q3"]


def test_duplicate_item_key():
    data = minimal_definition()
    items(data)[2]["key"] = "q1"
    assert "defs/mini.yaml: item q1: key: duplicate key" in problems_of(data)


def test_unknown_kind_is_an_error_not_skipped():
    data = minimal_definition()
    items(data)[0]["kind"] = "slider"
    [message] = [p for p in problems_of(data) if "kind" in p]
    assert message.startswith("defs/mini.yaml: item q1: kind: unknown kind 'slider'")


def test_missing_translation():
    data = minimal_definition()
    items(data)[1]["text"] = {"zh_Hans": "简", "en": "en"}
    assert "defs/mini.yaml: item q2: text: missing translation zh_Hant" in problems_of(data)


def test_option_score_out_of_range():
    data = minimal_definition()
    items(data)[2]["options"][0]["score"] = 120
    assert "defs/mini.yaml: item q3: options.a.score: score 120 is out of range 0–100" in problems_of(data)


def test_show_if_pointing_at_unknown_item():
    data = minimal_definition()
    items(data)[1]["show_if"] = {"item": "nope", "equals": "yes"}
    assert any(p.startswith("defs/mini.yaml: item q2: show_if: points at 'nope'") for p in problems_of(data))


def test_show_if_pointing_at_later_item():
    data = minimal_definition()
    items(data)[0]["show_if"] = {"item": "q3", "equals": "a"}
    assert any(
        p.startswith("defs/mini.yaml: item q1: show_if: points at 'q3', which is not an earlier item")
        for p in problems_of(data)
    )


def test_show_if_value_that_cannot_be_answered():
    data = minimal_definition()
    items(data)[1]["show_if"] = {"item": "q1", "equals": "maybe"}
    assert any("item q2: show_if: 'maybe' is not a possible answer" in p for p in problems_of(data))


@pytest.mark.parametrize("weight", [0, -1])
def test_item_weight_must_be_positive(weight):
    data = minimal_definition()
    items(data)[0]["weight"] = weight
    assert f"defs/mini.yaml: item q1: weight: must be positive, got {weight}" in problems_of(data)


def test_dimension_weight_must_be_positive():
    data = minimal_definition()
    data["dimensions"][1]["weight"] = 0
    assert "defs/mini.yaml: dimension D2: weight: must be positive, got 0" in problems_of(data)


def test_unknown_item_field_catches_typos():
    data = minimal_definition()
    items(data)[0]["requried"] = True
    assert "defs/mini.yaml: item q1: requried: unknown field" in problems_of(data)


def test_all_problems_reported_at_once():
    data = minimal_definition()
    items(data)[0]["kind"] = "slider"
    items(data)[2]["options"][0]["score"] = -5
    data["dimensions"][0]["weight"] = -2
    assert len(problems_of(data)) >= 3


def test_section_with_unknown_dimension():
    data = minimal_definition()
    data["parts"][0]["sections"][0]["dimension"] = "D9"
    assert "defs/mini.yaml: part staff: sections: unknown dimension 'D9'" in problems_of(data)


def test_reverse_only_on_scales():
    data = minimal_definition()
    items(data)[2]["reverse"] = True
    assert "defs/mini.yaml: item q3: reverse: only likert5 and yesno items can be reversed" in problems_of(data)


def test_red_line_value_must_be_possible():
    data = minimal_definition()
    items(data)[0]["red_line"] = {"when": {"equals": "perhaps"}, "text": T}
    assert any("item q1: red_line.when: 'perhaps' is not a possible answer" in p for p in problems_of(data))


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("key: x\nversion: 1\ntitle: {zh_Hans: a: b}\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        read_yaml(path)
    assert str(caught.value).startswith(f"{path}: line 3: -: not valid YAML")


def test_definition_round_trips_through_plain_data():
    questionnaire = load_file(BUILTIN)
    assert parse_definition(to_definition(questionnaire), "again") == questionnaire


class TestBuiltinInstrument:
    questionnaire = load_file(BUILTIN)

    def test_seven_dimensions_in_two_parts(self):
        assert [d.key for d in self.questionnaire.dimensions] == [f"D{i}" for i in range(1, 8)]
        assert [(p.key, p.respondent) for p in self.questionnaire.parts] == [
            ("staff", "staff"),
            ("department", "coordinator"),
        ]

    def test_at_least_45_items_and_the_three_problem_areas_carry_most(self):
        counts = Counter(item.dimension for item in self.questionnaire.items)
        assert sum(counts.values()) >= 45
        assert min(counts[d] for d in ("D1", "D2", "D3")) > max(counts[d] for d in ("D4", "D5", "D6", "D7"))

    def test_red_lines_of_the_brief(self):
        red = {item.key: item.red_line.condition for item in self.questionnaire.items if item.red_line}
        assert red["d3_c01"].op == "above" and red["d3_c01"].value == 14
        assert red["d3_c03"].op == "above" and red["d3_c03"].value == 9
        assert {"d1_c01", "d3_c02"} <= set(red)

    def test_every_dimension_has_advice_for_every_grade(self):
        grades = {grade.key for grade in self.questionnaire.grades}
        for dimension in self.questionnaire.dimensions:
            assert set(dimension.recommendations) == grades, dimension.key

    def test_training_modules_cover_every_dimension(self):
        covered = {d for module in self.questionnaire.training_modules for d in module.dimensions}
        assert covered == {d.key for d in self.questionnaire.dimensions}

    def test_scored_items_cite_a_basis(self):
        missing = [i.key for i in self.questionnaire.items if i.scored and not i.basis.en]
        assert missing == []
