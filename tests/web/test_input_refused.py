"""Input that must be refused with a clear message: blank names, malformed e-mails; WTForms' own
messages in the page's language."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import Organisation, User
from tests.helpers import sign_in


@pytest.fixture
def sysadmin(app, create_user):
    create_user("root@agency.example", "sysadmin")
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    return client


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "email", ["<b>@x.test", "<b>@x.example", "a b@x.example", "x@", "@x.example", "x@y@z.example", "x@-bad-.example"]
)
def test_malformed_email_is_refused_in_the_form(app, sysadmin, email):
    before = _count(app, User)
    page = sysadmin.post("/admin/users/new", data={"email": email, "role": "staff", "organisation_id": "0"})
    assert page.status_code == 400 and "Not an e-mail address" in html.unescape(page.get_data(as_text=True))
    assert _count(app, User) == before


@pytest.mark.parametrize("email", ["<b>@x.example", " x@ ", "plain"])
def test_malformed_email_is_refused_by_the_service_and_cli(app, runner, email):
    from surveyapp.services.users import AccountError, create_user

    with (
        app.test_request_context(headers={"Accept-Language": "en"}),
        pytest.raises(AccountError, match="Not an e-mail"),
    ):
        create_user(email, "staff")
    result = runner.invoke(args=["users", "create", "--email", email, "--role", "staff", "--generate"])
    assert result.exit_code != 0 and "Not an e-mail address" in result.output


def test_valid_email_is_normalised(app):
    from surveyapp.services.users import normalise_email

    with app.test_request_context():
        assert normalise_email("  Li.Hua@Agency.Example ") == "li.hua@agency.example"


def test_whitespace_only_display_name_is_refused(app, sysadmin):
    before = _count(app, User)
    page = sysadmin.post(
        "/admin/users/new", data={"email": "new@agency.example", "role": "staff", "organisation_id": "0",
                                  "display_name": "   \t "}
    )  # fmt: skip
    assert page.status_code == 400 and "not only spaces" in html.unescape(page.get_data(as_text=True))
    assert _count(app, User) == before
    from surveyapp.services.users import AccountError, create_user

    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(AccountError, match="only spaces"):
        create_user("new@agency.example", "staff", display_name="\u3000 ")


def test_whitespace_only_organisation_name_is_refused(app, sysadmin):
    before = _count(app, Organisation)
    page = sysadmin.post(
        "/admin/organisations/new",
        data={"code": "NEW", "kind": "agency", "parent_id": "0", "name_zh_hans": "  ", "name_zh_hant": "新",
              "name_en": "New"},
    )  # fmt: skip
    assert page.status_code == 400 and "not only spaces" in html.unescape(page.get_data(as_text=True))
    assert _count(app, Organisation) == before
    from surveyapp.services.organisations import OrganisationError, save_organisation

    with app.test_request_context(), pytest.raises(OrganisationError):
        save_organisation(None, code="NEW", kind="agency", name_zh_hans="新", name_zh_hant=" \u3000",
                          name_en="New", parent=None)  # fmt: skip
    assert _count(app, Organisation) == before


def test_wtforms_messages_are_translated_on_a_chinese_page(app, create_user):
    create_user("root@agency.example", "sysadmin")
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="zh_Hans")
    page = client.post("/admin/users/new", data={"email": "new@agency.example", "role": "nonsense"})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400
    assert "Not a valid choice" not in text and "不是有效的选择" in text
    client.get("/language/zh_Hant")
    text = html.unescape(client.post("/admin/users/new", data={"email": "", "role": "staff"}).get_data(as_text=True))
    assert "This field is required" not in text


def test_wtforms_messages_missing_upstream_come_from_our_catalogue(app):
    from surveyapp.forms.i18n import form_translations

    single, plural = (
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
    )
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert form_translations().ngettext(single, plural, 1) % {"value": "3"} == "“3”不是此字段的有效选项。"
        assert form_translations().gettext("This field is required.") == "该字段是必填字段。"
    with app.test_request_context(headers={"Accept-Language": "zh-TW"}):
        assert "有效選擇" in form_translations().ngettext(single, plural, 1)
