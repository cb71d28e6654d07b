"""Issue 16 in a real browser: nothing ticked is lost by tapping a page tab, a header link or the language
switcher, by an expired session or a closed tab; an invitee comes back through the invitation link or a
private resume link; a refused page on a phone shows and focuses the first marked question."""

import re

import pytest
from sqlalchemy import select

from tests.e2e.conftest import PASSWORD, screenshot

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
EMAILS = {name: f"p16-{name}@e2e.example" for name in ("tabs", "expired", "phone", "closed", "devices")}


@pytest.fixture(scope="module")
def people(live_app):
    """Staff of their own, so these tests never meet another test's responses."""
    from surveyapp.extensions import db
    from surveyapp.models import Organisation
    from surveyapp.services.users import create_user

    with live_app.app_context():
        education = db.session.scalar(select(Organisation).where(Organisation.code == "EDU"))
        for email in EMAILS.values():
            create_user(email, "staff", PASSWORD, organisation=education, level="clerk", post="new_media")
    return EMAILS


def sign_in(page, base, email, labels=("电子邮箱", "密码", "登录"), go=True):
    if go:
        page.goto(f"{base}/login")
    page.get_by_label(labels[0]).fill(email)
    page.get_by_label(labels[1]).fill(PASSWORD)
    page.get_by_role("button", name=labels[2]).click()


def start_staff_part(page, base):
    page.goto(f"{base}/my")
    page.get_by_role("button", name=re.compile("^(开始|继续|Start|Continue)$")).first.click()
    page.locator("form[data-draft-key]").wait_for()


def radio(page, question: int, choice: int):
    return page.locator("fieldset").nth(question).get_by_role("radio").nth(choice)


def stored_keys(page) -> list[str]:
    return page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('surveyapp.draft.'))")


def test_answers_ticked_then_a_tab_header_link_or_language_tapped_are_still_there(live_server, new_page, people):
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, people["tabs"])
    start_staff_part(page, live_server)
    radio(page, 0, 3).check()
    radio(page, 2, 1).check()
    steps = page.get_by_role("navigation", name="问卷页面")
    steps.get_by_role("link").nth(2).click()  # the third page's tab
    page.get_by_role("heading", level=1).filter(has_text="第 3 页").wait_for()
    radio(page, 1, 4).check()
    page.get_by_role("link", name="我的自评").first.click()  # the header link
    page.get_by_role("button", name="继续").first.click()
    page.get_by_role("navigation", name="问卷页面").get_by_role("link").nth(0).click()
    page.get_by_role("heading", level=1).filter(has_text="第 1 页").wait_for()
    assert radio(page, 0, 3).is_checked() and radio(page, 2, 1).is_checked()
    radio(page, 1, 0).check()
    page.get_by_role("link", name="English").click()  # the language switcher
    page.get_by_role("heading", level=1).filter(has_text="Page 1 of 7").wait_for()
    assert radio(page, 0, 3).is_checked() and radio(page, 1, 0).is_checked() and radio(page, 2, 1).is_checked()
    page.get_by_role("navigation", name="Pages of this questionnaire").get_by_role("link").nth(2).click()
    page.get_by_role("heading", level=1).filter(has_text="Page 3 of 7").wait_for()
    assert radio(page, 1, 4).is_checked(), "the answer ticked before the header link was saved"
    assert stored_keys(page) == [], "saved pages leave no copy in the browser"
    assert not page.locator("#draft-restored").is_visible()
    screenshot(page, "p16-tabs-keep-answers")


def test_answers_typed_then_the_session_expired_are_restored_after_signing_in(live_server, new_page, people):
    page = new_page(locale="en-GB")
    labels = ("E-mail", "Password", "Sign in")
    sign_in(page, live_server, people["expired"], labels)
    start_staff_part(page, live_server)
    radio(page, 0, 4).check()
    radio(page, 3, 2).check()
    assert len(stored_keys(page)) == 1, "the browser keeps what was ticked"
    page.context.clear_cookies()  # the session expires
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("the answers you typed are kept in this browser").wait_for()
    sign_in(page, live_server, people["expired"], labels, go=False)
    page.get_by_role("heading", level=1).filter(has_text="Page 1 of 7").wait_for()
    note = page.get_by_text("Restored unsaved answers")
    assert note.is_visible()
    assert radio(page, 0, 4).is_checked() and radio(page, 3, 2).is_checked()
    screenshot(page, "p16-restored-after-sign-in")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Your answers are saved as a draft.").wait_for()
    assert not page.locator("#draft-restored").is_visible() and stored_keys(page) == []
    assert radio(page, 0, 4).is_checked() and radio(page, 3, 2).is_checked()
    # Signing out with answers not saved asks first: staying keeps them; signing out leaves nothing behind,
    # even a copy of a page not saved.
    radio(page, 5, 0).check()
    assert len(stored_keys(page)) == 1
    asked: list[str] = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("button", name="Sign out").click()
    assert asked and "signing out deletes the copy this browser keeps" in asked[0]
    assert radio(page, 5, 0).is_checked() and len(stored_keys(page)) == 1, "stayed: nothing lost"
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()
    assert len(asked) == 2 and stored_keys(page) == []


