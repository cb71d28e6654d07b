"""Item kinds: one registry owns every behaviour that differs by kind; nothing outside it branches on item.kind."""

import ast
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest

from surveyapp.definitions.loader import load_file, parse_definition
from surveyapp.domain import advice
from surveyapp.domain.kinds import KINDS, REGISTRY, answer_text, kind_for_xlsform, kind_of
from surveyapp.domain.questionnaire import NA
from surveyapp.domain.scoring import item_score
from tests.domain.minimal import minimal_definition

PACKAGE = Path(__file__).resolve().parents[2] / "surveyapp"
BUNDLED = PACKAGE / "questionnaires" / "transparency-v1.yaml"
# The only modules allowed to decide by kind: the registry and the form fields registered beside it.
REGISTRIES = {PACKAGE / "domain" / "kinds.py", PACKAGE / "forms" / "kinds.py"}
ZH = {"Yes": "是", "No": "否", "Not applicable": "不适用", "No answer": "未作答"}


def zh(word: str) -> str:
    return ZH[word]


@pytest.fixture(scope="module")
def bundled():
    return load_file(BUNDLED)


# -- the registry ---------------------------------------------------------------------------------------


def test_every_kind_has_a_form_field_and_the_loader_accepts_exactly_the_registered_kinds():
    from surveyapp.forms.kinds import FIELDS

    assert set(FIELDS) == set(REGISTRY) == set(KINDS)
    definition = minimal_definition()
    definition["parts"][0]["sections"][0]["items"][0]["kind"] = "slider"
    with pytest.raises(ValueError, match="unknown kind 'slider'"):
        parse_definition(definition, "test")


def test_answer_text_reads_each_kind_like_the_scorecard(bundled):
    yesno, hours = bundled.item("d1_s02"), bundled.item("d2_c02")
    likert, multi = bundled.item("d1_s01"), bundled.item("d4_s04")
    assert answer_text(yesno, "yes", bundled, "zh_Hans", zh) == "是"
    assert answer_text(yesno, "no", bundled, "zh_Hans", zh) == "否"
    assert answer_text(hours, 17, bundled, "zh_Hans", zh) == "17 小时"
    assert answer_text(hours, "17", bundled, "zh_Hant", zh) == "17 小時"
    assert answer_text(hours, 17, bundled, "en", zh) == "17 hours"
    assert answer_text(likert, 4, bundled, "zh_Hans", zh) == "4 · 同意"
    chosen = [o.value for o in multi.options[:2]]
    # Chinese lists take the enumeration comma, English ones "; " (never 、 in English text).
    assert answer_text(multi, chosen, bundled, "en", zh) == "; ".join(o.label.en for o in multi.options[:2])
    assert answer_text(multi, chosen, bundled, "zh_Hant", zh) == "、".join(o.label.zh_Hant for o in multi.options[:2])
    assert answer_text(yesno, NA, bundled, "zh_Hans", zh) == "不适用"
    for empty in (None, "", []):
        assert answer_text(multi, empty, bundled, "zh_Hans", zh) == "未作答"


def test_kind_objects_state_what_callers_used_to_test_by_name():
    assert [k for k in KINDS if kind_of(k).scored] == ["likert5", "yesno", "single_choice", "multi_choice", "number"]
    assert [k for k in KINDS if kind_of(k).reversible] == ["likert5", "yesno"]
    assert [k for k in KINDS if kind_of(k).has_options] == ["single_choice", "multi_choice"]
    assert [k for k in KINDS if kind_of(k).multiple] == ["multi_choice"]
    assert [k for k in KINDS if kind_of(k).scale] == ["likert5"]
    assert {k: kind_of(k).link for k in KINDS if kind_of(k).link} == {"evidence_url": "url", "evidence_file": "file"}
    with pytest.raises(KeyError, match="unknown item kind"):
        kind_of("slider")


def test_each_kind_survives_its_own_xlsform_type(bundled):
    seen = set()
    free_text = replace(bundled.item("d1_s01"), key="free", kind="text")  # the bundled instrument has none
    for item in [*bundled.items, free_text]:
        kind = kind_of(item)
        head, _, list_name = kind.xlsform_type(item).partition(" ")
        values = [o.value for o in item.options] or (["yes", "no"] if item.kind == "yesno" else [])
        scored = any(o.score is not None for o in item.options)
        assert kind_for_xlsform(head, list_name or None, values, scored, kind.xlsform_kind() or "") == item.kind
        seen.add(item.kind)
    assert seen == set(KINDS)


