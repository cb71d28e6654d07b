"""The confidentiality matrix (issue 14): every route and export × every role × own / other
person's staff response × named / anonymous round.

Two staff members of one department (fewer than the minimum group size) answer the staff
questionnaire in a named and in an anonymous round, each with a distinct marker number in the
free-number question d4_s01. A *leak* is a marker of a staff response showing in anything served
to someone other than its respondent: HTML, JSON, CSV, SVG, the text of a PDF or the cells of an
XLSX. Every route must have an entry in ``PROBES`` (the test fails when a route is added without
one), and every probe runs as every principal over every round and staff response it names.
"""

from __future__ import annotations

import io
import re
import subprocess
import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Invitation, Organisation, ReportJob, Response, User
from surveyapp.services.api_tokens import create_token
from surveyapp.services.invitations import create_invitations
from surveyapp.services.questionnaires import get_questionnaire, load_builtin_questionnaires
from surveyapp.services.rounds import open_round
from tests.helpers import page_data, sign_in

PRINCIPALS = ["anonymous", "staff_a", "staff_b", "coordinator", "admin", "admin_other", "trainer", "sysadmin"]
EMAILS = {
    "staff_a": "alice@d1.example", "staff_b": "bob@d1.example", "coordinator": "coord@d1.example",
    "admin": "admin@a.example", "admin_other": "admin@b.example", "trainer": "trainer@a.example",
    "sysadmin": "root@example.org",
}  # fmt: skip
# The marker each staff member types into d4_s01 (hours of training, 0–2000), per round kind.
MARKERS = {("named", "staff_a"): 1373, ("named", "staff_b"): 1781, ("anonymous", "staff_a"): 1597,
           ("anonymous", "staff_b"): 1933}  # fmt: skip

