"""Instrument version 2: v1 untouched, every item grounded and trilingual, the official single vetoes as red lines."""

import hashlib
import re
from pathlib import Path

import pytest

from surveyapp.definitions.loader import QuestionnaireError, load_file, parse_definition, read_yaml
from surveyapp.domain.kinds import check_answer, kind_of
from surveyapp.domain.questionnaire import ARTICLE_PROBLEMS, LANGUAGES, NA
from surveyapp.domain.scoring import score_response

FOLDER = Path(__file__).resolve().parents[2] / "surveyapp" / "questionnaires"
V1 = FOLDER / "transparency-v1.yaml"
V2_PATH = FOLDER / "transparency-v2.yaml"
V2 = load_file(V2_PATH)
# The SHA-256 of transparency-v1.yaml as released: past rounds score against exactly this file.
V1_SHA256 = "29633d798d7a088dc5547386211d2e70edaf9a831364d08f2cf3849dcc286614"


def test_version_1_is_unchanged_byte_for_byte():
    assert hashlib.sha256(V1.read_bytes()).hexdigest() == V1_SHA256


def test_version_2_validates_as_transparency_2():
    assert (V2.key, V2.version) == ("transparency", 2)
    assert load_file(V1).key == V2.key


def test_every_item_has_a_basis_and_three_languages():
    for item in V2.items:
        for field in ("text", "basis"):
            for lang in LANGUAGES:
                assert getattr(item, field).get(lang).strip(), (item.key, field, lang)
        for option in item.options:
            assert all(option.label.get(lang).strip() for lang in LANGUAGES), (item.key, option.value)
        if item.red_line:
            assert all(item.red_line.text.get(lang).strip() for lang in LANGUAGES), item.key


def test_every_item_says_whether_observable_and_which_article_problem_it_serves():
    for item in V2.items:
        assert isinstance(item.observable, bool), item.key
        assert item.serves and set(item.serves) <= set(ARTICLE_PROBLEMS), item.key
    # Every one of the article's three problems is served, and the inspector has items to check.
    assert {p for item in V2.items for p in item.serves} == set(ARTICLE_PROBLEMS)
    assert sum(item.observable for item in V2.items) >= 20


@pytest.mark.parametrize(
    "key, veto_answer, fine_answer, words",
    [
        ("d3_c10", 15, 3, "首页"),  # home page not updated for 2 weeks
        ("d3_c11", 5, 0, "空白栏目"),  # 5 or more blank columns
        ("d3_c03", 5, 0, "逾期"),  # 5 or more overdue columns (news 2 weeks, notices/policies 6 months)
        ("d6_c08", "yes", "no", "3个月"),  # a valid message unanswered for more than 3 months
        ("d3_c12", "yes", "no", "15秒"),  # site unreachable: 5% or more of a week's checks over 15 s
        ("d3_c13", "yes", "no", "办事指南"),  # service guides missing key elements
        ("d3_c14", "yes", "no", "发布日期"),  # forged publication dates
        ("d3_c01", 15, 3, "账号"),  # a new-media account not updated for 2 weeks
        ("d3_c02", "yes", "no", "互动"),  # no working interaction function
        ("d1_c01a", "yes", "no", "表述错误"),  # serious misstatement
        ("d1_c01b", "yes", "no", "泄密"),  # secrecy leak
    ],
)
def test_each_official_veto_is_a_red_line_citing_the_2019_indicators(key, veto_answer, fine_answer, words):
    item = V2.item(key)
    assert item.red_line is not None, key
    assert words in item.red_line.text.zh_Hans + item.text.zh_Hans
    assert "国办秘函〔2019〕19号" in item.basis.zh_Hans and "单项否决" in item.basis.zh_Hans
    assert "No. 19" in item.basis.en
    assert item.red_line.condition.holds({key: veto_answer})
    assert not item.red_line.condition.holds({key: fine_answer})


def test_the_threshold_of_five_columns_is_five_or_more():
    for key in ("d3_c03", "d3_c11"):
        condition = V2.item(key).red_line.condition
        assert condition.holds({key: 5}) and not condition.holds({key: 4})


def test_at_least_three_scale_items_per_dimension():
    for dimension in V2.dimensions:
        scale = [i for i in V2.items if i.dimension == dimension.key and kind_of(i).scale]
        assert len(scale) >= 3, dimension.key


def test_items_that_cannot_apply_to_every_respondent_offer_not_applicable():
    for key in ("d1_s01", "d1_s06", "d3_s03", "d3_s04", "d4_s03", "d6_s01", "d6_s02", "d3_c13", "d7_c02"):
        assert V2.item(key).allow_na, key
    assert "4/3" in V2.item("d3_c13").help.zh_Hans  # the 2019 rule's rescaling, documented


