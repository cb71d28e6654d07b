"""Every registered route × every role × object scope.

The test fails when a route is added without an entry here, so each new page states who may use
it. "ok": allowed (any answer below 400, or 409 for a state that forbids the act); "deny": 403 or
404 with no data; "login": redirected to the sign-in page.
"""

import io
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.health import ENDPOINT as HEALTH_PROBE
from surveyapp.models import Invitation, Organisation, ReportJob, Response
from surveyapp.services.questionnaires import get_questionnaire, load_builtin_questionnaires
from surveyapp.services.rounds import open_round
from tests.helpers import page_data, sign_in

PRINCIPALS = ["anonymous", "staff", "staff_other", "coordinator", "admin", "admin_other", "trainer", "sysadmin"]
EMAILS = {
    "staff": "staff@d1.example", "staff_other": "staff@d3.example", "coordinator": "coord@d1.example",
    "admin": "admin@a.example", "admin_other": "admin@b.example", "trainer": "trainer@a.example",
    "sysadmin": "root@example.org",
}  # fmt: skip


def expect(default: str, **overrides) -> dict[str, str]:
    return {p: overrides.get(p, default) for p in PRINCIPALS}


SIGNED_IN = dict(anonymous="login")
# A permitted user posting an empty form: refused as bad input (400), after the permission check passed.
BAD_INPUT = "status 400"
DEPARTMENT_READERS = dict(anonymous="login", coordinator="ok", admin="ok", sysadmin="ok")
REVIEWERS = dict(anonymous="login", admin=BAD_INPUT, sysadmin=BAD_INPUT)
ADMINS = dict(anonymous="login", staff="deny", staff_other="deny", coordinator="deny", trainer="deny")
TRAINERS = dict(anonymous="login", staff="deny", staff_other="deny", coordinator="deny")

