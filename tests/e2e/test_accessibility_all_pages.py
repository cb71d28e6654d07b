"""axe-core over every page of every role, in two languages, on a desktop and on a phone: no
violation of any impact (WCAG 2.0/2.1 A and AA and axe's best practices).

Pages are found the way a person finds them: each role's pages are crawled from the home page by
their links (one page per URL shape, so ``/admin/users/<id>`` is scanned once), plus the pages a
form button leads to (a questionnaire page, its review, a bulk-export job, an invitation link).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.e2e.conftest import ARTIFACTS, PASSWORD, build_live_app, screenshot, serve, sign_in
from tests.e2e.test_accessibility import AXE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGES = {"zh_Hans": ("zh-CN", ("电子邮箱", "密码", "登录")), "en": ("en-GB", ("E-mail", "Password", "Sign in"))}
# Downloads, the language switch (a redirect), sign-out and the API are not pages.
NOT_A_PAGE = re.compile(
    r"\.(pdf|csv|xlsx|docx|svg|json|zip|warc)(\?|$)|/language/|/logout|/static/|/api/|/evidence/|/snapshots/|/download"
)
MAX_PAGES = 80


def _shape(url: str) -> str:
    """One scan per URL shape: numbers in the path are ids (but each questionnaire page counts); the query
    counts only for a few keys."""
    parts = urlsplit(url)
    # Every questionnaire page (they differ in kinds of question); other ids are one shape.
    path = re.sub(r"/\d+", "/#", re.sub(r"/page/(\d+)", r"/page-\1", parts.path))
    keep = sorted(p.split("=")[0] for p in parts.query.split("&") if p.split("=")[0] in ("by", "sort"))
    return path + ("?" + "&".join(keep) if keep else "")


@pytest.fixture(scope="module")
def axe_app(sqlite_template, tmp_path_factory):
    """A server of its own: the accounts and objects made here do not change what other browser tests see."""
    return build_live_app(sqlite_template, tmp_path_factory.mktemp("axe"))


@pytest.fixture(scope="module")
def axe_server(axe_app):
    yield from serve(axe_app)


@pytest.fixture(scope="module")
def axe_accounts(axe_app):
    """Accounts for every role, with the objects their pages need; returns ``{role: (email, [extra paths])}``."""
    from sqlalchemy import select

    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound, Organisation, Response, User
    from surveyapp.models.report_job import JobStatus, ReportJob
    from surveyapp.services.invitations import create_invitations
    from surveyapp.services.responses import start_response
    from surveyapp.services.users import create_user, hash_password

    with axe_app.app_context():
        city = db.session.scalar(select(AssessmentRound).where(AssessmentRound.name == "2026 年度自评"))
        education = db.session.scalar(select(Organisation).where(Organisation.code == "EDU"))
        drafter, _ = create_user("axe-staff@e2e.example", "staff", PASSWORD, organisation=education,
                                 level="clerk", post="new_media")  # fmt: skip
        draft = start_response(drafter, city, city.questionnaire.staff_part.key)
        # A demo respondent with a submitted response, and a coordinator of that department.
        submitted = db.session.scalar(
            select(Response).where(Response.user_id.is_not(None), Response.status == "submitted").limit(1)
        )
        respondent = db.session.get(User, submitted.user_id)
        respondent.email, respondent.active = "axe-respondent@e2e.example", True
        respondent.password_hash = hash_password(PASSWORD)
        department = db.session.get(Organisation, submitted.organisation_id)
        create_user("axe-coordinator@e2e.example", "coordinator", PASSWORD, organisation=department)
        create_user("axe-sysadmin@e2e.example", "sysadmin", PASSWORD)
        admin = db.session.scalar(select(User).where(User.email == "admin@e2e.example"))
        job = ReportJob(round_id=submitted.round_id, lang="zh_Hans", status=JobStatus.FAILED, total=2, done=1,
                        failures={department.code: "example failure"}, created_by_id=admin.id)  # fmt: skip
        db.session.add(job)
        db.session.commit()
        token = create_invitations(city, education, 1, admin)[0]
        checklist = db.session.scalar(
            select(Response.id).where(Response.organisation_id == department.id, Response.user_id.is_(None))
        )
        return {
            "anonymous": (None, ["/", "/login", "/privacy", f"/invite/{token}", "/no-such-page"]),
            "staff-draft": ("axe-staff@e2e.example", [f"/responses/{draft.id}/page/1",
                                                      f"/responses/{draft.id}/review"]),
            "staff-submitted": ("axe-respondent@e2e.example", [f"/responses/{submitted.id}",
                                                              f"/responses/{submitted.id}/explanation"]),
            "coordinator": ("axe-coordinator@e2e.example", [f"/responses/{checklist}",
                                                            f"/responses/{checklist}/explanation"]),
            "admin": ("admin@e2e.example", [f"/admin/reports/jobs/{job.id}", "/admin/users/import",
                                            "/admin/organisations/import"]),
            "trainer": ("trainer@e2e.example", ["/compare?sort=D1", "/compare/training?by=level"]),
            "sysadmin": ("axe-sysadmin@e2e.example", ["/admin/audit"]),
        }  # fmt: skip


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        if url.startswith(base) and not NOT_A_PAGE.search(urlsplit(url).path + "?"):
            found.append(url)
    return found


def _scan(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
    )
    return result["violations"]


# On a phone: the page itself never scrolls sideways, table headers and cells keep at least two characters
# per line, and a table wider than its region has the "scroll sideways" line above it.
PHONE_LAYOUT = """() => {
  const problems = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    // Name the outermost element that reaches past the screen (outside a scrolling region), to fix it.
    const wide = [...document.querySelectorAll('body *')].find(
      e => e.getBoundingClientRect().right > window.innerWidth + 1
        && !e.closest('.table-scroll') && !e.closest('.visually-hidden'));
    problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' px'
      + (wide ? ' (' + wide.tagName.toLowerCase() + (wide.className ? '.' + wide.className : '') + ': '
         + (wide.textContent || wide.value || '').trim().slice(0, 40) + ')' : ''));
  }
  for (const th of document.querySelectorAll('th, .table-scroll td')) {
    const style = getComputedStyle(th), text = th.textContent.trim();
    const width = th.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (th.clientWidth > 2 && text.length >= 2 && width < 1.9 * parseFloat(style.fontSize)) {
      problems.push(th.tagName + ' one character wide: ' + text.slice(0, 30));
    }
  }
  for (const region of document.querySelectorAll('.table-scroll')) {
    const hint = region.previousElementSibling;
    if (region.scrollWidth > region.clientWidth + 1 && !(hint && hint.classList.contains('scroll-hint'))) {
      problems.push('wide table without a scroll cue: ' + region.getAttribute('aria-label'));
    }
  }
  return problems;
}"""


# On every device: words in a table cell wrap. Only numbers (and short labels) are kept on one line; a question,
# a name, links or audit details kept on one line push the table's figures out of sight, even on a desktop.
TEXT_ON_ONE_LINE = """() => {
  const problems = [];
  for (const cell of document.querySelectorAll('.table-scroll td')) {
    const style = getComputedStyle(cell), words = document.createRange();
    words.selectNodeContents(cell);  // the text's own width, not the cell's (a short figure in a wide column is fine)
    const wide = words.getBoundingClientRect().width > 20 * parseFloat(style.fontSize);
    if (style.whiteSpace.startsWith('nowrap') && wide) {
      problems.push('text kept on one line in a table: ' + cell.textContent.trim().slice(0, 40));
    }
  }
  return problems;
}"""


def crawl_and_scan(page, base: str, start: list[str], name: str) -> tuple[list[str], list[str]]:
    """Visit ``start`` and every page linked from them (one per shape); returns (scanned, problems)."""
    queue = [urljoin(base, path) for path in start]
    seen, scanned, problems = set(), [], []
    while queue and len(scanned) < MAX_PAGES:
        url = queue.pop(0)
        shape = _shape(url)
        if shape in seen:
            continue
        seen.add(shape)
        page.goto(url)
        if not page.url.startswith(base) or "text/html" not in (page.evaluate("document.contentType") or ""):
            continue
        scanned.append(shape)
        for violation in _scan(page):
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            problems.append(f"{name} {shape}: [{violation['impact']}] {violation['id']} {targets}")
        if page.viewport_size["width"] < 600:
            problems += [f"{name} {shape}: {problem}" for problem in page.evaluate(PHONE_LAYOUT)]
        problems += [f"{name} {shape}: {problem}" for problem in page.evaluate(TEXT_ON_ONE_LINE)]
        queue += _links(page, base)
    return scanned, problems


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_page_of_every_role_has_no_axe_violation(axe_server, new_page, axe_accounts, language, device):
    live_server = axe_server
    if not AXE.exists():
        pytest.skip("axe-core is missing: `make test` installs it with npm")
    locale, labels = LANGUAGES[language]
    viewport = PHONE if device == "phone" else DESKTOP
    problems, counts = [], {}
    for role, (email, extra) in axe_accounts.items():
        page = new_page(viewport=viewport, locale=locale, bypass_csp=True)
        if email:
            page.goto(f"{live_server}/login")
            page.get_by_label(labels[0]).fill(email)
            page.get_by_label(labels[1]).fill(PASSWORD)
            page.get_by_role("button", name=labels[2]).click()
            page.wait_for_load_state()
        scanned, found = crawl_and_scan(page, live_server, ["/", *extra], f"{language} {device} {role}")
        counts[role] = len(scanned)
        print(f"  {role}: {' '.join(scanned)}")
        problems += found
        page.context.close()
    print(f"axe {language} {device}: pages scanned per role {counts}, {len(problems)} violation(s)")
    for problem in problems:
        print("  " + problem)
    assert sum(counts.values()) >= 40, counts
    assert problems == []


# Words (runs without spaces, at most 20 characters) of the given cells that are printed across two lines.
WORDS_SPLIT_ACROSS_LINES = """cells => cells.flatMap(cell => {
  const split = [], walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      if (match[0].length > 20) continue;
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) split.push(match[0]);
    }
  }
  return split;
})"""


def test_compare_page_on_a_phone(live_server, new_page):
    """Page images of the compare page on a phone, in both languages (docs/ keeps a copy for the README)."""
    for locale, labels, name in (("zh-CN", LANGUAGES["zh_Hans"][1], "zh-Hans"), ("en-GB", LANGUAGES["en"][1], "en")):
        page = new_page(viewport=PHONE, locale=locale, device_scale_factor=2)
        sign_in(page, live_server, "trainer", labels)
        page.goto(f"{live_server}/compare")
        heatmap = page.get_by_role("table", name=re.compile("Heatmap|热力图"))
        assert heatmap.is_visible()
        # Department names break between words, never inside one ("Demo departme / nt 0010").
        assert heatmap.locator("tbody th").count() > 0
        assert heatmap.locator("tbody th").evaluate_all(WORDS_SPLIT_ACROSS_LINES) == []
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= PHONE["width"], "the page itself scrolls sideways"
        screenshot(page, f"compare-phone-{name}")
        # Viewport-sized views (the README's images): the heatmap, then the ranking's first cards.
        for part, heading in (("heatmap", "#heatmap-title"), ("ranking", "#ranking-title")):
            page.locator(heading).evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 8)")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"compare-phone-{name}-{part}.png"))
        # The heatmap by keyboard: its region takes focus, a column heading sorts.
        region = page.get_by_role("region", name=re.compile("Heatmap|热力图"))
        region.focus()
        assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"sort=D1"))
        assert heatmap.locator("th[aria-sort=descending]").count() == 1
        # The sorted table is where the reader was: the page opens at the heatmap, not at its top.
        assert page.url.endswith("#heatmap-title")
        assert page.locator("#heatmap-title").evaluate("el => el.getBoundingClientRect().top") < PHONE["height"] / 2


def test_compare_page_on_a_desktop(live_server, new_page):
    """The README's desktop view of the comparison: the heatmap table beside nothing but its legend."""
    page = new_page(viewport={"width": 1280, "height": 1100}, locale="en-GB")
    sign_in(page, live_server, "trainer")
    page.goto(f"{live_server}/compare")
    page.locator("#heatmap-title").evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 8)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compare-desktop-en.png"))
    assert page.get_by_role("table", name="Heatmap of dimension scores").is_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_long_text_in_a_table_of_numbers_wraps(live_app, live_server, new_page, viewport):
    """The reliability page: each question wraps beside its item–total r, which stays in view on a desktop."""
    from sqlalchemy import select

    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound

    with live_app.app_context():
        round_id = db.session.scalar(select(AssessmentRound.id).where(AssessmentRound.name != "2026 年度自评").limit(1))
    page = new_page(viewport=viewport, locale="en-GB")
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/rounds/{round_id}/reliability")
    assert page.get_by_role("columnheader", name="Corrected item–total r").count() > 0
    assert page.evaluate(TEXT_ON_ONE_LINE) == []
    if viewport is DESKTOP:
        widths = page.eval_on_selector_all(".table-scroll", "rs => rs.map(r => r.scrollWidth - r.clientWidth)")
        assert widths and max(widths) <= 1, widths
