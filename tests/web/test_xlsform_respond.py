"""A standard XLSForm's constraint, constraint_message, required_message and default reach the
respondent: what the form refuses, the app refuses, with the form's own messages."""

import re

import pytest
from openpyxl import Workbook

from surveyapp.extensions import db
from surveyapp.services.rounds import open_round
from tests.web.test_respond import sign_in, start, stored_answers


@pytest.fixture
def age_round(app, tmp_path, create_org, create_user):
    from surveyapp.definitions.xlsform import import_xlsform
    from surveyapp.models import Organisation
    from surveyapp.services.questionnaires import register_questionnaire

    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(
        ["type", "name", "label", "required", "required_message", "constraint", "constraint_message", "default"]
    )
    survey.append(["integer", "age", "Age", "yes", "Tell us your age", ". >= 13 and . <= 120", "13 to 120", None])
    survey.append(["text", "code", "Code", "no", None, "string-length(.) <= 4", "Four letters at most", "abc"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append(["ages", 1, "Ages"])
    path = tmp_path / "ages.xlsx"
    book.save(path)

    agency = create_org("AG", kind="agency")
    department = create_org("D01", parent=agency)
    create_user("staff@d01.example", "staff", organisation=department)
    with app.app_context():
        register_questionnaire(import_xlsform(path), "ages.xlsx")
        round_ = open_round(
            "Ages", db.session.get(Organisation, agency.id), [db.session.get(Organisation, department.id)], "ages"
        )
        return round_.id


def test_the_forms_constraints_and_messages_hold_in_the_respond_page(app, age_round):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, age_round, "staff")
    page = client.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
    assert re.search(r"<textarea[^>]*name=\"code\"[^>]*>\s*abc</textarea>", page)  # the default

    too_young = client.post(f"/responses/{response_id}/page/0", data={"action": "next", "age": "5", "code": "ab"})
    assert too_young.status_code == 400 and "13 to 120" in too_young.get_data(as_text=True)
    fraction = client.post(f"/responses/{response_id}/page/0", data={"action": "next", "age": "30.5", "code": "ab"})
    assert fraction.status_code == 400 and "13 to 120" in fraction.get_data(as_text=True)
    too_long = client.post(f"/responses/{response_id}/page/0", data={"action": "next", "age": "30", "code": "abcde"})
    assert too_long.status_code == 400 and "Four letters at most" in too_long.get_data(as_text=True)
    missing = client.post(f"/responses/{response_id}/page/0", data={"action": "next", "code": "ab"})
    assert "Tell us your age" in missing.get_data(as_text=True)

    ok = client.post(f"/responses/{response_id}/page/0", data={"action": "next", "age": "30", "code": "ab"})
    assert ok.status_code == 302
    assert {k: a.value for k, a in stored_answers(app, response_id).items()} == {"age": 30, "code": "ab"}


def test_cli_import_of_a_plain_form_prints_its_warnings_and_says_it_is_unscored(runner, tmp_path):
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "appearance"])
    survey.append(["start", "start", None, None])
    survey.append(["text", "name", "Your name", "multiline"])
    path = tmp_path / "plain.xlsx"
    book.save(path)
    validated = runner.invoke(args=["questionnaire", "validate", str(path)])
    assert validated.exit_code == 0, validated.output
    assert f"warning: {path}: sheet survey, row 2: type: start: device metadata is not collected" in validated.output
    assert f"warning: {path}: sheet survey: appearance: skipped (presentation only), row 3" in validated.output
    assert "valid: plain version 1, unscored survey, 1 dimensions, 1 items" in validated.output
    imported = runner.invoke(args=["questionnaire", "import", str(path)])
    assert imported.exit_code == 0 and "plain version 1: loaded" in imported.output