def test_answers_typed_then_the_tab_closed_come_back(live_server, new_page, people):
    page = new_page(locale="en-GB")
    sign_in(page, live_server, people["closed"], ("E-mail", "Password", "Sign in"))
    start_staff_part(page, live_server)
    url = page.url
    radio(page, 2, 2).check()
    context = page.context
    page.close()
    again = context.new_page()
    again.goto(url)
    assert again.get_by_text("Restored unsaved answers").is_visible()
    assert radio(again, 2, 2).is_checked()


def test_an_invitee_reopens_the_invitation_link_and_lands_on_the_draft(live_app, live_server, new_page):
    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound, Organisation
    from surveyapp.services.invitations import create_invitations

    with live_app.app_context():
        round_ = db.session.scalar(select(AssessmentRound))
        education = db.session.scalar(select(Organisation).where(Organisation.code == "EDU"))
        link = f"{live_server}/invite/{create_invitations(round_, education, 1, None)[0]}"
    page = new_page(viewport=PHONE)
    page.goto(link)
    page.get_by_role("button", name="开始").click()
    radio(page, 0, 2).check()
    radio(page, 1, 1).check()
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text("答案已保存为草稿。").wait_for()
    resume = page.get_by_label(re.compile("在其他设备上继续作答的专用链接")).input_value()
    page.goto(f"{live_server}/")
    page.goto(link)  # the same invitation link, later, in the same browser
    page.get_by_role("heading", level=1).filter(has_text="第 1 页").wait_for()
    assert radio(page, 0, 2).is_checked() and radio(page, 1, 1).is_checked()
    screenshot(page, "p16-invitee-back-on-the-draft")

    other_device = new_page(locale="zh-TW")
    other_device.goto(link)
    assert other_device.get_by_text("此邀請已被使用").is_visible()
    assert other_device.get_by_role("button", name="開始").count() == 0
    other_device.goto(resume)
    other_device.get_by_role("heading", level=1).filter(has_text="第 1 頁").wait_for()
    assert radio(other_device, 0, 2).is_checked() and radio(other_device, 1, 1).is_checked()


def test_a_refused_page_on_a_phone_focuses_the_first_marked_question(live_server, new_page, people):
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, people["phone"])
    start_staff_part(page, live_server)
    groups = page.locator("fieldset")
    for index in range(groups.count() - 1):  # the last question, screens below, stays unanswered
        radio(page, index, 0).check()
    page.evaluate("() => window.scrollTo(0, 0)")
    page.get_by_role("button", name="保存并进入下一页").click()
    page.get_by_role("heading", level=1).filter(has_text="第 1 页").wait_for()
    last = page.locator(".question.has-error")
    assert last.count() == 1
    focused = page.evaluate(
        "() => { const q = document.activeElement.closest('.question.has-error');"
        " const r = document.activeElement.getBoundingClientRect();"
        " return {id: q && q.id, top: r.top, bottom: r.bottom, height: innerHeight, scrolled: scrollY}; }"
    )
    assert focused["id"] == last.get_attribute("id"), "focus is in the first marked question"
    assert 0 <= focused["top"] and focused["bottom"] <= focused["height"], "and it is on the screen"
    assert focused["scrolled"] > 0
    assert "本题必须回答。" in last.inner_text(), "its message says what is missing"
    summary = page.locator("#error-summary a")
    assert summary.count() == 1 and summary.get_attribute("href") == "#" + last.get_attribute("id")
    screenshot(page, "p16-phone-first-marked-question")


def test_answers_refused_because_another_device_saved_come_back_after_leaving(live_server, new_page, people):
    """A save refused because the page was saved on another device meanwhile (409) keeps the respondent's
    answers on the page, and this browser keeps them: leaving and coming back restores them (a fresh
    tester found them gone although the leave prompt promised a copy)."""
    labels = ("E-mail", "Password", "Sign in")
    phone, desktop = new_page(viewport=PHONE, locale="en-GB"), new_page(locale="en-GB")
    for page in (phone, desktop):
        sign_in(page, live_server, people["devices"], labels)
        start_staff_part(page, live_server)
    url = phone.url
    radio(desktop, 0, 1).check()
    desktop.get_by_role("button", name="Save draft").click()
    desktop.get_by_text("Your answers are saved as a draft.").wait_for()

    radio(phone, 0, 3).check()
    radio(phone, 2, 1).check()
    phone.get_by_role("button", name="Save draft").click()
    phone.get_by_text("saved on another device or tab after you opened it").wait_for()
    assert radio(phone, 0, 3).is_checked() and radio(phone, 2, 1).is_checked()
    screenshot(phone, "p16-saved-on-another-device")

    phone.once("dialog", lambda dialog: dialog.accept())  # "not saved... this browser keeps a copy"
    phone.get_by_role("link", name="My assessments").first.click()
    phone.goto(url)
    phone.get_by_text("Restored unsaved answers").wait_for()
    assert radio(phone, 0, 3).is_checked() and radio(phone, 2, 1).is_checked()
