"""Invitation links in a real browser: issue, copy, see each link's state, revoke, print the QR sheet."""

import re

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.web.test_invitations import decode_pdf_qr_codes

pytestmark = pytest.mark.e2e


def test_invitation_list_shows_states_and_the_qr_sheet_decodes_to_the_links(live_server, new_page, tmp_path):
    page = new_page(locale="en-GB", permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/rounds")
    page.get_by_role("link", name="2026 年度自评").first.click()
    page.get_by_label("Department", exact=True).select_option(label="EDU · Education Bureau")
    page.get_by_label("Number of links").fill("4")
    page.get_by_label("Note (for example the group invited)").fill("Records office")
    page.get_by_role("button", name="Create invitation links").click()
    page.get_by_role("heading", name="Invitation links").wait_for()
    rows = page.locator("tr[data-state]")
    assert rows.count() >= 4
    links = [code.inner_text() for code in page.locator("code.link").all()][:4]
    assert all(link.startswith(f"{live_server}/invite/") for link in links)

    page.get_by_role("button", name="Copy").first.click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == links[0]

    invitee = new_page(locale="en-GB")
    invitee.goto(links[1])
    invitee.get_by_role("button", name="Start").click()
    invitee.get_by_role("heading", level=1).filter(has_text="Page 1").wait_for()

    page.reload()
    row = page.locator("tr[data-state]").filter(has=page.locator(f"code.link:text-is('{links[2]}')"))
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Revoke").click()
    page.get_by_text("The link is revoked").wait_for()
    assert questions and "cannot be undone" in questions[0], "revoking asks first"
    states = {link: None for link in links}
    for row in page.locator("tr[data-state]").all():
        code = row.locator("code.link")
        if code.count():
            states[code.inner_text()] = row.get_attribute("data-state")
    assert states[links[0]] == "unused" and states[links[3]] == "unused"
    assert page.locator("tr[data-state=started]").count() >= 1
    assert page.locator("tr[data-state=revoked]").count() >= 1
    assert page.locator("tr[data-state=started] code.link").count() == 0, "a used link is not shown again"
    assert page.locator("tr[data-state=started]").first.get_by_text("started").is_visible()
    screenshot(page, "admin-invitation-list")

    unused = {code.inner_text() for code in page.locator("tr[data-state=unused] code.link").all()}
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("QR codes to print")).click()
    sheet = tmp_path / "sheet.pdf"
    download.value.save_as(sheet)
    assert sheet.read_bytes().startswith(b"%PDF")
    decoded = decode_pdf_qr_codes(sheet, tmp_path)
    assert sorted(decoded) == sorted(unused) and {links[0], links[3]} <= set(decoded)
    assert links[1] not in decoded and links[2] not in decoded
