"""QA fault 7: a draft of a round that is closed or past its deadline reads as closed, not as an open form;
"My assessments" keeps listing the closed round with its state."""

from datetime import timedelta

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, RoundStatus
from surveyapp.models.base import utcnow
from surveyapp.services.questionnaires import get_questionnaire
from tests.helpers import page_data, sign_in, start


def _draft(app, client, round_id):
    response_id, _ = start(client, round_id, "staff")
    with app.app_context():
        part = get_questionnaire("transparency", 1).part("staff")
    client.post(f"/responses/{response_id}/page/0", data=page_data(part, 0, action="save"))
    return response_id


def _set(app, round_id, **values):
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        for name, value in values.items():
            setattr(round_, name, value)
        db.session.commit()


def test_a_draft_past_its_deadline_is_read_only_with_a_notice(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    round_id = assessment["round_id"]
    response_id = _draft(app, client, round_id)
    _set(app, round_id, deadline=utcnow() - timedelta(minutes=1))  # passed, nobody closed it yet
    page = client.get(f"/responses/{response_id}/page/0", follow_redirects=True)
    assert page.status_code == 200
    html = page.text
    assert 'name="action"' not in html and "Save" not in html, "no editable form after the deadline"
    assert "has passed" in html and "can no longer be changed" in html
    assert '<dl class="answers">' in html, "the answers stay visible to the respondent"
    assert f'href="/responses/{response_id}/page/' not in html, "no way back into the form"
    review = client.get(f"/responses/{response_id}/review", follow_redirects=True)
    assert "has passed" in review.text and "Submit" not in review.text
    refused = client.post(f"/responses/{response_id}/page/0", data={"action": "save"}, follow_redirects=True)
    assert "Nothing was saved." in refused.text
    my = client.get("/my").text
    assert "2026 自評" in my and "Closed rounds" in my and "Draft, not submitted" in my
    assert f"/responses/{response_id}" in my


def test_a_closed_round_stays_on_my_assessments_in_chinese(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="zh_Hans")
    round_id = assessment["round_id"]
    response_id = _draft(app, client, round_id)
    _set(app, round_id, status=RoundStatus.CLOSED)
    html = client.get(f"/responses/{response_id}/page/0", follow_redirects=True).text
    assert "本轮自评已结束" in html and "不能再修改" in html and 'name="action"' not in html
    my = client.get("/my").text
    assert "2026 自評" in my and "已关闭" in my
