"""axe-core over every page of every role, in two languages, on a desktop and on a phone: no
violation of any impact (WCAG 2.0/2.1 A and AA and axe's best practices).

Pages are found the way a person finds them: each role's pages are crawled from the home page by
their links (one page per URL shape, so ``/admin/users/<id>`` is scanned once), plus the pages a
form button leads to (a questionnaire page, its review, a bulk-export job, an invitation link, a resume
link, a closed round's reopen form, the one-time password shown after a reset).

The route matrix: every GET route that answers with a page, and every page template, must have been
scanned in each language and on each device (``test_the_crawl_covers_every_route_and_page_template``).
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

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
# GET routes that answer with something other than an HTML page (downloads, data, a redirect), by endpoint.
NOT_HTML = {
    "static", "main.set_language", "reports.bulk_status", "compare.chart", "compare.export",
    "compare.training_export", "inspection.snapshot", "respond.evidence", "reports.bulk_download",
}  # fmt: skip
# Templates that are not pages of the site: fragments, macros, the PDF/Word layouts, and the error page drawn
# without the layout when the database is down (tests/web/test_errors.py checks it).
TEMPLATES = Path(__file__).resolve().parents[2] / "surveyapp" / "templates"
NOT_A_PAGE_TEMPLATE = {"base.html", "errors/standalone.html", "reports/comparison.html", "reports/qr_sheet.html",
                       "reports/scorecard.html", "reports/training.html"}  # fmt: skip


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
def coverage(axe_app):
    """``{(language, device): {"endpoints": set, "templates": set}}``: what each run of the crawl scanned."""
    from flask import template_rendered

    runs = defaultdict(lambda: {"endpoints": set(), "templates": set()})
    current = {}

    def rendered(sender, template, context, **extra):
        if "run" in current:
            runs[current["run"]]["templates"].add(template.name)

    template_rendered.connect(rendered, axe_app)
    yield runs, current
    template_rendered.disconnect(rendered, axe_app)


@pytest.fixture(scope="module")
def axe_accounts(axe_app):
    """Accounts for every role, with the objects their pages need: ``({role: (email, [extra paths])}, actions)``,
    actions ``{role: [(path, button name), …]}``: pages a POST answers with (the button clicked, then scanned)."""
    from sqlalchemy import select

    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound, Organisation, Response, User
    from surveyapp.models.report_job import JobStatus, ReportJob
    from surveyapp.services.invitations import create_invitations, redeem_invitation, resume_token
    from surveyapp.services.rectification import open_from_round_results, open_item
    from surveyapp.services.responses import save_page, start_response
    from surveyapp.services.rounds import close_round, open_round
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
        token, started = create_invitations(city, education, 2, admin)
        # An invitee's draft with an answer saved: its private resume link.
        with axe_app.test_request_context():
            invited = redeem_invitation(started)
            first = city.questionnaire.part(invited.part).sections[0].items[0]
            save_page(invited, 0, {first.key: 3 if first.kind == "likert5" else first.options[0].value}, None)
            resume = resume_token(invited)
        # A closed round (its reopen form), and an account whose password the crawl resets.
        closed = open_round("axe closed round", city.organisation, [education], "transparency", questionnaire_version=1)
        close_round(closed, admin)
        target, _ = create_user("axe-reset@e2e.example", "staff", PASSWORD, organisation=education)
        # Rectification items of the respondent's department (the item page), from its results.
        due = date.today() + timedelta(days=30)  # a date, not working days (no calendar needed)
        items = open_from_round_results(submitted.round, department, admin, due_on=due)
        if not items:
            items = [open_item(submitted.round, department, "manual", "axe", "axe item", actor=admin, due_on=due)[0]]
        item = items[0]
        checklist = db.session.scalar(
            select(Response.id).where(Response.organisation_id == department.id, Response.user_id.is_(None))
        )
        reset = [(f"/admin/users/{target.id}", re.compile("Reset the password|重置密码"))]
        # An administrator's pages that the links of one round do not all reach (the open round's lifecycle
        # pages, the closed round's reopen form, a bulk job, an item).
        administration = [f"/admin/reports/jobs/{job.id}", "/admin/users/import", "/admin/organisations/import",
                          f"/admin/rounds/{city.id}", f"/admin/rounds/{city.id}/edit", f"/admin/rounds/{city.id}/close",
                          f"/admin/rounds/{city.id}/reminders", f"/admin/rounds/{closed.id}/reopen",
                          f"/rectification/{item.id}", "/my"]  # fmt: skip
        return {
            "anonymous": (None, ["/", "/login", "/privacy", f"/invite/{token}", "/no-such-page", f"/resume/{resume}",
                                 "/resume/not-a-valid-link"]),
            "staff-draft": ("axe-staff@e2e.example", [f"/responses/{draft.id}/page/1",
                                                      f"/responses/{draft.id}/review"]),
            "staff-submitted": ("axe-respondent@e2e.example", [f"/responses/{submitted.id}",
                                                              f"/responses/{submitted.id}/explanation"]),
            "coordinator": ("axe-coordinator@e2e.example", [f"/responses/{checklist}",
                                                            f"/responses/{checklist}/explanation",
                                                            f"/rectification/{item.id}"]),
            "admin": ("admin@e2e.example", administration),
            "trainer": ("trainer@e2e.example", ["/compare?sort=D1", "/compare/training?by=level", "/my", "/privacy"]),
            "sysadmin": ("axe-sysadmin@e2e.example", ["/admin/audit", *administration]),
        }, {role: reset for role in ("admin", "sysadmin")}  # fmt: skip


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


def _problems(page, shape: str, name: str) -> list[str]:
    problems = []
    for violation in _scan(page):
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        problems.append(f"{name} {shape}: [{violation['impact']}] {violation['id']} {targets}")
    if page.viewport_size["width"] < 600:
        problems += [f"{name} {shape}: {problem}" for problem in page.evaluate(PHONE_LAYOUT)]
    problems += [f"{name} {shape}: {problem}" for problem in page.evaluate(TEXT_ON_ONE_LINE)]
    return problems


def crawl_and_scan(page, base: str, start: list[str], name: str, visited: set | None = None):
    """Visit ``start`` and every page linked from them (one per shape); returns (scanned, problems).
    ``visited`` collects the paths asked for and the paths shown (after redirects)."""
    queue = [urljoin(base, path) for path in start]
    seen, scanned, problems = set(), [], []
    visited = set() if visited is None else visited
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
        visited.update((urlsplit(url).path, urlsplit(page.url).path))
        problems += _problems(page, shape, name)
        queue += _links(page, base)
    return scanned, problems


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_page_of_every_role_has_no_axe_violation(axe_server, new_page, axe_accounts, coverage, language, device):
    live_server = axe_server
    accounts, actions = axe_accounts
    runs, current = coverage
    current["run"] = (language, device)
    by_role = runs[(language, device)].setdefault("paths", defaultdict(set))
    if not AXE.exists():
        pytest.skip("axe-core is missing: `make test` installs it with npm")
    locale, labels = LANGUAGES[language]
    viewport = PHONE if device == "phone" else DESKTOP
    problems, counts = [], {}
    for role, (email, extra) in accounts.items():
        page = new_page(viewport=viewport, locale=locale, bypass_csp=True)
        if email:
            page.goto(f"{live_server}/login")
            page.get_by_label(labels[0]).fill(email)
            page.get_by_label(labels[1]).fill(PASSWORD)
            page.get_by_role("button", name=labels[2]).click()
            page.wait_for_load_state()
        name = f"{language} {device} {role}"
        visited = by_role[role]
        scanned, found = crawl_and_scan(page, live_server, ["/", *extra], name, visited)
        for path, button in actions.get(role, []):  # a page that answers a form (POST)
            page.goto(f"{live_server}{path}")
            page.once("dialog", lambda dialog: dialog.accept())
            with page.expect_navigation():
                page.get_by_role("button", name=button).click()
            shape = "POST " + _shape(page.url)
            scanned.append(shape)
            visited.add(urlsplit(page.url).path)
            found += _problems(page, shape, name)
        counts[role] = len(scanned)
        print(f"  {role}: {' '.join(scanned)}")
        problems += found
        page.context.close()
    print(f"axe {language} {device}: pages scanned per role {counts}, {len(problems)} violation(s)")
    for problem in problems:
        print("  " + problem)
    current.pop("run")
    assert sum(counts.values()) >= 40, counts
    assert problems == []


def page_endpoints(app) -> set[str]:
    """Every GET route that answers with an HTML page (the route matrix's pages)."""
    return {
        rule.endpoint for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NOT_HTML and not rule.rule.startswith(("/api/", "/static/"))
        and not NOT_A_PAGE.search(rule.rule + "?")
    }  # fmt: skip


def page_templates() -> set[str]:
    """Every template of a page (not a fragment ``_x.html``, a macro, a partial or a PDF/Word layout)."""
    names = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")}
    return {n for n in names if not n.split("/")[-1].startswith("_")
            and not n.startswith(("macros/", "partials/")) and n not in NOT_A_PAGE_TEMPLATE}  # fmt: skip


# The crawl's roles as the access matrix's principals (tests/web/test_access_matrix.py).
PRINCIPAL = {"anonymous": "anonymous", "staff-draft": "staff", "staff-submitted": "staff", "coordinator": "coordinator",
             "admin": "admin", "trainer": "trainer", "sysadmin": "sysadmin"}  # fmt: skip
# Pages for people without an account: the access matrix lets a signed-in person open them too (the same page).
ANONYMOUS_PAGES = {"respond.invitation", "respond.resume", "auth.login"}


def test_the_crawl_covers_every_route_and_page_template(axe_app, coverage):
    """Compared with the route list and the access matrix: every page route, every page template, and every page
    each role may open (``ok`` in tests/web/test_access_matrix.py) was scanned for that role, in each run (this runs
    after the scans above, in this module; with ``-k`` on one run, only the runs that ran are checked)."""
    from tests.web.test_access_matrix import MATRIX

    runs, _ = coverage
    if not runs:
        pytest.skip("no scan ran in this session (run the module, or -k with a language and device)")
    adapter = axe_app.url_map.bind("localhost")
    routes, templates = page_endpoints(axe_app), page_templates()
    assert {"lifecycle.reopen", "respond.resume", "admin.user_edit"} <= routes
    assert {"admin/one_time_password.html", "admin/round_reopen.html", "respond/invitation.html"} <= templates
    for run, seen in runs.items():
        per_principal = defaultdict(set)
        for role, paths in seen.get("paths", {}).items():
            for path in paths:
                with contextlib.suppress(HTTPException):  # a 404 page, a POST-only path
                    per_principal[PRINCIPAL[role]].add(adapter.match(path, method="GET")[0])
        endpoints = set().union(*per_principal.values())
        assert routes - endpoints == set(), (run, sorted(routes - endpoints))
        missing = {}
        for principal in sorted(set(PRINCIPAL.values())):
            allowed = {endpoint for endpoint, (method, _, expected) in MATRIX.items()
                       if method == "GET" and expected[principal] == "ok" and endpoint in routes}  # fmt: skip
            if principal != "anonymous":
                allowed -= ANONYMOUS_PAGES
            if allowed - per_principal[principal]:
                missing[principal] = sorted(allowed - per_principal[principal])
        assert missing == {}, (run, missing)
        assert templates - seen["templates"] == set(), (run, sorted(templates - seen["templates"]))


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
