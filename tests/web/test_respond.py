"""The respondent flow on the built-in instrument: answer, stop, resume, submit; and refusals."""

import io
import re

import pytest
from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import Answer, AuditEvent, Response, User
from surveyapp.services.questionnaires import get_questionnaire
from surveyapp.services.rounds import open_round
from tests.helpers import page_data, sign_in, sign_out, start, submit_complete, valid_value


def stored_answers(app, response_id):
    with app.app_context():
        return {a.question_key: a for a in db.session.scalars(select(Answer).where(Answer.response_id == response_id))}


def test_staff_completes_in_zh_hant_stops_half_way_resumes_and_submits(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example")
    listing = client.get("/my").get_data(as_text=True)
    assert "工作人員問卷" in listing and "開始" in listing
    response_id, page = start(client, assessment["round_id"], "staff")
    assert page == 0
    with app.app_context():
        part = get_questionnaire("transparency", 1).part("staff")

    first = client.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
    assert '<html lang="zh-Hant">' in first
    assert "第 1 頁，共 7 頁" in first and "工作人員形象意識" in first

    for page in range(3):
        result = client.post(f"/responses/{response_id}/page/{page}", data=page_data(part, page))
        assert result.status_code == 302
        assert result.headers["Location"].endswith(f"/page/{page + 1}")
    # Half-way: answer part of page 3 and save the draft, then leave.
    half = page_data(part, 3, action="save")
    half.pop(part.sections[3].items[-1].key)
    assert client.post(f"/responses/{response_id}/page/3", data=half).status_code == 302
    sign_out(client)

    other_device = app.test_client()
    sign_in(other_device, "staff@d01.example")
    assert "草稿" in other_device.get("/my").get_data(as_text=True)
    resumed_id, resumed_page = start(other_device, assessment["round_id"], "staff")
    assert (resumed_id, resumed_page) == (response_id, 3)
    resumed = other_device.get(f"/responses/{response_id}/page/3").get_data(as_text=True)
    assert 'value="4" checked' in resumed or 'checked value="4"' in resumed or "checked" in resumed

    for page in range(3, len(part.sections)):
        result = other_device.post(f"/responses/{response_id}/page/{page}", data=page_data(part, page))
        assert result.status_code == 302
    review = other_device.get(f"/responses/{response_id}/review").get_data(as_text=True)
    assert "送出我的答案" in review
    submitted = other_device.post(f"/responses/{response_id}/submit", follow_redirects=True)
    assert "您的答案已送出" in submitted.get_data(as_text=True)

    answers = stored_answers(app, response_id)
    assert set(answers) == {item.key for item in part.items if valid_value(item) is not None}
    assert {(a.questionnaire_key, a.questionnaire_version) for a in answers.values()} == {("transparency", 1)}
    assert answers["d1_s01"].value == 4 and answers["d4_s01"].value == 3
    with app.app_context():
        response = db.session.get(Response, response_id)
        assert response.status == "submitted" and response.submitted_at is not None
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(response_id)))
        assert "response.submit" in set(actions)


def test_next_with_unanswered_required_keeps_the_draft_and_marks_questions(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    result = client.post(f"/responses/{response_id}/page/0", data={"action": "next", "d1_s01": "5"})
    html = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "This question needs an answer." in html
    assert 'id="error-d1_s02"' in html and 'aria-describedby="why-d1_s02 error-d1_s02"' in html
    assert stored_answers(app, response_id)["d1_s01"].value == 5


def count_answers(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Answer.id)))


