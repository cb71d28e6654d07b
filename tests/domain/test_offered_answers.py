"""Only offered answers are stored: a property-based test per item kind (``kinds.check_answer``), the same
property through the form adapter (``forms/kinds.py``), and "not scored" for items whose options carry no
score, whatever their kind."""

import math
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveyapp.domain import kinds
from surveyapp.domain.kinds import KINDS, check_answer
from surveyapp.domain.questionnaire import NA, Band, Item, Option, Text
from surveyapp.domain.scoring import NOT_SCORED, score_response

T = Text("简", "繁", "en")
OPTIONS = (Option("a", T, 100.0), Option("b", T, 50.0), Option("c", T, 0.0))


def item_of(kind: str, **fields) -> Item:
    defaults = {
        "single_choice": {"options": OPTIONS},
        "multi_choice": {"options": OPTIONS},
        "number": {"minimum": 0, "maximum": 168, "bands": (Band(100, 0, 10), Band(0, 10, None))},
    }.get(kind, {})
    return Item(key=f"q_{kind}", kind=kind, text=T, dimension="D1", part="staff", **{**defaults, **fields})


# What each kind offers: every value drawn here must be accepted.
OFFERED = {
    "likert5": st.integers(1, 5),
    "yesno": st.sampled_from(["yes", "no"]),
    "single_choice": st.sampled_from(["a", "b", "c"]),
    "multi_choice": st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True),
    "number": st.one_of(st.integers(0, 168), st.floats(0, 168, allow_nan=False)),
    "date": st.dates().map(lambda d: d.isoformat()).filter(lambda s: len(s) == 10),
    "text": st.text(min_size=1, max_size=200).filter(
        lambda s: s.strip() and not any(unicodedata.category(c) in ("Cc", "Cf") and c not in "\n\r\t" for c in s)
    ),
    "evidence_url": st.from_regex(r"https?://[a-z]{1,20}\.gov\.cn/[a-z0-9/]{0,30}", fullmatch=True),
    "evidence_file": st.fixed_dictionaries(
        {"name": st.from_regex(r"[a-z\u4e00-\u9fa5]{1,20}\.pdf", fullmatch=True), "stored": st.just("x")}
    ),
}
assert set(OFFERED) == set(KINDS), "every registered kind has a property test"

blank = st.text(alphabet=" \t\u3000\u00a0", min_size=1, max_size=5)
controls = st.builds(
    lambda a, c, b: a + c + b,
    st.text(max_size=5),
    st.sampled_from(["\x00", "\x07", "\x1b", "\u202e", "\u200b", "\x7f"]),
    st.text(max_size=5),
)
non_finite = st.sampled_from([math.nan, math.inf, -math.inf])
anything = st.one_of(
    st.text(max_size=20), st.integers(), st.floats(), st.booleans(), st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)  # fmt: skip


def _offered(kind: str, value) -> bool:
    """An independent statement of the offered set (the oracle), for values of any type."""
    if kind == "likert5":
        return type(value) is int and 1 <= value <= 5
    if kind == "yesno":
        return value in ("yes", "no") and isinstance(value, str)
    if kind == "single_choice":
        return isinstance(value, str) and value in ("a", "b", "c")
    if kind == "multi_choice":
        return (isinstance(value, list) and bool(value) and len(set(map(str, value))) == len(value)
                and all(isinstance(v, str) and v in ("a", "b", "c") for v in value))  # fmt: skip
    if kind == "number":
        return type(value) in (int, float) and math.isfinite(value) and 0 <= value <= 168
    return None  # text-like kinds: judged by the explicit strategies below


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_each_kind_accepts_what_it_offers(kind, data):
    value = data.draw(OFFERED[kind])
    assert check_answer(item_of(kind), value) is None, value


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=80, deadline=None)
@given(value=st.one_of(blank, controls, non_finite, anything))
def test_each_kind_refuses_what_it_does_not_offer(kind, value):
    item = item_of(kind)
    reason = check_answer(item, value)
    oracle = _offered(kind, value)
    if oracle is not None:
        assert (reason is None) == oracle, (value, reason)
    if isinstance(value, str) and (not value.strip() or any(c in value for c in "\x00\x07\x1b\u202e\u200b\x7f")):
        assert reason is not None, f"{kind} stored {value!r}"
    if isinstance(value, float) and not math.isfinite(value):
        assert reason is not None, f"{kind} stored {value!r}"
    if kind in ("evidence_file",) and not isinstance(value, dict):
        assert reason is not None


@pytest.mark.parametrize("kind", KINDS)
def test_not_applicable_only_where_offered(kind):
    assert check_answer(item_of(kind), NA) == kinds.NOT_APPLICABLE_NOT_OFFERED
    assert check_answer(item_of(kind, allow_na=True), NA) is None
    assert check_answer(item_of(kind), None) is None  # no answer clears one


