"""No answer lost on the server's side of issue 16: draft saves that lead elsewhere, the markers that tell
the browser which kept copies to forget, the sign-in detour after an expired session, invitees who come
back (same browser, or another device through a private resume link) and refused pages that point at
their first marked question. The browser's side is in tests/e2e/test_unsaved_answers.py."""

import re

import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Invitation, Organisation, Response
from surveyapp.models.base import utcnow
from surveyapp.services.invitations import create_invitations
from surveyapp.services.questionnaires import get_questionnaire
from tests.helpers import page_data, sign_in, start


def staff_part(app):
    with app.app_context():
        return get_questionnaire("transparency", 1).part("staff")


def invitation_token(app, assessment) -> str:
    with app.app_context():
        round_ = db.session.get(AssessmentRound, assessment["round_id"])
        department = db.session.get(Organisation, assessment["d1"].id)
        return create_invitations(round_, department, 1, None)[0]


def cleared(html: str) -> list[str]:
    return re.search(r'<body data-clear-drafts="([^"]*)"', html).group(1).split()


def test_a_draft_save_with_a_next_address_saves_then_goes_there(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    part = staff_part(app)
    data = page_data(part, 0, action="save", next="/my")
    result = client.post(f"/responses/{response_id}/page/0", data=data)
    assert result.status_code == 302 and result.headers["Location"] == "/my"
    with app.app_context():
        assert len(db.session.get(Response, response_id).answers) == len(part.sections[0].items)
    # The page saved is named once, on the next page rendered, for the browser to drop its copy.
    assert cleared(client.get("/my").get_data(as_text=True)) == [f"{response_id}:0"]
    assert cleared(client.get("/my").get_data(as_text=True)) == []

    to_language = client.post(
        f"/responses/{response_id}/page/1",
        data=page_data(part, 1, action="save", next=f"/language/zh_Hant?next=/responses/{response_id}/page/1"),
    )
    assert to_language.headers["Location"] == f"/language/zh_Hant?next=/responses/{response_id}/page/1"
    for unsafe in (
        "https://evil.example/",
        "//evil.example/x",
        "javascript:alert(1)",
        "/\\evil.example",
        "/a\r\nSet-Cookie: x=1",
    ):
        stay = client.post(f"/responses/{response_id}/page/1", data=page_data(part, 1, action="save", next=unsafe))
        assert stay.headers["Location"].endswith(f"/responses/{response_id}/page/1"), unsafe


def test_a_refused_save_keeps_the_browser_copy_and_points_at_the_first_marked_question(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    part = staff_part(app)
    first, second = part.sections[0].items[:2]
    refused = client.post(
        f"/responses/{response_id}/page/0",
        data=page_data(part, 0, action="save", next="/my", **{first.key: "99", second.key: "nan"}),
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert cleared(html) == [], "nothing was saved, so the browser keeps its copy"
    summary = html[html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))]
    links = re.findall(r'<a href="#q-([^"]+)">', summary)
    assert links == [first.key, second.key], "the summary links to each marked question, in page order"
    assert 'id="q-' + first.key + '"' in html and "data-refused" in html and "data-restore" not in html

    # "Save and next page" with a required answer missing: saved, and the missing one is marked.
    data = page_data(part, 0)
    data.pop(first.key)
    stay = client.post(f"/responses/{response_id}/page/0", data=data)
    html = stay.get_data(as_text=True)
    assert stay.status_code == 200 and cleared(html) == [f"{response_id}:0"]
    assert re.findall(r'<a href="#q-([^"]+)">', html) == [first.key]
    assert "This question needs an answer." in html


def test_the_saved_state_version_changes_with_a_save_and_reveals_nothing(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    part = staff_part(app)

    def version():
        html = client.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
        assert "data-restore" in html and f'data-draft-key="{response_id}.0"' in html
        return re.search(r'data-draft-version="([0-9a-f]{16})"', html).group(1)

    empty = version()
    assert version() == empty, "reading a page changes nothing"
    client.post(f"/responses/{response_id}/page/0", data=page_data(part, 0, action="save"))
    assert version() != empty


def test_submitting_and_signing_out_make_the_browser_forget(app, assessment):
    from tests.helpers import submit_complete

    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    submit_complete(app, client, assessment["round_id"], "staff")
    with app.app_context():
        response_id = db.session.scalar(select(Response.id).where(Response.status == "submitted"))
    html = client.get(f"/responses/{response_id}").get_data(as_text=True)
    assert f"{response_id}:*" in cleared(html)
    signed_out = client.post("/logout")
    assert signed_out.headers["Clear-Site-Data"] == '"storage"'
    assert "data-forget-drafts" in html, "the sign-out form clears the copies before it is sent"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_page_sent_after_the_session_expired_leads_to_sign_in_and_back(app_config, assessment, backend):
    from surveyapp.app import create_app

    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post("/login", data={"email": "staff@d01.example", "password": "correct horse battery", "csrf_token": token})
    page = client.get("/my").get_data(as_text=True)
    assert "data-forget-drafts" in page
    client.delete_cookie("session")  # the session expired
    sent = client.post("/responses/1/page/0", data={"action": "save"}, headers={"Accept-Language": "en"})
    assert sent.status_code == 303
    assert sent.headers["Location"] == "/login?next=/responses/1/page/0"
    assert "answers you typed are kept in this browser" in client.get("/login").get_data(as_text=True)
    other = client.post("/logout", headers={"Accept-Language": "en"})
    assert other.status_code == 400, "any other form without its token is still refused"


def test_an_invitee_reopening_the_link_in_the_same_browser_continues_the_draft(app, assessment):
    token = invitation_token(app, assessment)
    invitee = app.test_client()
    started = invitee.post(f"/invite/{token}")
    response_id = int(re.search(r"/responses/(\d+)/page/0", started.headers["Location"]).group(1))
    part = staff_part(app)
    invitee.post(f"/responses/{response_id}/page/0", data=page_data(part, 0))
    for method in (invitee.get, invitee.post):
        again = method(f"/invite/{token}")
        assert again.status_code == 302 and again.headers["Location"].startswith(f"/responses/{response_id}/page/")
    # Elsewhere the first page says the link is used, in the reader's language, without a start button.
    elsewhere = app.test_client().get(f"/invite/{token}", headers={"Accept-Language": "zh-TW"})
    html = elsewhere.get_data(as_text=True)
    assert elsewhere.status_code == 200 and "此邀請已被使用" in html and "繼續作答專用連結" in html
    assert 'type="submit"' not in html.split('<main id="main"', 1)[1]
    bad = app.test_client().get(f"/invite/{token[:-4]}xxxx", headers={"Accept-Language": "en"})
    assert bad.status_code == 200 and "This invitation link is not valid." in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Invitation)).used_at is not None


