"""Golden tests on hand-computed examples, and properties that must hold for any answers."""

import copy
import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from surveyapp.definitions.loader import load_file, parse_definition
from surveyapp.domain.questionnaire import NA
from surveyapp.domain.scoring import (
    HIDDEN,
    NOT_APPLICABLE,
    SCORED,
    UNANSWERED,
    item_score,
    likert_score,
    maturity_level,
    score_response,
)
from surveyapp.domain.stats import (
    corrected_item_total,
    cronbach_alpha,
    department_result,
    describe,
    reliability,
)

T = {"zh_Hans": "简", "zh_Hant": "繁", "en": "en"}
BUILTIN = load_file(Path(__file__).resolve().parents[2] / "surveyapp" / "questionnaires" / "transparency-v1.yaml")


def golden_definition():
    """Two dimensions. D1: three likert items (one reversed, one allowing N/A, weight 2 on q2),
    D2 (weight 3): a yes/no red-line item and a number with bands."""
    return {
        "key": "golden", "version": 1, "title": T, "min_answered_share": 0.6,
        "likert_labels": {lang: ["1", "2", "3", "4", "5"] for lang in T},
        "grades": [{"key": "excellent", "min": 85, "label": T}, {"key": "good", "min": 75, "label": T},
                   {"key": "pass", "min": 60, "label": T}, {"key": "fail", "min": 0, "label": T}],
        "maturity_levels": [{"min": m, "label": T} for m in (0, 20, 40, 60, 80)],
        "dimensions": [{"key": "D1", "title": T, "weight": 1}, {"key": "D2", "title": T, "weight": 3}],
        "parts": [{"key": "staff", "respondent": "staff", "title": T, "sections": [
            {"dimension": "D1", "items": [
                {"key": "q1", "kind": "likert5", "text": T},
                {"key": "q2", "kind": "likert5", "text": T, "reverse": True, "weight": 2},
                {"key": "q3", "kind": "likert5", "text": T, "allow_na": True},
            ]},
            {"dimension": "D2", "items": [
                {"key": "q4", "kind": "yesno", "text": T, "red_line": {"when": {"equals": "no"}, "text": T}},
                {"key": "q5", "kind": "number", "text": T,
                 "bands": [{"max": 7, "score": 100}, {"max": 14, "score": 50}, {"score": 0}]},
            ]},
        ]}],
    }  # fmt: skip


GOLDEN = parse_definition(golden_definition(), "golden")


def test_likert_and_reverse_formula():
    assert [likert_score(x) for x in range(1, 6)] == [0, 25, 50, 75, 100]
    assert [likert_score(x, reverse=True) for x in range(1, 6)] == [100, 75, 50, 25, 0]


def test_hand_computed_scorecard():
    # q1=4 → 75; q2=2 reversed → 75 (weight 2); q3=5 → 100. D1 = (75 + 2·75 + 100) / 4 = 81.25.
    # q4=yes → 100; q5=10 days → 50. D2 = 75. Overall = (1·81.25 + 3·75) / 4 = 76.5625 → good.
    card = score_response(GOLDEN, "staff", {"q1": 4, "q2": 2, "q3": 5, "q4": "yes", "q5": 10})
    assert card.dimension("D1").score == pytest.approx(81.25)
    assert card.dimension("D2").score == pytest.approx(75)
    assert card.overall == pytest.approx(76.5625)
    assert card.grade == "good" and card.red_lines == ()


def test_not_applicable_rescales_over_the_applicable_items():
    # q3 N/A: D1 = (75 + 2·75) / 3 = 75 — not (75 + 150 + 0) / 4.
    card = score_response(GOLDEN, "staff", {"q1": 4, "q2": 2, "q3": NA, "q4": "yes", "q5": 3})
    q3 = next(i for i in card.items if i.key == "q3")
    assert q3.status == NOT_APPLICABLE and q3.score is None
    assert card.dimension("D1").score == pytest.approx(75)
    assert card.dimension("D1").applicable_weight == 3


def test_insufficient_data_gives_no_number():
    # Only q1 (weight 1 of 4) answered in D1: 25% < 60%.
    card = score_response(GOLDEN, "staff", {"q1": 5, "q4": "yes", "q5": 1})
    d1 = card.dimension("D1")
    assert d1.score is None and not d1.sufficient and d1.answered_share == pytest.approx(0.25)
    assert card.overall == pytest.approx(100)  # D2 alone
    assert [i.status for i in card.items[:3]] == [SCORED, UNANSWERED, UNANSWERED]