# endpoint: (method, url template, expectations). Templates use the fixture's ids.
MATRIX = {
    "main.index": ("GET", "/", expect("ok")),
    HEALTH_PROBE: ("GET", "/healthz", expect("ok")),
    "main.set_language": ("GET", "/language/en", expect("ok")),
    "main.privacy": ("GET", "/privacy", expect("ok")),
    "participation.round_participation": (
        "GET",
        "/admin/rounds/{round}/participation",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "participation.reopen": (
        "POST",
        "/admin/rounds/{round}/participation/{staff_user}/reopen",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "auth.login": ("GET", "/login", expect("ok")),
    "auth.logout": ("POST", "/logout", expect("ok", **SIGNED_IN)),
    "auth.change_password": ("GET", "/account/password", expect("ok", **SIGNED_IN)),
    "respond.index": ("GET", "/my", expect("ok", **SIGNED_IN)),
    "respond.start": (
        "POST",
        "/rounds/{round}/staff/start",
        expect("deny", anonymous="login", staff="ok", coordinator="ok"),
    ),
    "respond.page": ("GET", "/responses/{staff_response}/page/0", expect("deny", anonymous="login", staff="ok")),
    "respond.review": ("GET", "/responses/{staff_response}/review", expect("deny", anonymous="login", staff="ok")),
    "respond.submit": ("POST", "/responses/{staff_response}/submit", expect("deny", anonymous="login", staff="ok")),
    "respond.view": (
        "GET",
        "/responses/{staff_response}",
        expect("deny", anonymous="login", staff="ok"),
    ),
    "respond.evidence": (
        "GET",
        "/responses/{checklist_response}/evidence/d4_c04",
        expect("deny", anonymous="login", coordinator="ok", admin="ok", sysadmin="ok"),
    ),
    "respond.invitation": ("GET", "/invite/not-a-token", expect("ok")),
    "respond.resume": ("GET", "/resume/not-a-token", expect("ok")),
    "respond.reopen": (
        "POST",
        "/responses/{checklist_response}/reopen",
        # Opens items (302), or refuses them (400) when a default due date falls in a year whose holiday
        # schedule is not known yet (``domain.clock.UnknownYear``): either way past the permission check.
        expect("deny", anonymous="login", admin=("ok", BAD_INPUT), sysadmin=("ok", BAD_INPUT)),
    ),
    "results.response_explanation": (
        "GET",
        "/responses/{staff_response}/explanation",
        expect("deny", anonymous="login", staff="ok"),
    ),
    "results.department_explanation": (
        "GET",
        "/rounds/{round}/departments/{d1}/explanation",
        expect("deny", anonymous="login", coordinator="ok", admin="ok", sysadmin="ok"),
    ),
    "reports.department_pdf": (
        "GET",
        "/rounds/{round}/departments/{d1}/scorecard.pdf?lang=en",
        expect("deny", anonymous="login", coordinator="ok", admin="ok", sysadmin="ok"),
    ),
    "reports.respondent_pdf": (
        "GET",
        "/responses/{staff_response}/scorecard.pdf?lang=en",
        expect("deny", anonymous="login", staff="ok"),
    ),
    "reports.bulk_start": ("POST", "/admin/rounds/{round}/reports/bulk", expect("ok", admin_other="deny", **ADMINS)),
    "reports.bulk_job": ("GET", "/admin/reports/jobs/{job}", expect("ok", admin_other="deny", **ADMINS)),
    "reports.bulk_status": ("GET", "/admin/reports/jobs/{job}/status", expect("ok", admin_other="deny", **ADMINS)),
    "reports.bulk_cancel": ("POST", "/admin/reports/jobs/{job}/cancel", expect("ok", admin_other="deny", **ADMINS)),
    "reports.bulk_retry": ("POST", "/admin/reports/jobs/{job}/retry", expect("ok", admin_other="deny", **ADMINS)),
    "reports.bulk_download": ("GET", "/admin/reports/jobs/{job}/download", expect("ok", admin_other="deny", **ADMINS)),
    "admin.round_list": ("GET", "/admin/rounds", expect("ok", **ADMINS)),
    "admin.round_new": ("GET", "/admin/rounds/new", expect("ok", **ADMINS)),
    "admin.round_detail": ("GET", "/admin/rounds/{round}", expect("ok", admin_other="deny", **ADMINS)),
    "admin.round_reliability_page": (
        "GET",
        "/admin/rounds/{round}/reliability",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "admin.round_close": ("POST", "/admin/rounds/{spare_round}/close", expect("ok", admin_other="deny", **ADMINS)),
    "admin.round_invitations": (
        "POST",
        "/admin/rounds/{round}/invitations",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "lifecycle.edit": ("GET", "/admin/rounds/{round}/edit", expect("ok", admin_other="deny", **ADMINS)),
    "lifecycle.close_confirm": ("GET", "/admin/rounds/{round}/close", expect("ok", admin_other="deny", **ADMINS)),
    "lifecycle.reopen": ("GET", "/admin/rounds/{round}/reopen", expect("ok", admin_other="deny", **ADMINS)),
    "lifecycle.reminders": ("GET", "/admin/rounds/{round}/reminders", expect("ok", admin_other="deny", **ADMINS)),
    "lifecycle.reminders_csv": (
        "GET",
        "/admin/rounds/{round}/reminders.csv",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "invitations.issued": ("GET", "/admin/rounds/{round}/invitations", expect("ok", admin_other="deny", **ADMINS)),
    "invitations.revoke": (
        "POST",
        "/admin/rounds/{round}/invitations/{invitation}/revoke",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "invitations.issued_csv": (
        "GET",
        "/admin/rounds/{round}/invitations.csv",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "invitations.qr_sheet": (
        "GET",
        "/admin/rounds/{round}/invitations/qr.pdf",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "imports.accounts": ("GET", "/admin/users/import", expect("ok", **ADMINS)),
    "imports.organisations": ("GET", "/admin/organisations/import", expect("ok", **ADMINS)),
    "admin.user_list": ("GET", "/admin/users", expect("ok", **ADMINS)),
    "admin.user_new": ("GET", "/admin/users/new", expect("ok", **ADMINS)),
    "admin.user_edit": ("GET", "/admin/users/{target_user}", expect("ok", admin_other="deny", **ADMINS)),
    "admin.user_reset_password": (
        "POST",
        "/admin/users/{target_user}/reset-password",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "admin.organisation_list": ("GET", "/admin/organisations", expect("ok", **ADMINS)),
    "admin.organisation_new": ("GET", "/admin/organisations/new", expect("ok", **ADMINS)),
    "admin.organisation_edit": ("GET", "/admin/organisations/{d1}", expect("ok", admin_other="deny", **ADMINS)),
    # The inspector: the department's coordinators and administrators whose scope covers it.
    "inspection.index": ("GET", "/inspection", expect("ok", **ADMINS | {"coordinator": "ok"})),
    "inspection.department": (
        "GET",
        "/departments/{d1}/inspection",
        expect("ok", admin_other="deny", **ADMINS | {"coordinator": "ok"}),
    ),
    "inspection.snapshot": (  # no such snapshot: 404 for those allowed, 403 for the rest
        "GET",
        "/departments/{d1}/inspection/snapshots/999",
        expect("deny", anonymous="login"),
    ),
    "inspection.remove_target": (  # no such target: 404 for those allowed, 403 for the rest
        "POST",
        "/departments/{d1}/inspection/targets/999/remove",
        expect("deny", anonymous="login"),
    ),
    "admin.audit_log": ("GET", "/admin/audit", expect("deny", anonymous="login", sysadmin="ok")),
    "compare.index": ("GET", "/compare?round={round}", expect("ok", admin_other="deny", **TRAINERS)),
    "compare.chart": ("GET", "/compare/chart/heatmap.svg?round={round}", expect("ok", admin_other="deny", **TRAINERS)),
    "compare.report_pdf": ("GET", "/compare/report.pdf?round={round}", expect("ok", admin_other="deny", **TRAINERS)),
    "compare.training": ("GET", "/compare/training?round={round}", expect("ok", admin_other="deny", **TRAINERS)),
    "compare.training_export": (
        "GET",
        "/compare/training.xlsx?round={round}",
        expect("ok", admin_other="deny", **TRAINERS),
    ),
    "compare.export": (
        "GET",
        "/compare/export/departments.csv?round={round}",
        expect("ok", admin_other="deny", **TRAINERS),
    ),
    # The API answers with 401 JSON to a browser session: it only takes bearer tokens.
    "api.rounds": ("GET", "/api/v1/rounds", expect("deny")),
    "api.departments": ("GET", "/api/v1/rounds/{round}/departments", expect("deny")),
    "api.scores": ("GET", "/api/v1/rounds/{round}/scores", expect("deny")),
    "api.answers": ("GET", "/api/v1/rounds/{round}/answers.csv", expect("deny")),
    "api.openapi": ("GET", "/api/v1/openapi.json", expect("ok")),
    "api.rectification": ("GET", "/api/v1/rounds/{round}/rectification", expect("deny")),
    "reports.department_docx": (
        "GET",
        "/rounds/{round}/departments/{d1}/scorecard.docx?lang=en",
        expect("deny", **DEPARTMENT_READERS),
    ),
    "rectification.department_items": (
        "GET",
        "/rounds/{round}/departments/{d1}/rectification",
        expect("deny", **DEPARTMENT_READERS),
    ),
    "rectification.report_docx": (
        "GET",
        "/rounds/{round}/departments/{d1}/rectification-report.docx?lang=en",
        expect("deny", **DEPARTMENT_READERS),
    ),
    "rectification.item": ("GET", "/rectification/{item}", expect("deny", **DEPARTMENT_READERS)),
    "rectification.submit": (
        "POST",
        "/rectification/{item}/submit",
        expect("deny", anonymous="login", coordinator=BAD_INPUT),
    ),
    # The matrix's item is open, not submitted: a reviewer's post is refused by its state (409, "ok" above).
    "rectification.review": (
        "POST",
        "/rectification/{item}/review",
        expect("deny", anonymous="login", admin="ok", sysadmin="ok"),
    ),
    "rectification.state": ("POST", "/rectification/{item}/state", expect("deny", **REVIEWERS)),
    "rectification.due": ("POST", "/rectification/{item}/due", expect("deny", **REVIEWERS)),
    "rectification.open_item": (
        "POST",
        "/rounds/{round}/departments/{d1}/rectification/open",
        expect("deny", **REVIEWERS),
    ),
    "rectification.open_from_results": (
        "POST",
        "/rounds/{round}/departments/{d1}/rectification/from-results",
        # Opens items (302), or refuses them (400) when a default due date falls in a year whose holiday
        # schedule is not known yet (``domain.clock.UnknownYear``): either way past the permission check.
        expect("deny", anonymous="login", admin=("ok", BAD_INPUT), sysadmin=("ok", BAD_INPUT)),
    ),
    "rectification.remind": (
        "POST",
        "/admin/rounds/{round}/rectification/remind",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "rectification.round_items": (
        "GET",
        "/admin/rounds/{round}/rectification",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "rectification.round_items_csv": (
        "GET",
        "/admin/rounds/{round}/rectification.csv",
        expect("ok", admin_other="deny", **ADMINS),
    ),
    "admin.audit_export": ("GET", "/admin/audit.csv", expect("deny", anonymous="login", sysadmin="ok")),
}
PUBLIC_FILES = {"static"}


def test_every_route_is_in_the_matrix(app):
    # The health probe is answered in front of Flask (surveyapp/health.py), so it is no route; it is listed too.
    endpoints = ({rule.endpoint for rule in app.url_map.iter_rules()} | {HEALTH_PROBE}) - PUBLIC_FILES
    missing = sorted(endpoints - set(MATRIX))
    assert missing == [], f"add these routes to the access matrix: {missing}"
    assert sorted(set(MATRIX) - endpoints) == [], "the matrix names routes that no longer exist"


@pytest.fixture
def world(app, create_org, create_user, monkeypatch, tmp_path):
    """Agency A (departments D1, D2) with a round; agency B with its own; D3 outside any round."""
    agency_a, agency_b = create_org("A", kind="agency"), create_org("B", kind="agency")
    d1, d2 = create_org("D1", parent=agency_a), create_org("D2", parent=agency_a)
    d3 = create_org("D3", parent=agency_b)
    users = {
        "staff": create_user(EMAILS["staff"], "staff", organisation=d1),
        "staff_other": create_user(EMAILS["staff_other"], "staff", organisation=d3),
        "coordinator": create_user(EMAILS["coordinator"], "coordinator", organisation=d1),
        "admin": create_user(EMAILS["admin"], "admin", organisation=agency_a),
        "admin_other": create_user(EMAILS["admin_other"], "admin", organisation=agency_b),
        "trainer": create_user(EMAILS["trainer"], "trainer", organisation=agency_a),
        "sysadmin": create_user(EMAILS["sysadmin"], "sysadmin"),
        "target": create_user("target@d1.example", "staff", organisation=d1),
    }
    with app.app_context():
        load_builtin_questionnaires()
        get = lambda o: db.session.get(Organisation, o.id)  # noqa: E731
        round_ = open_round("R", get(agency_a), [get(d1), get(d2)], "transparency", 1)
        spare = open_round("Spare", get(agency_a), [get(d2)], "transparency", 1)
        ids = {"round": round_.id, "spare_round": spare.id}
        from surveyapp.services.invitations import create_invitations

        create_invitations(round_, get(d1), 1, None)
        ids["invitation"] = db.session.scalar(select(Invitation.id))
    part_staff = part_checklist = None
    with app.app_context():
        questionnaire = get_questionnaire("transparency", 1)
        part_staff, part_checklist = questionnaire.part("staff"), questionnaire.part("department")
    staff = app.test_client()
    sign_in(staff, EMAILS["staff"], lang="en")
    staff.post(f"/rounds/{ids['round']}/staff/start")
    coordinator = app.test_client()
    sign_in(coordinator, EMAILS["coordinator"], lang="en")
    coordinator.post(f"/rounds/{ids['round']}/department/start")
    with app.app_context():
        ids["staff_response"] = db.session.scalar(select(Response.id).where(Response.part == "staff"))
        ids["checklist_response"] = db.session.scalar(select(Response.id).where(Response.part == "department"))
    for page in range(len(part_staff.sections)):
        staff.post(f"/responses/{ids['staff_response']}/page/{page}", data=page_data(part_staff, page))
    assert staff.post(f"/responses/{ids['staff_response']}/submit").status_code == 302
    for page, section in enumerate(part_checklist.sections):
        data = page_data(part_checklist, page)
        if section.dimension == "D4":
            data["d4_c04"] = (io.BytesIO(b"%PDF-1.7 plan"), "plan.pdf")
        coordinator.post(
            f"/responses/{ids['checklist_response']}/page/{page}", data=data, content_type="multipart/form-data"
        )
    assert coordinator.post(f"/responses/{ids['checklist_response']}/submit").status_code == 302
    with app.app_context():
        job = ReportJob(round_id=ids["round"], lang="en", total=2, status="done")
        db.session.add(job)
        db.session.flush()
        archive = Path(app.config["REPORTS_DIR"]) / "jobs" / f"{job.id}.zip"
        archive.parent.mkdir(parents=True, exist_ok=True)
        archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
        job.result_path = str(archive)
        db.session.commit()
        ids["job"] = job.id
    with app.app_context():
        from datetime import date, timedelta

        from surveyapp.models import AssessmentRound
        from surveyapp.services.rectification import open_item

        item, _created = open_item(db.session.get(AssessmentRound, ids["round"]), get(d1), "manual", "", "Fix it",
                                   due_on=date.today() + timedelta(days=30))  # fmt: skip
        ids["item"] = item.id
    ids.update(d1=d1.id, target_user=users["target"].id, staff_user=users["staff"].id)
    # Starting a bulk export must not really render in the background during this test.
    monkeypatch.setattr(threading.Thread, "start", lambda self: None)
    return ids


def outcome(response) -> str:
    if response.status_code == 302 and "/login?next=" in response.headers.get("Location", ""):
        return "login"
    if response.status_code in (401, 403, 404):
        return "deny"
    if response.status_code < 400 or response.status_code == 409:
        return "ok"
    return f"status {response.status_code}"


@pytest.mark.slow
def test_role_route_and_object_scope_matrix(app, world):
    clients = {"anonymous": app.test_client()}
    for principal in PRINCIPALS[1:]:
        clients[principal] = app.test_client()
        sign_in(clients[principal], EMAILS[principal], lang="en")
    failures = []
    # Routes that sign out or change state run last, so they do not disturb the others.
    last = ("auth.logout", "respond.reopen", "admin.round_close", "participation.reopen")
    order = sorted(MATRIX, key=lambda e: (e in last, e))
    for endpoint in order:
        method, template, expectations = MATRIX[endpoint]
        url = template.format(**world)
        for principal in PRINCIPALS:
            client = clients[principal]
            response = client.open(url, method=method)
            response.close()  # ends a streamed response, as a WSGI server does
            got = outcome(response)
            if response.status_code == 200 and response.mimetype == "text/html":
                body = response.get_data(as_text=True)
                if not re.search(r"<title>[^<>]+ · surveyapp</title>", body):
                    failures.append(f"{endpoint} as {principal}: the page has no proper <title>")
            wanted = expectations[principal]
            if got not in (wanted if isinstance(wanted, tuple) else (wanted,)):
                failures.append(
                    f"{endpoint} {method} {url} as {principal}: expected {expectations[principal]}, got {got}"
                )
            if endpoint == "auth.logout" and principal != "anonymous":
                sign_in(client, EMAILS[principal], lang="en")
    assert failures == [], "\n".join(failures)


def test_denied_answers_carry_no_data(app, world):
    outsider = app.test_client()
    sign_in(outsider, EMAILS["staff_other"], lang="en")
    for url in (
        f"/responses/{world['staff_response']}",
        f"/responses/{world['checklist_response']}/evidence/d4_c04",
        f"/rounds/{world['round']}/departments/{world['d1']}/scorecard.pdf",
    ):
        response = outsider.get(url)
        assert response.status_code == 403
        body = response.get_data(as_text=True)
        assert "%PDF" not in body and "staff@d1.example" not in body and "plan.pdf" not in body