def test_a_private_resume_link_opens_that_draft_on_another_device_until_submitted(app, assessment):
    token = invitation_token(app, assessment)
    invitee = app.test_client()
    response_id = int(re.search(r"/responses/(\d+)/", invitee.post(f"/invite/{token}").headers["Location"]).group(1))
    part = staff_part(app)
    before = invitee.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
    assert 'id="resume-link"' not in before, "the link is given after the first save"
    invitee.post(f"/responses/{response_id}/page/0", data=page_data(part, 0, action="save"))
    html = invitee.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
    link = re.search(r'id="resume-link" value="http://localhost(/resume/[^"]+)"', html).group(1)
    assert "data-copy" in html

    device = app.test_client()
    assert device.get(f"/responses/{response_id}/page/0").status_code == 302, "not without the link"
    opened = device.get(link)
    assert opened.status_code == 302 and opened.headers["Location"] == f"/responses/{response_id}/page/0"
    assert device.get(f"/responses/{response_id}/page/0").status_code == 200
    with app.app_context():
        other = Response(
            round_id=assessment["round_id"], organisation_id=assessment["d1"].id, part="staff",
            owner_key="invite:999", questionnaire_key="transparency", questionnaire_version=1,
        )  # fmt: skip
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    assert device.get(f"/responses/{other_id}/page/0").status_code == 403, "the link opens that draft only"
    # The link names no person: only the response, signed.
    payload = link.split("/resume/")[1].split(".")[0]
    assert "staff" not in payload and "@" not in payload

    tampered = app.test_client().get(link[:-3] + "abc", headers={"Accept-Language": "en"})
    assert "This resume link is not valid." in tampered.get_data(as_text=True)
    for page in range(len(part.sections)):
        device.post(f"/responses/{response_id}/page/{page}", data=page_data(part, page))
    assert device.post(f"/responses/{response_id}/submit").status_code == 302
    late = app.test_client().get(link, headers={"Accept-Language": "en"})
    assert late.status_code == 200 and "have been submitted" in late.get_data(as_text=True)


def test_a_resume_link_expires_with_its_invitation(app, assessment):
    token = invitation_token(app, assessment)
    invitee = app.test_client()
    response_id = int(re.search(r"/responses/(\d+)/", invitee.post(f"/invite/{token}").headers["Location"]).group(1))
    invitee.post(f"/responses/{response_id}/page/0", data=page_data(staff_part(app), 0, action="save"))
    html = invitee.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
    link = re.search(r'id="resume-link" value="http://localhost(/resume/[^"]+)"', html).group(1)
    with app.app_context():
        db.session.scalar(select(Invitation)).expires_at = utcnow().replace(year=2020)
        db.session.commit()
    expired = app.test_client().get(link, headers={"Accept-Language": "en"})
    assert "This resume link has expired." in expired.get_data(as_text=True)