def test_numbers_out_of_range_and_booleans_are_refused():
    item = item_of("number")
    assert check_answer(item, 169) == kinds.OUT_OF_RANGE and check_answer(item, -0.5) == kinds.OUT_OF_RANGE
    assert check_answer(item, math.nan) == kinds.NOT_A_NUMBER and check_answer(item, True) == kinds.NOT_A_NUMBER
    assert check_answer(item_of("likert5"), True) == kinds.NOT_OFFERED


@pytest.mark.parametrize("kind", ["single_choice", "multi_choice"])
def test_an_item_whose_options_carry_no_score_is_not_scored(kind):
    from dataclasses import replace

    from surveyapp.definitions.loader import parse_definition
    from tests.domain.minimal import minimal_definition

    definition = minimal_definition()
    options = [{"value": v, "label": {"zh_Hans": v, "zh_Hant": v, "en": v}} for v in ("m", "f", "x")]
    definition["parts"][0]["sections"][1]["items"] = [{"key": "q3", "kind": kind, "text": definition["title"],
                                                        "options": options}]  # fmt: skip
    questionnaire = parse_definition(definition, "test")
    item = questionnaire.item("q3")
    assert not item.scored
    answer = ["m", "f"] if kind == "multi_choice" else "m"
    card = score_response(questionnaire, "staff", {"q1": "yes", "q2": 4, "q3": answer})
    q3 = next(i for i in card.items if i.key == "q3")
    assert q3.status == NOT_SCORED and q3.score is None
    assert card.dimension("D2").score is None, "no scored item: the dimension has no score, not 0"
    assert card.overall == pytest.approx(card.dimension("D1").score), "the overall index is not dragged to 0"
    scored = replace(item, options=(Option("m", T, 40.0), Option("f", T, None)))
    assert scored.scored


# -- the same property through the form adapter -------------------------------------------------------------


@pytest.fixture(scope="module")
def form_app(tmp_path_factory):
    from surveyapp.app import create_app

    path = tmp_path_factory.mktemp("forms")
    return create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}/unused.db",
                       "REPORTS_DIR": str(path), "UPLOADS_DIR": str(path)})  # fmt: skip


@pytest.fixture(scope="module")
def all_kinds_questionnaire():
    from surveyapp.definitions.loader import parse_definition
    from tests.domain.minimal import minimal_definition

    definition = minimal_definition()
    title = definition["title"]
    options = [{"value": v, "label": title, "score": s} for v, s in (("a", 100), ("b", 50), ("c", 0))]
    items = [
        {"key": "q_likert5", "kind": "likert5", "text": title},
        {"key": "q_yesno", "kind": "yesno", "text": title, "allow_na": True},
        {"key": "q_single_choice", "kind": "single_choice", "text": title, "options": options},
        {"key": "q_multi_choice", "kind": "multi_choice", "text": title, "options": options},
        {"key": "q_number", "kind": "number", "text": title, "min": 0, "max": 168, "allow_na": True,
         "bands": [{"max": 10, "score": 100}, {"min": 10, "score": 0}]},
        {"key": "q_date", "kind": "date", "text": title, "allow_na": True},
        {"key": "q_text", "kind": "text", "text": title},
        {"key": "q_evidence_url", "kind": "evidence_url", "text": title},
    ]  # fmt: skip
    definition["parts"][0]["sections"] = [{"dimension": "D1", "items": items}]
    return parse_definition(definition, "test")


raw = st.one_of(blank, controls, st.sampled_from(["nan", "inf", "-inf", "1e999", "6", "0", "-1", "yes", "na", "a",
                                                  "2026-02-30", "2026-01-15", "17", "1,000", "http://x.gov.cn/a"]),
                st.text(max_size=8))  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from([k for k in KINDS if k != "evidence_file"]), value=raw, na=st.booleans())
def test_the_form_adapter_stores_only_offered_answers(form_app, all_kinds_questionnaire, key, value, na):
    """Whatever a browser posts, the value that would be stored is None (no answer), NA where the item
    allows it, or an offered answer; a refused post names the question (its field carries the error)."""
    from surveyapp.forms.questionnaire import NA_SUFFIX, answers_from_form, page_form_class

    questionnaire = all_kinds_questionnaire
    item = questionnaire.item(f"q_{key}")
    form_class = page_form_class(questionnaire, "staff", 0, "en")
    data = {item.key: value}
    if na:
        data[item.key + NA_SUFFIX] = "y"
    with form_app.test_request_context(method="POST", data=data):
        form = form_class()
        if not form.validate():
            assert item.key in form.errors or item.key + NA_SUFFIX in form.errors, form.errors
            return
        stored = answers_from_form(form, [item])[item.key]
    if check_answer(item, stored) is not None:
        return  # refused by the service with a message naming the question (see tests/web)
    assert stored is None or (stored is NA and item.allow_na) or _offered(key, stored) in (True, None)
    if isinstance(stored, str):
        assert stored.strip() and not any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in stored)
    if na and str(value).strip() and item.allow_na and key in ("number", "date"):
        pytest.fail(f"{key}: a value with 'not applicable' was accepted: {value!r}")