def test_unknown_field_is_refused_and_nothing_saved(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    result = client.post(f"/responses/{response_id}/page/0", data={"action": "save", "d1_s01": "3", "is_admin": "1"})
    assert result.status_code == 400
    assert "not questions of this page" in result.get_data(as_text=True)
    assert count_answers(app) == 0


def test_answer_from_another_page_is_refused(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    result = client.post(f"/responses/{response_id}/page/0", data={"action": "save", "d2_s01": "3"})
    assert result.status_code == 400
    assert count_answers(app) == 0


@pytest.mark.parametrize("value", ["7", "0", "abc", "na"])
def test_value_outside_the_scale_is_refused(app, assessment, value):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    # d1_s01 does not allow N/A, so "na" is outside its scale too.
    result = client.post(f"/responses/{response_id}/page/0", data={"action": "save", "d1_s01": value, "d1_s02": "yes"})
    assert result.status_code == 400
    html = result.get_data(as_text=True)
    assert "Choose one of the answers offered." in html and 'id="error-d1_s01"' in html
    assert count_answers(app) == 0


def test_number_out_of_range_names_the_range(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    result = client.post(f"/responses/{response_id}/page/3", data={"action": "save", "d4_s01": "-4"})
    assert result.status_code == 400
    assert "Enter a number from 0 to 2000." in result.get_data(as_text=True)
    assert count_answers(app) == 0


def test_one_megabyte_link_is_refused(app, assessment):
    client = app.test_client()
    sign_in(client, "coord@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "department")
    data = {"action": "save", "d1_c01": "no", "d1_c02": "yes", "d1_c03": "https://x.cn/" + "a" * 1_000_000}
    result = client.post(f"/responses/{response_id}/page/0", data=data)
    assert result.status_code == 400
    assert "Write at most 2000 characters." in result.get_data(as_text=True)
    assert count_answers(app) == 0


def test_link_must_be_http_or_https(app, assessment):
    client = app.test_client()
    sign_in(client, "coord@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "department")
    data = {"action": "save", "d1_c02": "yes", "d1_c03": "javascript:alert(1)"}
    result = client.post(f"/responses/{response_id}/page/0", data=data)
    assert result.status_code == 400
    assert "http:// or https://" in result.get_data(as_text=True)


def test_answer_to_a_hidden_item_is_refused(app, assessment):
    client = app.test_client()
    sign_in(client, "coord@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "department")
    data = {"action": "save", "d1_c01": "no", "d1_c02": "no", "d1_c03": "https://example.gov.cn/x"}
    result = client.post(f"/responses/{response_id}/page/0", data=data)
    assert result.status_code == 400
    html = result.get_data(as_text=True)
    assert "does not apply given your earlier answers" in html and 'id="error-d1_c03"' in html
    assert count_answers(app) == 0


def test_second_submit_changes_nothing(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id = submit_complete(app, client, assessment["round_id"], "staff")
    with app.app_context():
        first_time = db.session.get(Response, response_id).submitted_at
    again = client.post(f"/responses/{response_id}/submit", follow_redirects=True)
    assert "has been submitted and can no longer be changed" in again.get_data(as_text=True)
    edit = client.post(f"/responses/{response_id}/page/0", data={"action": "save", "d1_s01": "1"})
    assert edit.status_code == 302
    with app.app_context():
        assert db.session.get(Response, response_id).submitted_at == first_time
        submits = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "response.submit"))
        assert submits == 1
    assert stored_answers(app, response_id)["d1_s01"].value == 4


def test_submit_refused_while_required_answers_are_missing(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    review = client.get(f"/responses/{response_id}/review").get_data(as_text=True)
    assert "still unanswered" in review and "Submit my answers" not in review
    result = client.post(f"/responses/{response_id}/submit", follow_redirects=True)
    assert "required questions are still unanswered" in result.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Response, response_id).status == "draft"


def test_other_department_cannot_see_or_change_a_response(app, assessment):
    owner = app.test_client()
    sign_in(owner, "staff@d01.example", lang="en")
    response_id, _ = start(owner, assessment["round_id"], "staff")
    intruder = app.test_client()
    sign_in(intruder, "staff@d02.example", lang="en")
    for path in (
        f"/responses/{response_id}",
        f"/responses/{response_id}/page/0",
        f"/responses/{response_id}/review",
    ):
        assert intruder.get(path).status_code == 403
    assert intruder.post(f"/responses/{response_id}/page/0", data={"action": "save", "d1_s01": "1"}).status_code == 403
    assert intruder.post(f"/responses/{response_id}/submit").status_code == 403
    assert count_answers(app) == 0


def test_staff_cannot_start_the_department_checklist(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    assert client.post(f"/rounds/{assessment['round_id']}/department/start").status_code == 403


def test_administrator_reopens_and_it_is_audited(app, assessment):
    staff = app.test_client()
    sign_in(staff, "staff@d01.example", lang="en")
    response_id = submit_complete(app, staff, assessment["round_id"], "staff")
    assert staff.post(f"/responses/{response_id}/reopen").status_code == 403
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    # The administrator reopens from the participation list, at the respondent's request, without
    # seeing the response (issue 14): its page stays closed to them.
    assert admin.get(f"/responses/{response_id}").status_code == 403
    listing = admin.get(f"/admin/rounds/{assessment['round_id']}/participation").get_data(as_text=True)
    assert "Reopen at the respondent" in listing and "Submitted" in listing
    with app.app_context():
        staff_id = db.session.scalar(select(User.id).where(User.email == "staff@d01.example"))
    reopened = admin.post(
        f"/admin/rounds/{assessment['round_id']}/participation/{staff_id}/reopen", data={"reason": "typo in d4_s01"}
    )
    assert reopened.status_code == 302 and "/participation" in reopened.headers["Location"]
    with app.app_context():
        assert db.session.get(Response, response_id).status == "draft"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.reopen"))
        assert event.details == {"reason": "typo in d4_s01"} and event.actor_id is not None
    assert "Draft" in admin.get(f"/admin/rounds/{assessment['round_id']}/participation").get_data(as_text=True)
    assert (
        staff.post(
            f"/responses/{response_id}/page/0",
            data=page_data(get_part(app, "staff"), 0, action="save", d1_s01="2"),
        ).status_code
        == 302
    )
    assert stored_answers(app, response_id)["d1_s01"].value == 2


def get_part(app, key):
    with app.app_context():
        return get_questionnaire("transparency", 1).part(key)


def test_evidence_file_is_checked_stored_and_served_only_to_those_allowed(app, assessment):
    client = app.test_client()
    sign_in(client, "coord@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "department")
    part = get_part(app, "department")
    page = next(i for i, s in enumerate(part.sections) if s.dimension == "D4")
    data = page_data(part, page, action="save")
    data["d4_c04"] = (io.BytesIO(b"not a pdf"), "plan.pdf")
    refused = client.post(f"/responses/{response_id}/page/{page}", data=data, content_type="multipart/form-data")
    assert refused.status_code == 400 and "does not match its type" in refused.get_data(as_text=True)
    assert count_answers(app) == 0

    data = page_data(part, page, action="save")
    data["d4_c04"] = (io.BytesIO(b"%PDF-1.7\n% a training plan\n"), "plan 2026.pdf")
    assert (
        client.post(f"/responses/{response_id}/page/{page}", data=data, content_type="multipart/form-data").status_code
        == 302
    )
    stored = stored_answers(app, response_id)["d4_c04"].value
    assert stored["name"] == "plan 2026.pdf" and "/" not in stored["file"]
    assert (app.config["UPLOADS_DIR"] + f"/{response_id}/") not in str(app.static_folder)
    download = client.get(f"/responses/{response_id}/evidence/d4_c04")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert "attachment" in download.headers["Content-Disposition"]

    intruder = app.test_client()
    sign_in(intruder, "staff@d02.example", lang="en")
    assert intruder.get(f"/responses/{response_id}/evidence/d4_c04").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "evidence.download")) == 1


@pytest.fixture
def hotline_round(app, tmp_path, create_org, create_user):
    """A round of the sample XLSForm questionnaire for one department."""
    from surveyapp.definitions.xlsform import import_xlsform
    from surveyapp.models import Organisation
    from surveyapp.services.questionnaires import register_questionnaire
    from tests.xlsform_sample import sample_xlsform

    agency = create_org("AG", kind="agency")
    department = create_org("D01", parent=agency)
    create_user("staff@d01.example", "staff", organisation=department)
    with app.app_context():
        questionnaire = import_xlsform(sample_xlsform(tmp_path / "hotline.xlsx"))
        register_questionnaire(questionnaire, "hotline.xlsx")
        round_ = open_round(
            "Hotline 2026",
            db.session.get(Organisation, agency.id),
            [db.session.get(Organisation, department.id)],
            "hotline",
        )
        return round_.id


def test_imported_xlsform_renders_and_can_be_answered(app, hotline_round):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="zh_Hans")
    response_id, _ = start(client, hotline_round, "staff")
    page = client.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
    assert "是否开通热线？" in page and "热线每周开放小时数" in page and "计算所有有人值守的小时" in page
    assert 'data-show-if-item="has_hotline"' in page

    hidden = client.post(
        f"/responses/{response_id}/page/0",
        data={"action": "next", "has_hotline": "no", "hotline_hours": "30"},
    )
    assert hidden.status_code == 400 and "本题不适用" in hidden.get_data(as_text=True)
    assert count_answers(app) == 0

    ok = client.post(
        f"/responses/{response_id}/page/0",
        data={"action": "next", "has_hotline": "yes", "hotline_hours": "30"},
    )
    assert ok.status_code == 302
    # About 1 MB of UTF-8 text.
    too_long = client.post(
        f"/responses/{response_id}/page/1",
        data={"action": "next", "answer_quality": "fair", "comment": "很" * 350_000},
    )
    assert too_long.status_code == 400 and "最多 5000 个字符" in too_long.get_data(as_text=True)
    done = client.post(f"/responses/{response_id}/page/1", data={"action": "next", "answer_quality": "fair"})
    assert done.status_code == 302
    assert client.post(f"/responses/{response_id}/submit").status_code == 302
    answers = stored_answers(app, response_id)
    assert {k: a.value for k, a in answers.items()} == {
        "has_hotline": "yes",
        "hotline_hours": 30,
        "answer_quality": "fair",
    }
    assert {(a.questionnaire_key, a.questionnaire_version) for a in answers.values()} == {("hotline", 2026112701)}


@pytest.mark.parametrize(
    ("page", "data", "field", "message"),
    [
        (1, {"d2_c03": " "}, "d2_c03", "d2_c03: An answer made only of spaces is not an answer"),
        (0, {"d1_c01": "\u3000"}, "d1_c01", "d1_c01: An answer made only of spaces is not an answer"),
        (1, {"d2_c02": "nan"}, "d2_c02", "Enter a number."),
        (1, {"d2_c02": "inf"}, "d2_c02", "Enter a number."),
        (1, {"d2_c02": "12,5"}, "d2_c02", "Write decimals with a point (12.5)"),
        (1, {"d2_c02": "１２，５"}, "d2_c02", "Write decimals with a point (12.5)"),
        (1, {"d2_c02": "1,2,3"}, "d2_c02", "a comma only separates thousands"),
        (1, {"d2_c01": ["yes", "no"]}, "d2_c01", "Choose one of the answers offered."),
        (1, {"d2_c02": "17", "d2_c02__na": "y"}, "d2_c02", 'Either give an answer or tick "not applicable", not both.'),
        (0, {"d1_c03": "https://example.gov.cn/a\x07b"}, "d1_c03", "d1_c03: The answer contains control characters"),
    ],
)
def test_answers_not_offered_are_refused_naming_the_question(app, assessment, page, data, field, message):
    """Whitespace, control characters, nan/inf and a number with "not applicable" are refused, with the
    question marked; nothing is stored (issue 15)."""
    client = app.test_client()
    sign_in(client, "coord@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "department")
    result = client.post(f"/responses/{response_id}/page/{page}", data={"action": "save", **data})
    assert result.status_code == 400
    html = result.get_data(as_text=True).replace("&#34;", '"').replace("&quot;", '"')
    assert message in html and f'id="error-{field}"' in html
    assert count_answers(app) == 0


def test_a_questionnaire_page_reads_three_statements(app, assessment):
    """What a questionnaire page reads, whatever the round's size (issue 13): the account with its
    session, the response with its round and its questionnaire's digest, and the answers. The
    banner's queries are not run on a page that does not show it."""
    from sqlalchemy import event

    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    url = f"/responses/{response_id}/page/1"
    assert client.get(url).status_code == 200
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200 and "Open questionnaire" not in page.get_data(as_text=True)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 3, "\n".join(reads)
    assert not any("participations" in s or "round_departments" in s for s in reads)
    assert not any(s.lstrip().upper().startswith("SELECT QUESTIONNAIRE_VERSIONS.SHA256") for s in reads)


def test_static_and_navigation_links_follow_the_mount_point(app, assessment):
    """Static files' and the navigation's URLs are remembered per process (views/context.fixed_url,
    issue 13), per mount point: an app served under a prefix (SCRIPT_NAME) links below it, and the
    same process serving it at the root does not. The language switch and the navigation's current
    page work below the prefix too."""
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    url = f"/responses/{response_id}/page/0"
    for prefix in ("", "/survey", ""):
        page = client.get(url, base_url=f"http://localhost{prefix}/").get_data(as_text=True)
        assert f'href="{prefix}/static/css/app.css"' in page and f'src="{prefix}/static/js/respond.js"' in page
        assert f'href="{prefix}/my"' in page  # the navigation: My assessments
        assert f'href="{prefix}/responses/{response_id}/page/1"' in page  # the steps bar
        if not prefix:
            assert "/survey" not in page
        # The language switch comes back to this page, below the mount point (a fresh tester was sent
        # outside it); the navigation marks the current page there too.
        switch = client.get(f"/language/zh_Hant?next={prefix}{url}", base_url=f"http://localhost{prefix}/")
        assert switch.status_code == 302 and switch.headers["Location"] == f"{prefix}{url}"
        assert f"next={prefix}{url}".replace("/", "%2F") in page or f"next={prefix}{url}" in page
        mine = client.get("/my", base_url=f"http://localhost{prefix}/").get_data(as_text=True)
        assert f'href="{prefix}/my" aria-current="page"' in mine


def current_marks(page: str) -> dict[str, str]:
    """The header navigation's links that carry aria-current: {path: value}."""
    nav = page[page.index('<ul class="nav">') : page.index("</ul>", page.index('<ul class="nav">'))]
    return dict(re.findall(r'href="([^"]+)" aria-current="([^"]+)"', nav))


def test_the_header_marks_the_section_of_a_sub_page(app, assessment):
    """The header marks its entry's own page as the current page and any other page of its section as
    within it (a fresh tester found no mark on questionnaire, inspection and password pages); a page of
    no section marks nothing."""
    coordinator, admin = app.test_client(), app.test_client()
    sign_in(coordinator, "coord@d01.example", lang="en")
    sign_in(admin, "admin@ag.example", lang="en")
    response_id, _ = start(coordinator, assessment["round_id"], "department")
    d1_id = assessment["d1"].id
    expected = [
        (coordinator, "/my", {"/my": "page"}),
        (coordinator, f"/responses/{response_id}/page/0", {"/my": "true"}),
        (coordinator, f"/responses/{response_id}/review", {"/my": "true"}),
        (coordinator, f"/departments/{d1_id}/inspection", {"/inspection": "true"}),
        (coordinator, "/account/password", {"/account/password": "page"}),
        (coordinator, "/privacy", {}),
        (admin, "/admin/rounds", {"/admin/rounds": "page"}),
        (admin, f"/admin/rounds/{assessment['round_id']}/invitations", {"/admin/rounds": "true"}),
        (admin, "/admin/users", {"/admin/rounds": "true"}),
        (admin, "/compare/training", {"/compare": "true"}),
        (admin, "/inspection", {"/inspection": "page"}),
        (admin, "/", {"/": "page"}),
        (app.test_client(), "/login", {"/login": "page"}),
    ]
    for client, path, marks in expected:
        page = client.get(path)
        assert page.status_code == 200, path
        assert current_marks(page.get_data(as_text=True)) == marks, path
    # An error page is in no section, whatever its path starts with.
    errors = [(coordinator, path) for path in ("/myx", "/my/", "/responses/9999/page/0")]
    errors += [(admin, path) for path in ("/compare/", "/inspection/", "/admin/nope", "/admin/audit")]
    for client, path in errors:
        page = client.get(path)
        assert page.status_code in (403, 404), path
        assert current_marks(page.get_data(as_text=True)) == {}, path


@pytest.mark.parametrize(("typed", "stored"), [("1,250", 1250), ("12.5", 12.5), ("１２．５", 12.5), (" 7 ", 7)])
def test_numbers_are_stored_as_typed_with_grouping_commas_and_full_width_digits(app, assessment, typed, stored):
    """A comma groups thousands and is never dropped from a decimal: "12,5" is refused (above), not stored
    as 125; full-width digits from a Chinese input method count as digits."""
    client = app.test_client()
    sign_in(client, "coord@d01.example", lang="zh_Hans")
    response_id, _ = start(client, assessment["round_id"], "department")
    result = client.post(f"/responses/{response_id}/page/1", data={"action": "save", "d2_c02": typed})
    assert result.status_code == 302
    assert stored_answers(app, response_id)["d2_c02"].value == stored


def test_a_save_over_answers_saved_meanwhile_elsewhere_is_refused_and_shows_both(app, assessment):
    """Two devices (or tabs) on one page: the later save does not silently overwrite what the other saved
    after it opened the page (a fresh tester found the last save won). Where both changed one question
    differently, nothing is saved, the respondent's own answer stays on the page and the question shows
    what was saved there; saving again keeps theirs. What only the other device changed is kept."""
    phone, desktop = app.test_client(), app.test_client()
    sign_in(phone, "coord@d01.example", lang="en")
    sign_in(desktop, "coord@d01.example", lang="en")
    response_id, _ = start(phone, assessment["round_id"], "department")
    url = f"/responses/{response_id}/page/1"

    on_phone = base_version(phone.get(url).get_data(as_text=True))
    on_desktop = base_version(desktop.get(url).get_data(as_text=True))
    assert on_phone == on_desktop
    saved = desktop.post(url, data={"action": "save", "d2_c02": "12", "d2_c04": "yes", "base_version": on_desktop})
    assert saved.status_code == 302

    # A refused save (a typing error) is shown again over the state it was typed on, not the newer one.
    typo = phone.post(url, data={"action": "save", "d2_c02": "3o", "base_version": on_phone})
    assert typo.status_code == 400 and base_version(typo.get_data(as_text=True)) == on_phone

    # The phone changes d2_c02 (to another number) and leaves d2_c04 as it saw it (no answer).
    refused = phone.post(url, data={"action": "save", "d2_c02": "30", "base_version": on_phone})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "saved on another device or tab after you opened it" in page
    assert 'value="30"' in page, "the respondent's own answer stays on the page"
    assert "after you opened this page: 12 hours" in page and 'id="error-d2_c02"' in page
    assert 'id="error-d2_c04"' not in page, "only the phone left d2_c04 alone: not a conflict"
    assert re.search(r'id="d2_c04-0"[^>]*checked|checked[^>]*id="d2_c04-0"', page), "the desktop's yes is shown"
    assert stored_answers(app, response_id)["d2_c02"].value == 12, "nothing was saved"

    again = phone.post(
        url, data={"action": "save", "d2_c02": "30", "d2_c04": "yes", "base_version": base_version(page)}
    )
    assert again.status_code == 302
    assert {k: a.value for k, a in stored_answers(app, response_id).items() if k in ("d2_c02", "d2_c04")} == {
        "d2_c02": 30, "d2_c04": "yes"}  # fmt: skip

    # A stale page that changes another question only: saved, and the other device's answers are kept.
    stale = base_version(desktop.get(url).get_data(as_text=True))
    fresh = base_version(phone.get(url).get_data(as_text=True))
    assert (
        phone.post(url, data={"action": "save", "d2_c02": "40", "d2_c04": "yes", "base_version": fresh}).status_code
        == 302
    )
    merged = desktop.post(url, data={"action": "save", "d2_c02": "30", "d2_c04": "no", "base_version": stale})
    assert merged.status_code == 302
    assert {k: a.value for k, a in stored_answers(app, response_id).items() if k in ("d2_c02", "d2_c04")} == {
        "d2_c02": 40, "d2_c04": "no"}, "the phone's 40 kept, the desktop's no saved"  # fmt: skip

    # A client that sends no version, or one this app did not write, is not checked.
    unversioned = desktop.post(url, data={"action": "save", "d2_c02": "31"})
    assert unversioned.status_code == 302 and stored_answers(app, response_id)["d2_c02"].value == 31
    real = base_version(desktop.get(url).get_data(as_text=True))
    for tampered in ("é" * 8 + real[8:], "zz" + real[2:], real + ".", "0" * 8):
        assert desktop.post(url, data={"action": "save", "d2_c02": "32", "base_version": tampered}).status_code == 302


def base_version(page_html: str) -> str:
    return re.search(r'name="base_version" value="([0-9a-f.]+)"', page_html).group(1)


def test_an_evidence_file_saved_meanwhile_elsewhere_is_not_replaced_silently(app, assessment):
    """An evidence file uploaded on one device is neither replaced nor removed by a save from a page opened
    before it; the chosen file must be chosen again (a browser cannot be given it back)."""
    phone, desktop = app.test_client(), app.test_client()
    sign_in(phone, "coord@d01.example", lang="en")
    sign_in(desktop, "coord@d01.example", lang="en")
    response_id, _ = start(phone, assessment["round_id"], "department")
    url = f"/responses/{response_id}/page/3"
    assert phone.post(url, data={"action": "save", "d4_c01": "yes"}).status_code == 302
    on_phone = base_version(phone.get(url).get_data(as_text=True))
    on_desktop = base_version(desktop.get(url).get_data(as_text=True))
    plan = {"action": "save", "d4_c01": "yes", "base_version": on_desktop,
            "d4_c04": (io.BytesIO(b"%PDF-1.7 plan A"), "planA.pdf")}  # fmt: skip
    assert desktop.post(url, data=plan, content_type="multipart/form-data").status_code == 302

    other = {"action": "save", "d4_c01": "yes", "base_version": on_phone,
             "d4_c04": (io.BytesIO(b"%PDF-1.7 plan B"), "planB.pdf")}  # fmt: skip
    refused = phone.post(url, data=other, content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "planA.pdf" in page and "choose it again" in page
    assert stored_answers(app, response_id)["d4_c04"].value["name"] == "planA.pdf"

    removal = {"action": "save", "d4_c01": "yes", "d4_c04__remove": "y", "base_version": on_phone}
    assert phone.post(url, data=removal).status_code == 409
    assert stored_answers(app, response_id)["d4_c04"].value["name"] == "planA.pdf", "not removed silently"


def test_an_uploaded_file_shows_its_size_in_the_readers_units(app, assessment):
    """A small evidence file shows its size in bytes (it showed "0.0 KB"), a larger one in KB and one that
    rounds to 1,024 KB in MB, the number in the reader's locale."""
    client = app.test_client()
    sign_in(client, "coord@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "department")
    url = f"/responses/{response_id}/page/3"
    tiny = {"action": "save", "d4_c01": "yes", "d4_c04": (io.BytesIO(b"%PDF-1.7 " + b"x" * 31), "tiny.pdf")}
    assert client.post(url, data=tiny, content_type="multipart/form-data").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "tiny.pdf</a>\n          (40 bytes)" in page and "0.0 KB" not in page

    larger = {"action": "save", "d4_c01": "yes", "d4_c04": (io.BytesIO(b"%PDF-1.7 " + b"x" * 1527), "plan.pdf")}
    assert client.post(url, data=larger, content_type="multipart/form-data").status_code == 302
    assert "(1.5 KB)" in client.get(url).get_data(as_text=True)
    almost = {"action": "save", "d4_c01": "yes", "d4_c04": (io.BytesIO(b"%PDF-1.7 " + b"x" * 1048566), "a.pdf")}
    assert client.post(url, data=almost, content_type="multipart/form-data").status_code == 302
    assert "(1 MB)" in client.get(url).get_data(as_text=True), "1,048,575 bytes round to 1,024 KB: 1 MB"
    client.get("/language/zh_Hans")
    tiny["d4_c04"] = (io.BytesIO(b"%PDF-1.7 " + b"x" * 991), "tiny.pdf")
    assert client.post(url, data=tiny, content_type="multipart/form-data").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'lang="zh-Hans"' in page and "(1,000 字节)" in page
    client.get("/language/zh_Hant")
    assert "(1,000 位元組)" in client.get(url).get_data(as_text=True)