def test_red_line_fails_whatever_the_number():
    card = score_response(GOLDEN, "staff", {"q1": 5, "q2": 1, "q3": 5, "q4": "no", "q5": 1})
    # D1 = 100, D2 = (0 + 100) / 2 = 50, overall = (100 + 150) / 4 = 62.5: a pass by number...
    assert card.overall == pytest.approx(62.5)
    assert card.grade == "fail" and [hit.item for hit in card.red_lines] == ["q4"]


def test_weights_change_the_overall():
    data = golden_definition()
    data["dimensions"][1]["weight"] = 1
    equal = parse_definition(data, "equal")
    card = score_response(equal, "staff", {"q1": 4, "q2": 2, "q3": 5, "q4": "yes", "q5": 10})
    assert card.overall == pytest.approx((81.25 + 75) / 2)


def test_hidden_items_are_not_scored():
    data = golden_definition()
    data["parts"][0]["sections"][1]["items"][1]["show_if"] = {"item": "q4", "equals": "yes"}
    questionnaire = parse_definition(data, "hidden")
    card = score_response(questionnaire, "staff", {"q1": 3, "q2": 3, "q3": 3, "q4": "no", "q5": 30})
    q5 = next(i for i in card.items if i.key == "q5")
    assert q5.status == HIDDEN and card.dimension("D2").score == 0


def test_grade_bands_and_maturity_levels():
    assert [maturity_level(GOLDEN, s) for s in (0, 19.9, 20, 59.99, 60, 80, 100)] == [1, 1, 2, 3, 4, 5, 5]
    from surveyapp.domain.scoring import grade_for

    assert [grade_for(GOLDEN, s, False) for s in (85, 84.99, 75, 60, 59.99)] == [
        "excellent",
        "good",
        "good",
        "pass",
        "fail",
    ]


def test_builtin_band_items():
    item = BUILTIN.item("d3_c01")
    assert [item_score(item, v) for v in (0, 7, 8, 14, 15)] == [100, 100, 50, 50, 0]
    assert item.red_line.condition.holds({"d3_c01": 15}) and not item.red_line.condition.holds({"d3_c01": 14})
    reverse_yes = BUILTIN.item("d1_c01")
    assert item_score(reverse_yes, "yes") == 0 and item_score(reverse_yes, "no") == 100


# -- properties ------------------------------------------------------------------------------

STAFF = BUILTIN.part("staff")


def answer_strategy(item):
    options = {
        "likert5": st.integers(1, 5),
        "yesno": st.sampled_from(["yes", "no"]),
        "single_choice": st.sampled_from([o.value for o in item.options] or ["x"]),
        "multi_choice": st.lists(st.sampled_from([o.value for o in item.options] or ["x"]), unique=True),
        "number": st.integers(int(item.minimum or 0), int(min(item.maximum or 100, 100))),
    }
    base = options.get(item.kind, st.none())
    choices = [base, st.none()]
    if item.allow_na:
        choices.append(st.just(NA))
    return st.one_of(*choices)


ANSWERS = st.fixed_dictionaries({item.key: answer_strategy(item) for item in STAFF.items})


@settings(max_examples=200, deadline=None)
@given(ANSWERS)
def test_every_score_is_between_0_and_100(answers):
    card = score_response(BUILTIN, "staff", answers)
    for value in [i.score for i in card.items] + [d.score for d in card.dimensions] + [card.overall]:
        assert value is None or 0 <= value <= 100


@settings(max_examples=200, deadline=None)
@given(ANSWERS, st.sampled_from([i.key for i in STAFF.items if i.allow_na]))
def test_answering_na_does_not_change_other_items(answers, key):
    before = score_response(BUILTIN, "staff", answers)
    after = score_response(BUILTIN, "staff", {**answers, key: NA})
    for old, new in zip(before.items, after.items, strict=True):
        if old.key != key:
            assert (old.score, old.status) == (new.score, new.status)


