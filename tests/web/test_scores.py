"""Stored scores, running aggregates, the rebuild command, demo data and the explanation pages."""

import pytest
from sqlalchemy import select

from surveyapp.domain.scoring import score_response
from surveyapp.extensions import db
from surveyapp.models import Organisation, Response, ScoreAggregate
from surveyapp.services.answers import answers_of
from surveyapp.services.questionnaires import get_questionnaire
from surveyapp.services.scores import rebuild_aggregates
from tests.helpers import seed, sign_in, submit_complete


def aggregates(app, round_id):
    with app.app_context():
        rows = db.session.scalars(select(ScoreAggregate).where(ScoreAggregate.round_id == round_id)).all()
        return {
            (r.organisation_id, r.part, r.dimension, r.staff_level, r.staff_post): (
                r.n,
                round(r.total, 6),
                round(r.total_squares, 4),
            )
            for r in rows
            if r.n
        }


def test_submit_stores_scores_and_updates_aggregates_reopen_keeps_them(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id = submit_complete(app, client, assessment["round_id"], "staff")
    with app.app_context():
        response = db.session.get(Response, response_id)
        card = score_response(get_questionnaire("transparency", 1), "staff", answers_of(response))
        assert response.overall_score == pytest.approx(card.overall)
        assert response.grade == card.grade
        assert {d.dimension: d.score for d in response.dimension_scores} == {d.key: d.score for d in card.dimensions}
        by_key = {i.key: i.score for i in card.items}
        assert all(a.score == by_key[a.question_key] for a in response.answers)
    after_submit = aggregates(app, assessment["round_id"])
    # One row per dimension for the staff group of the respondent, and one totalling all groups.
    assert len(after_submit) == 14 and all(n == 1 for n, _, _ in after_submit.values())
    assert sum(1 for key in after_submit if key[3] == "*") == 7

    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    admin.post(f"/responses/{response_id}/reopen")
    # Reopening changes no figure (else before minus after = the respondent's scores): the last
    # submission keeps counting, also through a rebuild, until the response is submitted again.
    assert aggregates(app, assessment["round_id"]) == after_submit
    with app.app_context():
        assert db.session.get(Response, response_id).overall_score is None
        rebuild_aggregates(assessment["round_id"])
        db.session.commit()
        kept = db.session.scalars(select(Response).where(Response.owner_key == f"kept:{response_id}")).all()
        assert len(kept) == 1 and kept[0].user_id is None and kept[0].status == "submitted"
    assert aggregates(app, assessment["round_id"]) == after_submit
    assert client.get(f"/responses/{kept[0].id}").status_code in (403, 404)  # nobody reads the kept copy
    assert admin.get(f"/responses/{kept[0].id}").status_code in (403, 404)
    # Submitted again (unchanged): the kept copy is replaced, not added to.
    assert client.post(f"/responses/{response_id}/submit").status_code == 302
    assert aggregates(app, assessment["round_id"]) == after_submit
    with app.app_context():
        assert db.session.scalar(select(Response).where(Response.owner_key == f"kept:{response_id}")) is None
        rebuild_aggregates(assessment["round_id"])
        db.session.commit()
    assert aggregates(app, assessment["round_id"]) == after_submit


def test_rebuild_reports_and_repairs_changed_scores(app, runner, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id = submit_complete(app, client, assessment["round_id"], "staff")
    before = aggregates(app, assessment["round_id"])
    with app.app_context():
        response = db.session.get(Response, response_id)
        right = response.overall_score
        response.overall_score = 12.5  # as if an older rule had produced another number
        db.session.query(ScoreAggregate).delete()
        db.session.commit()
    result = runner.invoke(args=["scores", "rebuild", "--round", str(assessment["round_id"])])
    assert result.exit_code == 0
    assert f"response {response_id}: 12.50" in result.output and "1 response(s) changed." in result.output
    with app.app_context():
        assert db.session.get(Response, response_id).overall_score == pytest.approx(right)
    assert aggregates(app, assessment["round_id"]) == before
    again = runner.invoke(args=["scores", "rebuild"])
    assert "0 response(s) changed." in again.output


def test_demo_seed_is_deterministic_and_consistent(app, runner):
    round_id = seed(runner)
    with app.app_context():
        scores = [
            r.overall_score
            for r in db.session.scalars(select(Response).where(Response.round_id == round_id).order_by(Response.id))
        ]
    assert len(scores) == 4 * 6
    bulk = aggregates(app, round_id)
    with app.app_context():
        rebuild_aggregates(round_id)
        db.session.commit()
    assert aggregates(app, round_id) == bulk, "bulk seeding must leave the same totals as a rebuild"
    rebuilt = runner.invoke(args=["scores", "rebuild", "--round", str(round_id)])
    assert "0 response(s) changed." in rebuilt.output

    second = seed(runner)
    with app.app_context():
        again = [
            r.overall_score
            for r in db.session.scalars(select(Response).where(Response.round_id == second).order_by(Response.id))
        ]
        grades = {r.grade for r in db.session.scalars(select(Response))}
    assert again == scores
    assert len(grades) >= 2, "departments must differ"


@pytest.mark.parametrize(
    "lang, expected",
    [
        (
            "zh_Hant",
            [
                "結果的計算過程",
                "工作人員形象意識",
                "主動公開、依申請公開與數據開放",  # the demo seeds version 2 (PRC terms in zh_Hant)
                "綜合指數",
                "95% 信賴區間",
                # The reading aid for grade beside maturity level, and the terms SD and CI (as in the scorecard).
                "如何閱讀",
                "初始級 &lt; 20",
                "標準差（SD）",
                "95% 信賴區間（CI）",
            ],
        ),
        (
            "en",
            [
                "How this result was computed",
                "Staff public-image awareness",
                "Overall index",
                "95% CI",
                "How to read: the grade compares",
                "Initial &lt; 20",
                "Standard deviation (SD)",
                "95% confidence interval (CI)",
            ],
        ),  # fmt: skip
    ],
)
def test_department_explanation_page(app, runner, create_user, lang, expected):
    round_id = seed(runner)
    create_user("root@agency.example", "admin")
    with app.app_context():
        department_id = db.session.scalar(select(Organisation.id).where(Organisation.kind == "department"))
    client = app.test_client()
    sign_in(client, "root@agency.example", lang=lang)
    page = client.get(f"/rounds/{round_id}/departments/{department_id}/explanation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in expected:
        assert text in html
    assert html.count("<tr>") >= 7


def test_department_explanation_is_refused_outside_scope(app, runner, create_user, create_org):
    round_id = seed(runner)
    other = create_org("ELSEWHERE")
    create_user("staff@elsewhere.example", "staff", organisation=other)
    create_user("coord@elsewhere.example", "coordinator", organisation=other)
    with app.app_context():
        department_id = db.session.scalar(select(Organisation.id).where(Organisation.kind == "department"))
    for email in ("staff@elsewhere.example", "coord@elsewhere.example"):
        client = app.test_client()
        sign_in(client, email, lang="en")
        assert client.get(f"/rounds/{round_id}/departments/{department_id}/explanation").status_code == 403


def test_response_explanation_lists_items_and_reasons(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id = submit_complete(app, client, assessment["round_id"], "staff")
    html = client.get(f"/responses/{response_id}/explanation").get_data(as_text=True)
    assert "How this score was computed" in html
    assert "reverse-worded" in html and "counted" in html
    intruder = app.test_client()
    sign_in(intruder, "staff@d02.example", lang="en")
    assert intruder.get(f"/responses/{response_id}/explanation").status_code == 403


def test_reliability_page_for_administrators(app, runner, create_user):
    round_id = seed(runner, departments=3, respondents=12)
    create_user("root@agency.example", "admin")
    create_user("staff@agency.example", "staff")
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    html = client.get(f"/admin/rounds/{round_id}/reliability").get_data(as_text=True)
    assert "Reliability of the questionnaire" in html and "Respondents: 36" in html
    assert html.count("Corrected item–total r") >= 5
    staff = app.test_client()
    sign_in(staff, "staff@agency.example", lang="en")
    assert staff.get(f"/admin/rounds/{round_id}/reliability").status_code == 403
    overview = client.get(f"/admin/rounds/{round_id}").get_data(as_text=True)
    assert overview.count("How this result was computed") == 3
