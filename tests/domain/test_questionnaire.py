from surveyapp.definitions.loader import parse_definition
from surveyapp.domain.questionnaire import NA, Condition, unanswered_required, visible_items
from tests.domain.minimal import minimal_definition


def questionnaire():
    return parse_definition(minimal_definition(), "mini.yaml")


def test_show_if_hides_until_condition_holds():
    items = questionnaire().items
    assert [i.key for i in visible_items(items, {"q1": "no"})] == ["q1", "q3"]
    assert [i.key for i in visible_items(items, {"q1": "yes"})] == ["q1", "q2", "q3"]


def test_answer_to_a_hidden_item_does_not_open_later_items():
    data = minimal_definition()
    section = data["parts"][0]["sections"][0]["items"]
    section.append({"key": "q2b", "kind": "yesno", "text": section[0]["text"], "show_if": {"item": "q2", "equals": 5}})
    items = parse_definition(data, "x").items
    shown = [i.key for i in visible_items(items, {"q1": "no", "q2": 5})]
    assert "q2" not in shown and "q2b" not in shown


def test_na_counts_as_answered_but_blank_does_not():
    items = questionnaire().items
    missing = unanswered_required(items, {"q1": "yes", "q2": NA, "q3": ""})
    assert [i.key for i in missing] == ["q3"]


def test_conditions():
    assert Condition("x", "above", 14).holds({"x": 15})
    assert not Condition("x", "above", 14).holds({"x": 14})
    assert Condition("x", "below", 1).holds({"x": 0})
    assert Condition("x", "selected", "a").holds({"x": ["a", "b"]})
    assert not Condition("x", "equals", "yes").holds({"x": NA})
    assert not Condition("x", "not_equals", "yes").holds({})
