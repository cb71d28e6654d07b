"""What people do, in a real browser: answer on a phone and resume, fill the checklist with
evidence, open a round and download a PDF, compare departments, switch languages."""

import re
import subprocess

import pytest

from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
HANT = ("電子郵件", "密碼", "登入")


def answer_visible_page(page) -> None:
    """Answer every question on the page as a person would: the fourth choice, or a number."""
    for group in page.locator("fieldset").all():
        if group.is_visible():
            radios = group.get_by_role("radio")
            if radios.count():
                radios.nth(min(3, radios.count() - 1)).check()
            else:
                boxes = group.get_by_role("checkbox")
                if boxes.count():
                    boxes.first.check()
    for field in page.locator("input[inputmode=decimal]").all():
        if field.is_visible():
            field.fill("3")
    for field in page.locator("input[type=url]").all():
        if field.is_visible() and field.is_enabled():
            field.fill("https://www.example.gov.cn/evidence")


def test_staff_answers_on_a_phone_in_zh_hant_stops_and_resumes(live_server, new_page):
    page = new_page(viewport=PHONE, locale="zh-TW")
    sign_in(page, live_server, "staff", HANT)
    page.get_by_role("link", name="我的自評").first.click()
    page.get_by_role("button", name="開始").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    for number in range(3):
        page.get_by_role("heading", level=1).filter(has_text=f"第 {number + 1} 頁").wait_for()
        answer_visible_page(page)
        page.get_by_role("button", name="儲存並前往下一頁").click()
    screenshot(page, "staff-phone-zh-Hant-page-4")
    page.locator("fieldset").first.get_by_role("radio").nth(4).check()
    page.get_by_role("button", name="儲存草稿").click()
    page.get_by_text("答案已儲存為草稿。").wait_for()
    page.context.close()

    other_device = new_page(viewport=PHONE, locale="zh-TW")
    sign_in(other_device, live_server, "staff", HANT)
    other_device.goto(f"{live_server}/my")
    other_device.get_by_role("button", name="繼續").click()
    other_device.get_by_role("heading", level=1).filter(has_text="第 4 頁").wait_for()
    assert other_device.locator("fieldset").first.get_by_role("radio").nth(4).is_checked()
    for _ in range(4):
        answer_visible_page(other_device)
        other_device.get_by_role("button", name=re.compile("儲存並(前往下一頁|檢查)")).click()
    other_device.get_by_role("button", name="送出我的答案").click()
    other_device.get_by_text("謝謝！您的答案已送出。").wait_for()
    screenshot(other_device, "staff-phone-zh-Hant-submitted")


def test_coordinator_answers_the_checklist_with_an_evidence_link(live_server, new_page):
    page = new_page(locale="en-GB")
    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server}/my")
    page.get_by_role("listitem").filter(has_text="Department checklist").get_by_role("button").click()
    link = page.get_by_label(re.compile("Link to the briefing material"))
    briefed = page.get_by_role("group", name=re.compile("briefed all staff on the online code of conduct"))
    briefed.get_by_role("radio", name="No").check()
    assert not link.is_visible(), "the evidence link is asked only when the answer is yes"
    briefed.get_by_role("radio", name="Yes").check()
    link.fill("https://www.example.gov.cn/notice/2026-03")
    page.get_by_role("group", name=re.compile("serious misstatement")).get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Save and next page").click()
    page.get_by_role("heading", level=1).filter(has_text="Page 2 of 7").wait_for()
    page.get_by_role("link", name="Review and submit").click()
    page.get_by_text("These required questions are still unanswered:").wait_for()
    page.get_by_role("link", name="See all my answers").click()
    assert page.get_by_role("link", name="https://www.example.gov.cn/notice/2026-03").is_visible()


def test_administrator_opens_a_round_and_downloads_a_department_pdf(live_server, new_page, tmp_path):
    page = new_page(locale="en-GB")
    sign_in(page, live_server, "admin")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Open an assessment round").first.click()
    page.get_by_label("Name of the round").fill("Spring check 2026")
    page.get_by_label("Agency").select_option(label="CITY · Demo City Government")
    page.get_by_label(re.compile("EDU · Education Bureau")).check()
    page.get_by_role("button", name="Open the round").click()
    page.get_by_text("The round is open.").wait_for()
    screenshot(page, "admin-round")
    page.goto(f"{live_server}/admin/rounds")
    page.get_by_role("link", name=re.compile("Demo round 11")).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Scorecard (PDF)").first.click()
    path = tmp_path / "scorecard.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Staff public-image awareness" in text


def test_trainer_compares_departments(live_server, new_page):
    page = new_page(locale="en-GB")
    sign_in(page, live_server, "trainer")
    page.get_by_role("link", name="Compare").first.click()
    page.get_by_role("heading", name="Compare departments").wait_for()
    page.get_by_label("Round").select_option(label="Demo round 11")
    page.get_by_label("Sort by").select_option(label="Training system")
    page.get_by_role("button", name="Show").click()
    rows = page.get_by_role("table", name="Ranking").get_by_role("row")
    assert rows.count() == 13
    # The heatmap is a table (numbers as text), sorted by the chosen dimension; the charts still load.
    heatmap = page.get_by_role("table", name="Heatmap of dimension scores")
    assert heatmap.get_by_role("row").count() == 13
    assert " ".join(heatmap.locator("th[aria-sort=descending]").inner_text().split()) == "Sort by Training system ▼"
    spread = page.get_by_role("img", name=re.compile("Spread of department scores"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=spread.element_handle())
    screenshot(page, "trainer-compare")


def test_language_switch_round_trip(live_server, new_page):
    page = new_page(locale="zh-CN")
    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Sign in").is_visible()
    page.get_by_role("link", name="繁體中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert page.get_by_role("heading", name="登入").is_visible()
    page.reload()
    assert page.locator("html").get_attribute("lang") == "zh-Hant", "the choice is remembered"
