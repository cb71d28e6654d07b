"""axe-core on every main page (no serious or critical violation), keyboard use and focus."""

from pathlib import Path

import pytest

from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.skip("axe-core is missing: `make test` installs it with npm")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
    return result["violations"]


def report(name: str, violations: list[dict]) -> list[str]:
    print(f"axe {name}: {len(violations)} violation(s)")
    for v in violations:
        print(f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} node(s))")
    return [f"{name}: {v['id']} ({v['impact']})" for v in violations if v["impact"] in BLOCKING]


PAGES = {
    "anonymous": ["/login", "/"],
    "staff": ["/my", "/account/password"],
    "admin": ["/admin/rounds", "/admin/users", "/admin/organisations", "/admin/rounds/new"],
    "trainer": ["/compare", "/compare/training"],
}


@pytest.mark.parametrize("who", list(PAGES))
def test_main_pages_have_no_serious_axe_violations(live_server, new_page, who):
    # axe is injected as a script: the page's own policy (no inline script) would block it.
    page = new_page(locale="zh-CN", bypass_csp=True)
    if who != "anonymous":
        sign_in(page, live_server, who, ("电子邮箱", "密码", "登录"))
    failures = []
    for path in PAGES[who]:
        page.goto(f"{live_server}{path}")
        failures += report(f"{who} {path}", axe_violations(page))
        screenshot(page, f"axe-{who}{path.replace('/', '-')}")
    assert failures == []


def test_questionnaire_page_is_accessible_and_usable_by_keyboard(live_server, new_page):
    page = new_page(locale="zh-TW", bypass_csp=True)
    sign_in(page, live_server, "coordinator", ("電子郵件", "密碼", "登入"))
    page.goto(f"{live_server}/my")
    page.get_by_role("button", name="繼續").or_(page.get_by_role("button", name="開始")).first.click()
    assert report("questionnaire page", axe_violations(page)) == []
    # Keyboard only: tab to the first choice, choose it with the space bar.
    page.locator("body").focus()
    first_radio = page.locator("fieldset").first.get_by_role("radio").first
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("el => document.activeElement === el", first_radio.element_handle()):
            break
    else:
        pytest.fail("the first answer cannot be reached with the Tab key")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "focus must be visible"
    page.keyboard.press("Space")
    assert first_radio.is_checked()


def test_error_messages_are_tied_to_their_fields(live_server, new_page):
    page = new_page(locale="en-GB")
    sign_in(page, live_server, "staff2")
    page.goto(f"{live_server}/my")
    page.get_by_role("button", name="Continue").or_(page.get_by_role("button", name="Start")).first.click()
    page.goto(page.url.rsplit("/page/", 1)[0] + "/page/3")
    page.get_by_label("How many hours of training", exact=False).fill("-5")
    page.get_by_role("button", name="Save draft").click()
    field = page.get_by_label("How many hours of training", exact=False)
    described = field.get_attribute("aria-describedby") or ""
    assert "error-d4_s01" in described
    assert "Enter a number from 0 to 2000." in page.locator("#error-d4_s01").inner_text()


def test_a_deliberate_break_is_caught(live_server, new_page):
    """Remove the label of the e-mail field: the check must fail on it."""
    page = new_page(locale="en-GB", bypass_csp=True)
    page.goto(f"{live_server}/login")
    page.evaluate("() => document.querySelector('label[for=email]').remove()")
    problems = report("login with a broken label", axe_violations(page))
    assert any("label" in p for p in problems), problems
