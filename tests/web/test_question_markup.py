"""Choice questions rendered once and reused with each respondent's own ticks (views/question_markup.py):
byte for byte the macro's output, per language, never another respondent's answers, CSRF tokens per session."""

from __future__ import annotations

import re

import pytest

from surveyapp.services.questionnaires import get_questionnaire
from surveyapp.views import question_markup
from tests.helpers import page_data, sign_in, start

TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


@pytest.fixture(autouse=True)
def empty_cache():
    question_markup.clear()
    yield
    question_markup.clear()


def part_of(app, key):
    with app.app_context():
        return get_questionnaire("transparency", 1).part(key)


def page_html(client, response_id, page):
    result = client.get(f"/responses/{response_id}/page/{page}")
    assert result.status_code == 200
    return TOKEN.sub(r"\1…\2", result.get_data(as_text=True))


def checked_values(html, key):
    """The option values ticked for question ``key`` on a page."""
    return sorted(re.findall(rf'<input[^>]* checked[^>]* name="{key}"[^>]* value="([^"]*)"', html))


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_every_page_is_byte_for_byte_the_macros_output(app, assessment, lang):
    """Every page of both parts, empty, answered, and with a multiple choice of two ticks: the same HTML with the
    cache as without it."""
    for email, part_key in (("staff@d01.example", "staff"), ("coord@d01.example", "department")):
        client = app.test_client()
        sign_in(client, email, lang=lang)
        response_id, _ = start(client, assessment["round_id"], part_key)
        part = part_of(app, part_key)
        for page in range(len(part.sections)):
            for answered in (False, True):
                if answered:
                    data = page_data(part, page, action="save")
                    for item in part.sections[page].items:
                        if item.kind == "multi_choice" and len(item.options) > 2:
                            data[item.key] = [item.options[0].value, item.options[2].value]
                    assert client.post(f"/responses/{response_id}/page/{page}", data=data).status_code == 302
                page_html(client, response_id, page)  # takes the "saved" notice, if any
                app.config["QUESTION_MARKUP_CACHE"] = False
                without = page_html(client, response_id, page)
                app.config["QUESTION_MARKUP_CACHE"] = True
                cold, warm = page_html(client, response_id, page), page_html(client, response_id, page)
                assert cold == without and warm == without, (part_key, page, answered)
    assert any(entry is not None for entry in question_markup._cache.values())  # it was used


def test_each_respondent_sees_only_their_own_answers_and_posts_with_their_own_token(app, assessment):
    app.config["WTF_CSRF_ENABLED"] = True
    part = part_of(app, "staff")
    first = part.sections[0].items[0]
    assert first.kind == "likert5"
    clients = {}
    for email in ("staff@d01.example", "staff@d02.example"):
        client = app.test_client()
        client.get("/language/zh_Hant")
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        assert client.post("/login", data={"email": email, "password": "correct horse battery",
                                           "csrf_token": token}).status_code == 302  # fmt: skip
        clients[email] = (client, start_with_token(client, assessment["round_id"]))

    pages, tokens = {}, {}
    for email, value in (("staff@d01.example", "5"), ("staff@d02.example", "2")):
        client, response_id = clients[email]
        html = client.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
        tokens[email] = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        data = {**page_data(part, 0, action="save"), first.key: value, "csrf_token": tokens[email]}
        assert client.post(f"/responses/{response_id}/page/0", data=data).status_code == 302
        pages[email] = client.get(f"/responses/{response_id}/page/0").get_data(as_text=True)
    assert checked_values(pages["staff@d01.example"], first.key) == ["5"]
    assert checked_values(pages["staff@d02.example"], first.key) == ["2"]
    # Read again after the other one saved: still only their own.
    for email, value in (("staff@d01.example", "5"), ("staff@d02.example", "2")):
        client, response_id = clients[email]
        assert checked_values(client.get(f"/responses/{response_id}/page/0").get_data(as_text=True), first.key) == [
            value
        ]
    # A token works for its own session only.
    client, response_id = clients["staff@d01.example"]
    stolen = {**page_data(part, 0, action="save"), "csrf_token": tokens["staff@d02.example"]}
    assert client.post(f"/responses/{response_id}/page/0", data=stolen).status_code == 400


def start_with_token(client, round_id):
    html = client.get("/my").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(f"/rounds/{round_id}/staff/start", data={"csrf_token": token})
    assert response.status_code == 302
    return int(re.search(r"/responses/(\d+)/page/", response.headers["Location"]).group(1))


def test_each_language_gets_its_own_markup(app, assessment):
    part = part_of(app, "staff")
    item = part.sections[0].items[0]
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="zh_Hant")
    response_id, _ = start(client, assessment["round_id"], "staff")
    chinese = page_html(client, response_id, 0)
    client.get("/language/en")
    english = page_html(client, response_id, 0)
    assert item.text.get("zh_Hant") in chinese and item.text.get("zh_Hant") not in english
    assert item.text.get("en") in english and item.text.get("en") not in chinese
    assert {key[3] for key in question_markup._cache} == {"zh_Hant", "en"}


def test_errors_are_rendered_by_the_macro_and_leave_nothing_behind(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    page_html(client, response_id, 0)  # fills the cache
    refused = client.post(f"/responses/{response_id}/page/0", data={"action": "save", "d1_s01": "9"})
    assert refused.status_code == 400
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert "aria-invalid" not in page_html(client, response_id, 0)


def test_the_cache_is_bounded(app, assessment, monkeypatch):
    monkeypatch.setattr(question_markup, "MAX_ENTRIES", 3)
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    response_id, _ = start(client, assessment["round_id"], "staff")
    for page in range(3):
        page_html(client, response_id, page)
    assert len(question_markup._cache) == 3


def test_another_questionnaire_version_gets_its_own_markup(app, assessment):
    """The same question key in version 1 and version 2 (other wording, a "not applicable" option added): each
    page shows its own version's question, whichever was rendered first."""
    from surveyapp.extensions import db
    from surveyapp.models import Organisation
    from surveyapp.services.rounds import open_round

    with app.app_context():
        agency, d1 = (db.session.get(Organisation, assessment[k].id) for k in ("agency", "d1"))
        second = open_round("2027 自評", agency, [d1], "transparency", questionnaire_version=2).id
        old, new = (get_questionnaire("transparency", v).part("staff").sections[0].items[0] for v in (1, 2))
    assert old.key == new.key and old.text.get("en") != new.text.get("en")
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    first_id, _ = start(client, assessment["round_id"], "staff")
    second_id, _ = start(client, second, "staff")
    pages = {v: page_html(client, response_id, 0) for v, response_id in ((1, first_id), (2, second_id))}
    assert old.text.get("en") in pages[1] and new.text.get("en") not in pages[1]
    assert new.text.get("en") in pages[2] and old.text.get("en") not in pages[2]
    options = {
        v: len(re.findall(rf'<input[^>]* name="{old.key}"[^>]* type="radio"', html)) for v, html in pages.items()
    }
    assert options[2] == options[1] + 1  # version 2 offers "not applicable"
