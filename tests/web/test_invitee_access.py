"""An invitee (no account) reads back their own submitted response, explanation and personal PDF
from the browser session that submitted it; a second browser that opened the resume link loses
access at submission (CONFIDENTIALITY_RULE 1: the respondent only)."""

from __future__ import annotations

import re

from surveyapp.services.questionnaires import get_questionnaire
from tests.helpers import page_data
from tests.web.test_accounts import invitation_tokens


def _answer_all(app, client, response_id) -> str:
    with app.app_context():
        part = get_questionnaire("transparency", 1).part("staff")
    for page in range(len(part.sections)):
        assert client.post(f"/responses/{response_id}/page/{page}", data=page_data(part, page)).status_code == 302
    return client.get(f"/responses/{response_id}/page/0").get_data(as_text=True)


def test_invitee_reads_own_submitted_response_and_second_browser_loses_it(app, assessment):
    token, _ = invitation_tokens(app, assessment)
    invitee = app.test_client()
    started = invitee.post(f"/invite/{token}")
    response_id = int(started.headers["Location"].split("/responses/")[1].split("/")[0])
    page = _answer_all(app, invitee, response_id)
    resume = re.search(r"(/resume/[A-Za-z0-9._-]+)", page).group(1)
    other = app.test_client()
    assert other.get(resume).status_code == 302
    assert other.get(f"/responses/{response_id}/page/0").status_code == 200, "the resume link opens the draft"

    assert invitee.post(f"/responses/{response_id}/submit").status_code == 302
    for path in ("", "/explanation", "/scorecard.pdf?lang=en"):
        assert invitee.get(f"/responses/{response_id}{path}").status_code == 200, path
        assert other.get(f"/responses/{response_id}{path}").status_code in (302, 403), path
        assert app.test_client().get(f"/responses/{response_id}{path}").status_code == 302, path