# endpoint: list of (method, url template). Placeholders: {round} (both rounds), {response} (the
# four staff responses and the checklist), {staff_user}, {d1}, {job}. An empty list marks a route
# that can carry no answer content, with the reason next to it.
PROBES: dict[str, list[tuple[str, str]]] = {
    "main.index": [("GET", "/")],
    "main.healthz": [("GET", "/healthz")],
    "main.privacy": [("GET", "/privacy")],
    "main.set_language": [("GET", "/language/en")],
    "auth.login": [("GET", "/login")],
    "auth.change_password": [("GET", "/account/password")],
    "auth.logout": [("POST", "/logout")],
    "respond.index": [("GET", "/my")],
    "respond.invitation": [("GET", "/invite/not-a-token")],
    # An invitee's private resume link names one draft, is signed with the secret key and opens only a
    # draft of an invitation (never a staff member's own or a sealed response): a forged one opens nothing.
    "respond.resume": [("GET", "/resume/not-a-token")],
    "respond.start": [("POST", "/rounds/{round}/staff/start")],
    "respond.page": [("GET", "/responses/{response}/page/3")],
    "respond.review": [("GET", "/responses/{response}/review")],
    "respond.view": [("GET", "/responses/{response}")],
    "respond.submit": [("POST", "/responses/{response}/submit")],
    "respond.evidence": [("GET", "/responses/{response}/evidence/d4_c04")],
    "respond.reopen": [("POST", "/responses/{response}/reopen")],
    "results.response_explanation": [("GET", "/responses/{response}/explanation")],
    "results.department_explanation": [("GET", "/rounds/{round}/departments/{d1}/explanation")],
    "reports.respondent_pdf": [("GET", "/responses/{response}/scorecard.pdf?lang=en")],
    "reports.department_pdf": [("GET", "/rounds/{round}/departments/{d1}/scorecard.pdf?lang=en")],
    "reports.bulk_start": [("POST", "/admin/rounds/{round}/reports/bulk")],
    "reports.bulk_job": [("GET", "/admin/reports/jobs/{job}")],
    "reports.bulk_status": [("GET", "/admin/reports/jobs/{job}/status")],
    "reports.bulk_cancel": [("POST", "/admin/reports/jobs/{job}/cancel")],
    "reports.bulk_retry": [("POST", "/admin/reports/jobs/{job}/retry")],
    "reports.bulk_download": [("GET", "/admin/reports/jobs/{job}/download")],
    "admin.round_list": [("GET", "/admin/rounds")],
    "admin.round_new": [("GET", "/admin/rounds/new")],
    "admin.round_detail": [("GET", "/admin/rounds/{round}")],
    "admin.round_reliability_page": [("GET", "/admin/rounds/{round}/reliability")],
    "admin.round_close": [],  # closes a round: a redirect, no content (test_access_matrix covers who may)
    "admin.round_invitations": [("POST", "/admin/rounds/{round}/invitations")],
    "invitations.issued": [("GET", "/admin/rounds/{round}/invitations")],
    "invitations.issued_csv": [("GET", "/admin/rounds/{round}/invitations.csv")],
    "invitations.qr_sheet": [("GET", "/admin/rounds/{round}/invitations/qr.pdf")],
    "invitations.revoke": [("POST", "/admin/rounds/{round}/invitations/{invitation}/revoke")],
    "imports.accounts": [("GET", "/admin/users/import"), ("POST", "/admin/users/import")],
    "imports.organisations": [("GET", "/admin/organisations/import"), ("POST", "/admin/organisations/import")],
    "lifecycle.edit": [("GET", "/admin/rounds/{round}/edit")],
    "lifecycle.close_confirm": [("GET", "/admin/rounds/{round}/close")],
    "lifecycle.reopen": [("GET", "/admin/rounds/{round}/reopen")],
    "lifecycle.reminders": [("GET", "/admin/rounds/{round}/reminders")],
    "lifecycle.reminders_csv": [("GET", "/admin/rounds/{round}/reminders.csv")],
    "admin.user_list": [("GET", "/admin/users")],
    "admin.user_new": [("GET", "/admin/users/new")],
    "admin.user_edit": [("GET", "/admin/users/{staff_user}")],
    "admin.user_reset_password": [],  # shows a new one-time password, no answers (test_access_matrix)
    "admin.organisation_list": [("GET", "/admin/organisations")],
    "admin.organisation_new": [("GET", "/admin/organisations/new")],
    "admin.organisation_edit": [("GET", "/admin/organisations/{d1}")],
    "admin.audit_log": [("GET", "/admin/audit")],
    "admin.audit_export": [("GET", "/admin/audit.csv")],
    "participation.round_participation": [("GET", "/admin/rounds/{round}/participation")],
    "participation.reopen": [("POST", "/admin/rounds/{round}/participation/{staff_user}/reopen")],
    "compare.index": [("GET", "/compare?round={round}")],
    "compare.chart": [("GET", f"/compare/chart/{kind}.svg?round={{round}}") for kind in ("heatmap", "spread", "trend")],
    "compare.report_pdf": [("GET", "/compare/report.pdf?round={round}")],
    "compare.training": [("GET", "/compare/training?round={round}")],
    "compare.training_export": [
        ("GET", "/compare/training.xlsx?round={round}"),
        ("GET", "/compare/training.pdf?round={round}"),
    ],  # fmt: skip
    "compare.export": [
        ("GET", f"/compare/export/{what}.{fmt}?round={{round}}")
        for what in ("departments", "answers", "responses")
        for fmt in ("csv", "xlsx")
    ],
    "api.rounds": [("GET", "/api/v1/rounds")],
    "api.departments": [("GET", "/api/v1/rounds/{round}/departments")],
    "api.scores": [("GET", "/api/v1/rounds/{round}/scores")],
    "api.answers": [("GET", "/api/v1/rounds/{round}/answers.csv?lang=en")],
    "api.openapi": [("GET", "/api/v1/openapi.json")],
    # Rectification items are about departments (red lines, dimensions, inspector checks, by hand): their
    # pages, Word documents, CSV and API answer must carry no staff answer either.
    "api.rectification": [("GET", "/api/v1/rounds/{round}/rectification?lang=en")],
    "reports.department_docx": [("GET", "/rounds/{round}/departments/{d1}/scorecard.docx?lang=en")],
    "rectification.department_items": [("GET", "/rounds/{round}/departments/{d1}/rectification")],
    "rectification.report_docx": [("GET", "/rounds/{round}/departments/{d1}/rectification-report.docx?lang=en")],
    "rectification.item": [("GET", "/rectification/{item}")],
    "rectification.submit": [("POST", "/rectification/{item}/submit")],
    "rectification.review": [("POST", "/rectification/{item}/review")],
    "rectification.state": [("POST", "/rectification/{item}/state")],
    "rectification.due": [("POST", "/rectification/{item}/due")],
    "rectification.open_item": [("POST", "/rounds/{round}/departments/{d1}/rectification/open")],
    "rectification.open_from_results": [("POST", "/rounds/{round}/departments/{d1}/rectification/from-results")],
    "rectification.remind": [("POST", "/admin/rounds/{round}/rectification/remind")],
    "rectification.round_items": [("GET", "/admin/rounds/{round}/rectification")],
    "rectification.round_items_csv": [("GET", "/admin/rounds/{round}/rectification.csv")],
}
PUBLIC_FILES = {"static"}
# Routes that change state run last, in this order, so they do not disturb the others.
LAST = (
    "respond.submit",
    "reports.bulk_cancel",
    "reports.bulk_retry",
    "participation.reopen",
    "respond.reopen",
    "invitations.revoke",
    "auth.logout",
)


