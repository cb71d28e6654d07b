""" "Why we ask" speaks to respondents (overlay for the unchanged version 1, or `why` in a definition);
the scholarly basis stays in the definition and the PDF, never on the respondent's page."""

import copy

import pytest

from surveyapp.config import PROJECT_ROOT
from surveyapp.definitions.loader import parse_definition, read_yaml, to_definition
from surveyapp.definitions.why import overlay, respondent_why
from surveyapp.domain.questionnaire import LANGUAGES
from tests.helpers import sign_in, start

V1 = PROJECT_ROOT / "surveyapp" / "questionnaires" / "transparency-v1.yaml"


def test_every_dimension_of_version_1_has_a_respondent_text_in_three_languages():
    questionnaire = parse_definition(read_yaml(V1), "v1")
    texts = overlay("transparency", 1)
    assert {d.key for d in questionnaire.dimensions} == set(texts)
    for item in questionnaire.items:
        why = respondent_why(questionnaire, item)
        assert all(why.get(lang) for lang in LANGUAGES)
        assert why.get("en") != item.basis.get("en")


def test_a_definition_may_carry_why_per_item_or_dimension_and_writes_it_back():
    data = copy.deepcopy(read_yaml(V1))
    data["key"] = "with_why"
    data["dimensions"][0]["why"] = {"zh_Hans": "维度说明", "zh_Hant": "維度說明", "en": "Dimension note"}
    first = data["parts"][0]["sections"][0]["items"][0]
    first["why"] = {"zh_Hans": "题目说明", "zh_Hant": "題目說明", "en": "Item note"}
    questionnaire = parse_definition(data, "test")
    assert respondent_why(questionnaire, questionnaire.item(first["key"])).get("en") == "Item note"
    other = next(
        i for i in questionnaire.items if i.dimension == data["dimensions"][0]["key"] and i.key != first["key"]
    )
    assert respondent_why(questionnaire, other).get("en") == "Dimension note"
    again = parse_definition(to_definition(questionnaire), "again")
    assert again.item(first["key"]).why.get("zh_Hant") == "題目說明"


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_the_respondent_page_shows_the_respondent_text_not_the_basis(app, assessment, lang):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang=lang)
    response_id, _ = start(client, assessment["round_id"], "staff")
    page = client.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
    questionnaire = parse_definition(read_yaml(V1), "v1")
    item = questionnaire.part("staff").sections[0].items[0]
    assert respondent_why(questionnaire, item).get(lang) in page
    assert item.basis.get(lang) not in page


def test_every_item_of_version_2_has_a_respondent_text_not_its_basis():
    """QA fault 11: no "why we ask" on any page of a version 2 round although its items carry a basis."""
    questionnaire = parse_definition(
        read_yaml(PROJECT_ROOT / "surveyapp" / "questionnaires" / "transparency-v2.yaml"), "v2"
    )
    for item in questionnaire.items:
        why = respondent_why(questionnaire, item)
        assert why is not None and all(why.get(lang) for lang in LANGUAGES), item.key
        assert why.get("en") != item.basis.get("en")


@pytest.mark.parametrize("lang", ["zh_Hant", "en"])
def test_a_version_2_page_shows_why_we_ask_as_a_disclosure_per_question(app, assessment, lang):
    from surveyapp.extensions import db
    from surveyapp.models import Organisation
    from surveyapp.services.questionnaires import get_questionnaire
    from surveyapp.services.rounds import open_round

    with app.app_context():
        round_id = open_round("v2 round", db.session.get(Organisation, assessment["agency"].id),
                              [db.session.get(Organisation, assessment["d1"].id)], "transparency",
                              questionnaire_version=2).id  # fmt: skip
        questionnaire = get_questionnaire("transparency", 2)
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang=lang)
    response_id, _ = start(client, round_id, "staff")
    page = client.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
    first = questionnaire.part("staff").sections[0].items[0]
    assert '<details class="why">' in page and respondent_why(questionnaire, first).get(lang) in page
    assert first.basis.get(lang) not in page
    assert page.count('<details class="why">') >= len(questionnaire.part("staff").sections[0].items) - 2
