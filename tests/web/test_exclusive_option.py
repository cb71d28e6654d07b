"""An exclusive "none of these" option on a multiple choice: defined in the definition, kept alone by the
server (and by a small script in the page), scored as the definition says; version 1 is unchanged."""

import copy
import hashlib

import pytest

from surveyapp.config import PROJECT_ROOT
from surveyapp.definitions.loader import parse_definition, read_yaml, to_definition
from surveyapp.domain.kinds import kind_of
from surveyapp.domain.scoring import score_response
from surveyapp.extensions import db
from surveyapp.models import Answer, Organisation
from surveyapp.services.rounds import open_round
from tests.helpers import page_data, sign_in, start

V1 = PROJECT_ROOT / "surveyapp" / "questionnaires" / "transparency-v1.yaml"
NONE = {"value": "none", "score": 0, "exclusive": True,
        "label": {"zh_Hans": "以上都没有", "zh_Hant": "以上皆無", "en": "None of these"}}  # fmt: skip


def definition_with_none() -> dict:
    data = copy.deepcopy(read_yaml(V1))
    data["key"], data["version"] = "training_none", 1
    for part in data["parts"]:
        for section in part["sections"]:
            for item in section["items"]:
                if item["key"] == "d4_s04":
                    item["options"].append(NONE)
    return data


def test_the_definition_reads_and_writes_exclusive_and_version_1_has_none():
    questionnaire = parse_definition(definition_with_none(), "test")
    item = questionnaire.item("d4_s04")
    assert [o.value for o in item.options if o.exclusive] == ["none"]
    again = parse_definition(to_definition(questionnaire), "again")
    assert again.item("d4_s04").option("none").exclusive
    builtin = parse_definition(read_yaml(V1), "v1")
    assert not any(o.exclusive for i in builtin.items for o in i.options)


def test_only_multi_choice_options_may_be_exclusive():
    data = definition_with_none()
    data["parts"][0]["sections"][0]["items"][0]["options"] = [dict(NONE), {"value": "b", "label": NONE["label"]}]
    data["parts"][0]["sections"][0]["items"][0]["kind"] = "single_choice"
    with pytest.raises(ValueError, match="exclusive"):
        parse_definition(data, "bad")


def test_the_rule_and_the_score():
    questionnaire = parse_definition(definition_with_none(), "test")
    item = questionnaire.item("d4_s04")
    kind = kind_of(item)
    assert kind.combination_problem(item, ["none", "online"]) == "exclusive"
    assert kind.combination_problem(item, ["none"]) is None
    assert kind.combination_problem(item, ["online", "practice"]) is None
    card = score_response(questionnaire, "staff", {"d4_s04": ["none"]})
    assert next(i.score for i in card.items if i.key == "d4_s04") == 0.0


def test_version_1_file_is_byte_for_byte_unchanged():
    assert hashlib.sha256(V1.read_bytes()).hexdigest() == parse_sha()


def parse_sha() -> str:
    import subprocess

    blob = subprocess.run(["git", "show", "main:surveyapp/questionnaires/transparency-v1.yaml"], cwd=PROJECT_ROOT,
                          capture_output=True, check=True).stdout  # fmt: skip
    return hashlib.sha256(blob).hexdigest()


@pytest.fixture
def none_round(app, create_org, create_user):
    from surveyapp.services.questionnaires import register_questionnaire

    agency = create_org("AG", kind="agency")
    department = create_org("D01", parent=agency)
    create_user("staff@d01.example", "staff", organisation=department)
    with app.app_context():
        questionnaire = parse_definition(definition_with_none(), "test")
        register_questionnaire(questionnaire, "training_none.yaml")
        round_ = open_round("None", db.session.get(Organisation, agency.id),
                            [db.session.get(Organisation, department.id)], "training_none")  # fmt: skip
        return round_.id, questionnaire


def test_the_server_refuses_none_with_others_and_keeps_none_alone(app, none_round):
    round_id, questionnaire = none_round
    part = questionnaire.part("staff")
    page = next(n for n, s in enumerate(part.sections) if any(i.key == "d4_s04" for i in s.items))
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, round_id, "staff")
    shown = client.get(f"/responses/{response_id}/page/{page}").get_data(as_text=True)
    assert 'data-exclusive="true"' in shown and 'value="none"' in shown
    mixed = client.post(f"/responses/{response_id}/page/{page}",
                        data=page_data(part, page, d4_s04=["online", "none"]))  # fmt: skip
    assert mixed.status_code == 400 and "excludes the other answers" in mixed.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Answer).filter_by(response_id=response_id, question_key="d4_s04").count() == 0
    alone = client.post(f"/responses/{response_id}/page/{page}", data=page_data(part, page, d4_s04=["none"]))
    assert alone.status_code == 302
    with app.app_context():
        stored = db.session.query(Answer).filter_by(response_id=response_id, question_key="d4_s04").one()
        assert stored.value == ["none"]