def test_choice_lists_offer_none_and_cover_every_share():
    for key in ("d4_s04", "d4_c03"):
        assert V2.item(key).option("none") is not None, key
    labels = [o.label.en for o in V2.item("d2_c03").options]
    assert labels[0].startswith("All") and labels[-1].startswith("None")
    assert "50% to 74%" in labels and "75% to 99%" in labels


def test_neutral_midpoint_and_prc_terms_in_traditional_script():
    assert V2.likert_labels["zh_Hans"][2] == "既不同意也不反对"
    assert V2.likert_labels["en"][2] == "Neither agree nor disagree"
    text = V2_PATH.read_text(encoding="utf-8")
    hant = "\n".join(line for line in text.splitlines() if "zh_Hant" in line)
    for taiwan_term in ("網路", "資訊", "資料", "政府資訊公開條例", "帳號", "點閱"):
        assert taiwan_term not in hant, taiwan_term
    assert "政府信息公開條例" in hant and "網絡" in hant and "數據" in hant


def test_no_reverse_scored_factual_statement_on_the_staff_scale():
    # v1's d3_s03 ("our work is judged mainly by clicks", reversed) is now a positively worded item.
    assert not V2.item("d3_s03").reverse


def test_one_question_per_item_in_the_split_items():
    for old, new in {
        "d1_s03": ("d1_s03a", "d1_s03b"),
        "d1_c01": ("d1_c01a", "d1_c01b"),
        "d2_c01": ("d2_c01a", "d2_c01b"),
        "d3_c05": ("d3_c05a", "d3_c05b"),
        "d5_c01": ("d5_c01a", "d5_c01b", "d5_c01c"),
        "d5_c02": ("d5_c02a", "d5_c02b"),
        "d5_c03": ("d5_c03a", "d5_c03b"),
        "d5_c05": ("d5_c05a", "d5_c05b", "d5_c05c"),
        "d7_c06": ("d7_c06a", "d7_c06b"),
    }.items():
        with pytest.raises(KeyError):
            V2.item(old)
        for key in new:
            assert V2.item(key).text.zh_Hans.count("？") <= 1, key


def test_a_full_checklist_scores_and_a_veto_fails_it():
    part = V2.checklist_part
    answers = {}
    for item in part.items:
        kind = kind_of(item)
        if not kind.scored:
            continue
        if item.allow_na:
            answers[item.key] = NA
        elif item.options:
            answers[item.key] = (
                [max(item.options, key=lambda o: o.score or 0).value]
                if kind.multiple
                else max(item.options, key=lambda o: o.score or 0).value
            )
        elif item.bands:
            answers[item.key] = 0 if item.red_line else 100
        else:
            answers[item.key] = "no" if item.reverse else "yes"
    answers["d4_c02"] = 95
    answers["d7_c05"] = 15
    card = score_response(V2, "department", answers)
    assert not card.red_lines
    assert card.overall is not None and card.overall > 80
    failed = score_response(V2, "department", {**answers, "d3_c11": 6})
    assert [hit.item for hit in failed.red_lines] == ["d3_c11"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("observable", "yes", "true or false"),
        ("serves", ["problem4"], "unknown problem"),
        ("serves", "problem1", "list"),
    ],
)
def test_the_new_fields_are_validated(field, value, message):
    data = read_yaml(V2_PATH)
    data["parts"][0]["sections"][0]["items"][0][field] = value
    with pytest.raises(QuestionnaireError, match=message):
        parse_definition(data, "v2")


def test_keys_follow_the_dimension_naming():
    for item in V2.items:
        assert re.match(rf"^{item.dimension.lower()}_[sc]\d\d[a-c]?$", item.key), item.key


def test_version_2_round_trips_through_xlsform_with_observable_and_serves(tmp_path):
    from surveyapp.definitions.loader import to_definition
    from surveyapp.definitions.xlsform import export_xlsform, import_xlsform

    path = tmp_path / "v2.xlsx"
    path.write_bytes(export_xlsform(V2))
    back = import_xlsform(path)
    assert to_definition(back) == to_definition(V2)
    assert back.item("d3_c10").observable is True and back.item("d1_s01").serves == ("problem1",)


def test_none_of_these_options_are_exclusive_and_score_nothing():
    """Issue 19: d4_s04 and d4_c03 gain "none of these"; chosen with another option it is refused."""
    multi = [item for item in V2.items if any(o.value == "none" for o in item.options)]
    assert {"d4_s04", "d4_c03"} <= {item.key for item in multi}
    for item in multi:
        none = next(o for o in item.options if o.value == "none")
        assert none.exclusive and none.score == 0, item.key
        assert check_answer(item, ["none"]) is None
        assert kind_of(item).combination_problem(item, ["none"]) is None
        assert kind_of(item).combination_problem(item, ["none", item.options[0].value]) == "exclusive"