def test_every_route_has_a_confidentiality_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - PUBLIC_FILES
    missing = sorted(endpoints - set(PROBES))
    assert missing == [], f"add these routes to the confidentiality matrix (tests/web/{Path(__file__).name}): {missing}"
    assert sorted(set(PROBES) - endpoints) == [], "the matrix names routes that no longer exist"


def _submit_staff(app, client, round_id: int, marker: int, submit: bool = True) -> None:
    with app.app_context():
        part = get_questionnaire("transparency", 1).part("staff")
    started = client.post(f"/rounds/{round_id}/staff/start")
    response_id = int(re.search(r"/responses/(\d+)/page", started.headers["Location"]).group(1))
    pages = range(len(part.sections)) if submit else [3]
    for page in pages:
        data = page_data(part, page, action="save")
        if any(item.key == "d4_s01" for item in part.sections[page].items):
            data["d4_s01"] = str(marker)
        assert client.post(f"/responses/{response_id}/page/{page}", data=data).status_code == 302
    if submit:
        assert client.post(f"/responses/{response_id}/submit").status_code == 302
    return response_id


@pytest.fixture
def backend():  # the matrix is about routes, not SQL: SQLite only (the anonymity test runs on both)
    return "sqlite"


@pytest.fixture
def world(app, create_org, create_user, monkeypatch):
    agency_a, agency_b = create_org("A", kind="agency"), create_org("B", kind="agency")
    d1, d2 = create_org("D1", parent=agency_a), create_org("D2", parent=agency_a)
    d3 = create_org("D3", parent=agency_b)
    users = {
        "staff_a": create_user(EMAILS["staff_a"], "staff", organisation=d1, level="section", post="new_media"),
        "staff_b": create_user(EMAILS["staff_b"], "staff", organisation=d1, level="section", post="new_media"),
        "coordinator": create_user(EMAILS["coordinator"], "coordinator", organisation=d1),
        "admin": create_user(EMAILS["admin"], "admin", organisation=agency_a),
        "admin_other": create_user(EMAILS["admin_other"], "admin", organisation=agency_b),
        "trainer": create_user(EMAILS["trainer"], "trainer", organisation=agency_a),
        "sysadmin": create_user(EMAILS["sysadmin"], "sysadmin"),
    }
    create_user("carol@d3.example", "staff", organisation=d3)
    with app.app_context():
        load_builtin_questionnaires()
        get = lambda o: db.session.get(Organisation, o.id)  # noqa: E731
        rounds = {
            "named": open_round("Named", get(agency_a), [get(d1), get(d2)], "transparency", 1).id,
            "anonymous": open_round("Anon", get(agency_a), [get(d1), get(d2)], "transparency", 1, anonymous=True).id,
        }
    clients = {"anonymous": app.test_client()}
    for principal in PRINCIPALS[1:]:
        clients[principal] = app.test_client()
        sign_in(clients[principal], EMAILS[principal], lang="en")
    # Named round: both submit. Anonymous round: Alice submits (sealed), Bob keeps a draft.
    responses = {}
    for kind, round_id in rounds.items():
        for who in ("staff_a", "staff_b"):
            submit = not (kind == "anonymous" and who == "staff_b")
            responses[(kind, who)] = _submit_staff(app, clients[who], round_id, MARKERS[(kind, who)], submit)
    # The department checklist of the named round, with an evidence file (not personal).
    with app.app_context():
        checklist_part = get_questionnaire("transparency", 1).part("department")
    coordinator = clients["coordinator"]
    started = coordinator.post(f"/rounds/{rounds['named']}/department/start")
    checklist = int(re.search(r"/responses/(\d+)/page", started.headers["Location"]).group(1))
    for page, section in enumerate(checklist_part.sections):
        data = page_data(checklist_part, page, action="save")
        if section.dimension == "D4":
            data["d4_c04"] = (io.BytesIO(b"%PDF-1.7 plan"), "plan.pdf")
        coordinator.post(f"/responses/{checklist}/page/{page}", data=data, content_type="multipart/form-data")
    assert coordinator.post(f"/responses/{checklist}/submit").status_code == 302
    with app.app_context():
        job = ReportJob(round_id=rounds["named"], lang="en", total=2, status="done")
        db.session.add(job)
        db.session.flush()
        archive = Path(app.config["REPORTS_DIR"]) / "jobs" / f"{job.id}.zip"
        archive.parent.mkdir(parents=True, exist_ok=True)
        archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
        job.result_path = str(archive)
        db.session.commit()
        job_id = job.id
        create_invitations(db.session.get(AssessmentRound, rounds["named"]), db.session.get(Organisation, d1.id), 1,
                           db.session.get(User, users["admin"].id))  # fmt: skip
        invitation = db.session.scalar(select(Invitation.id))
        tokens = {
            p: create_token(
                db.session.get(User, users[p].id), ["read:rounds", "read:scores", "read:exports", "read:rectification"]
            )  # fmt: skip
            for p in ("admin", "admin_other", "trainer", "sysadmin")
        }
        # A rectification item of D1, opened from the named round's results (a red line or a weak dimension).
        from surveyapp.services.rectification import open_from_round_results

        named = db.session.get(AssessmentRound, rounds["named"])
        items = open_from_round_results(named, db.session.get(Organisation, d1.id), today=date(2026, 3, 2))
        item = items[0].id
    monkeypatch.setattr(threading.Thread, "start", lambda self: None)  # no background rendering
    return {
        "app": app, "clients": clients, "rounds": rounds, "responses": responses, "checklist": checklist,
        "job": job_id, "invitation": invitation, "item": item, "d1": d1.id, "staff_user": users["staff_a"].id,
        "tokens": tokens,
    }  # fmt: skip