@given(st.integers(1, 5))
def test_reversing_twice_is_the_identity(x):
    reversed_once = 100 - likert_score(x)  # the reverse of a score on the same 0–100 scale
    assert likert_score(x, reverse=True) == reversed_once
    assert 100 - reversed_once == likert_score(x)


@settings(max_examples=60, deadline=None)
@given(st.lists(ANSWERS, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_permuting_respondents_does_not_change_the_department_result(respondents, rnd):
    cards = [score_response(BUILTIN, "staff", answers) for answers in respondents]
    shuffled = list(cards)
    rnd.shuffle(shuffled)
    assert department_result(BUILTIN, cards, None) == department_result(BUILTIN, shuffled, None)


@settings(max_examples=100, deadline=None)
@given(ANSWERS)
def test_an_item_everyone_answers_na_changes_nothing(answers):
    data = copy.deepcopy(golden_definition())
    baseline = parse_definition(data, "base")
    data["parts"][0]["sections"][0]["items"].append({"key": "qx", "kind": "likert5", "text": T, "allow_na": True})
    extended = parse_definition(data, "extended")
    golden_answers = {"q1": 3, "q2": 4, "q3": 2, "q4": "yes", "q5": 12}
    before = score_response(baseline, "staff", golden_answers)
    after = score_response(extended, "staff", {**golden_answers, "qx": NA})
    assert before.dimensions == after.dimensions and before.overall == after.overall
    # and on the built-in instrument, for arbitrary answers:
    card = score_response(BUILTIN, "staff", answers)
    assert card.overall is None or 0 <= card.overall <= 100


# -- statistics ------------------------------------------------------------------------------


def test_describe_matches_scipy():
    values = [55.0, 70.0, 82.5, 90.0, 61.0]
    summary = describe(values, min_group_size=3)
    assert summary.mean == pytest.approx(np.mean(values))
    assert summary.sd == pytest.approx(np.std(values, ddof=1))
    low, high = scipy_stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=scipy_stats.sem(values))
    assert (summary.ci_low, summary.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert not summary.suppressed and describe(values[:2], min_group_size=3).suppressed


def generated_matrix(seed, n=200, k=6):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    raw = latent + rng.normal(scale=0.8, size=(n, k))
    return np.clip(np.round(raw + 3), 1, 5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_alpha_and_item_total_match_reference_implementations(seed):
    matrix = generated_matrix(seed)
    expected_alpha, _ = pingouin.cronbach_alpha(data=pd.DataFrame(matrix))
    assert math.isclose(cronbach_alpha(matrix), expected_alpha, abs_tol=1e-9)
    for j, r in enumerate(corrected_item_total(matrix)):
        rest = matrix.sum(axis=1) - matrix[:, j]
        assert math.isclose(r, scipy_stats.pearsonr(matrix[:, j], rest)[0], abs_tol=1e-9)


def test_reliability_uses_reverse_scored_items_and_flags():
    rng = random.Random(4)
    cards = []
    for _ in range(60):
        level = rng.randint(1, 5)
        answers = {
            "q1": level,
            "q2": 6 - level,
            "q3": max(1, min(5, level + rng.choice([-1, 0, 1]))),
            "q4": "yes",
            "q5": 3,
        }
        cards.append(score_response(GOLDEN, "staff", answers))
    [d1, d2] = reliability(GOLDEN, "staff", cards)
    # q2 is reverse-worded and answered 6 − level: after reversal it agrees with q1.
    assert d1.alpha > 0.9 and d1.n == 60 and d1.label == "excellent"
    assert all(not item.low for item in d1.items)
    assert d2.alpha is None and d2.items == ()


def test_running_totals_give_the_same_summary():
    from surveyapp.domain.stats import from_running_totals

    values = [55.0, 70.0, 82.5, 90.0, 61.0]
    direct = describe(values, min_group_size=3)
    running = from_running_totals(len(values), sum(values), sum(v * v for v in values), min_group_size=3)
    assert running.n == direct.n and running.mean == pytest.approx(direct.mean)
    assert running.sd == pytest.approx(direct.sd) and running.ci_low == pytest.approx(direct.ci_low)
    light = from_running_totals(len(values), sum(values), sum(v * v for v in values), 3, spread=False)
    assert (light.n, light.sd) == (5, None) and light.mean == pytest.approx(direct.mean)