def test_demo_values_are_allowed_answers_that_score(bundled):
    rng = random.Random(3)
    for item in bundled.items:
        for strength in (0.0, 0.5, 1.0):
            value = kind_of(item).demo_value(item, strength, rng)
            if value is None:
                continue
            allowed = kind_of(item).allowed_values(item.options)
            for one in value if isinstance(value, list) else [value]:
                assert allowed is None or str(one) in allowed
            if item.scored and (item.kind != "number" or item.bands):
                assert item_score(item, value) is not None


# -- advice from the questionnaire's bands ----------------------------------------------------------------


def _with_grades(grades):
    definition = minimal_definition()
    definition["grades"] = [{"key": k, "min": m, "label": {"zh_Hans": k, "zh_Hant": k, "en": k}} for k, m in grades]
    return parse_definition(definition, "test")


def test_strengths_and_weaknesses_follow_the_instruments_bands_not_75_and_60():
    rows = [("a", 95.0), ("b", 80.0), ("c", 70.0), ("d", 55.0), ("e", 40.0), ("f", None)]
    default = _with_grades([("good", 75), ("pass", 60), ("fail", 0)])
    assert advice.strengths_and_weaknesses(default, rows) == (("a", "b"), ("e", "d"))
    strict = _with_grades([("excellent", 90), ("good", 85), ("pass", 70), ("fail", 0)])
    assert advice.strength_threshold(strict) == 85 and advice.weakness_threshold(strict) == 70
    assert advice.strengths_and_weaknesses(strict, rows) == (("a",), ("e", "d"))
    lenient = _with_grades([("pass", 50), ("fail", 0)])  # two bands: the top band is the strength
    assert advice.strengths_and_weaknesses(lenient, rows) == (("a", "b"), ("e",))
    assert advice.training_dimensions(strict, {"D1": 80.0, "D2": 88.0}) == ["D1"]
    assert advice.training_dimensions(strict, {"D1": 95.0, "D2": 88.0}) == ["D2", "D1"]


# -- nothing outside the registry branches on item.kind ----------------------------------------------------

KIND_NAMES = set(KINDS)
DISTINCT_KIND_NAMES = sorted(k for k in KINDS if "_" in k or k in ("likert5", "yesno"))
TEMPLATE_BRANCH = re.compile(
    r"\bitem\.kind\b|\.kind\s*(==|!=|\bin\b|\bnot in\b)|['\"](" + "|".join(DISTINCT_KIND_NAMES) + r")['\"]"
)


def _is_kind_operand(node) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "kind"
    if isinstance(node, ast.Name):
        return node.id == "kind" or node.id.endswith("KINDS")
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "kind"
    return False


def _names_a_kind(node) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in KIND_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_kind(e) for e in node.elts)
    return False


def kind_branches(source: str, name: str) -> list[str]:
    """Places in Python ``source`` that decide by item kind: a comparison of a kind (``x.kind``, ``kind``,
    ``x["kind"]``) with a kind name, or a table keyed by two or more kind names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_kind_operand(o) for o in operands) and any(_names_a_kind(o) for o in operands):
                found.append(f"{name}:{node.lineno}")
        elif isinstance(node, ast.Dict):
            if sum(isinstance(k, ast.Constant) and k.value in KIND_NAMES for k in node.keys) >= 2:
                found.append(f"{name}:{node.lineno} (table keyed by kind)")
    return found


def test_the_detector_sees_the_usual_ways_of_branching_on_kind():
    code = (
        "if item.kind == 'likert5': pass\n"
        "if kind not in ('yesno', 'likert5'): pass\n"
        "x = row['kind'] != 'number'\n"
        "table = {'likert5': 1, 'yesno': 2}\n"
        "ok = organisation.kind == 'agency'\n"
    )
    assert kind_branches(code, "m") == ["m:1", "m:2", "m:3", "m:4 (table keyed by kind)"]
    assert TEMPLATE_BRANCH.search("{% if item.kind in ('likert5', 'yesno') %}")
    assert TEMPLATE_BRANCH.search("{% if field.kind == 'evidence_file' %}")
    assert not TEMPLATE_BRANCH.search("{{ {'agency': _('Agency')}[o.kind] }} {% if field.group %}")


def test_no_module_outside_the_kind_registry_branches_on_item_kind():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path not in REGISTRIES:
            offenders += kind_branches(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    for path in sorted((PACKAGE / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if TEMPLATE_BRANCH.search(line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}")
    assert offenders == [], "put behaviour per kind on the kind's object in domain/kinds.py or forms/kinds.py"