def body_text(response) -> str:
    """Everything a reader of the answer could see, as text."""
    data = response.get_data()
    mimetype = response.mimetype or ""
    if data.startswith(b"%PDF"):
        result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=False)
        if result.returncode == 0:
            return result.stdout.decode("utf-8")
    if mimetype.endswith("wordprocessingml.document"):
        import docx

        document = docx.Document(io.BytesIO(data))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
        parts += [p.text for s in document.sections for p in s.footer.paragraphs]
        return "\n".join(parts)
    if mimetype.endswith("spreadsheetml.sheet"):
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in workbook
            for row in sheet.iter_rows(values_only=True)
        )
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(body_text_of_member(archive, name) for name in archive.namelist())
    return data.decode("utf-8", errors="replace")


def body_text_of_member(archive, name) -> str:
    from werkzeug.wrappers import Response as WerkzeugResponse

    return body_text(WerkzeugResponse(archive.read(name)))


def marker_in(text: str, marker: int) -> bool:
    return re.search(rf"(?<![0-9A-Za-z]){marker}(?![0-9A-Za-z])", text) is not None


@pytest.mark.slow
def test_confidentiality_matrix(world):
    app, clients, rounds, responses = world["app"], world["clients"], world["rounds"], world["responses"]
    owner_of = {response_id: (kind, who) for (kind, who), response_id in responses.items()}
    leaks, denials, sanity, requests = [], [], [], 0
    order = sorted(PROBES, key=lambda e: (LAST.index(e) if e in LAST else -1, e))
    for endpoint in order:
        for method, template in PROBES[endpoint]:
            if "{response}" in template:
                targets = [dict(response=r) for r in [*responses.values(), world["checklist"]]]
            elif "{round}" in template:
                targets = [dict(round=r) for r in rounds.values()]
            else:
                targets = [{}]
            for target in targets:
                url = template.format(**{**world, **target})
                for principal in PRINCIPALS:
                    headers = {}
                    if endpoint.startswith("api.") and principal in world["tokens"]:
                        headers["Authorization"] = f"Bearer {world['tokens'][principal]}"
                    response = clients[principal].open(url, method=method, headers=headers)
                    requests += 1
                    text = body_text(response) if response.status_code == 200 else response.get_data(as_text=True)
                    response.close()
                    for (kind, who), marker in MARKERS.items():
                        if who != principal and marker_in(text, marker):
                            leaks.append(f"{method} {url} as {principal}: shows {who}'s {kind}-round answer {marker}")
                    response_id = target.get("response")
                    if response_id in owner_of and response.status_code == 200:
                        kind, who = owner_of[response_id]
                        if principal != who:
                            denials.append(f"{method} {url} as {principal}: {response.status_code}, not refused")
                        elif kind == "anonymous" and who == "staff_a":
                            denials.append(f"{method} {url}: a sealed anonymous response was served")
                    if (endpoint, principal, target.get("response")) in (
                        ("respond.view", "staff_a", responses[("named", "staff_a")]),
                        ("respond.page", "staff_b", responses[("anonymous", "staff_b")]),
                    ):
                        own = (
                            MARKERS[("named", "staff_a")]
                            if principal == "staff_a"
                            else MARKERS[("anonymous", "staff_b")]
                        )
                        sanity.append(marker_in(text, own))
                    if endpoint == "auth.logout" and principal != "anonymous":
                        sign_in(clients[principal], EMAILS[principal], lang="en")
    print(f"\nconfidentiality matrix: {requests} requests, {len(leaks)} leaks, {len(denials)} unrefused")
    assert sanity == [True, True], "the respondent must see their own marker (else the leak search proves nothing)"
    assert leaks == [], "\n".join(leaks)
    assert denials == [], "\n".join(denials)
    assert requests > 900
    with app.app_context():
        sealed = db.session.get(Response, responses[("anonymous", "staff_a")])
        assert sealed.owner_key.startswith("sealed:") and sealed.user_id is None
