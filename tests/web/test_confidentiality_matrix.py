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
from surveyapp.health import ENDPOINT as HEALTH_PROBE
from surveyapp.models import AssessmentRound, AuditEvent, Invitation, Organisation, ReportJob, Response, User
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
    HEALTH_PROBE: [("GET", "/healthz")],
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
    "compare.chart": [
        ("GET", f"/compare/chart/{kind}.svg?round={{round}}")
        for kind in ("heatmap", "spread", "trend", "trend-dimensions")
    ],
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
    # The inspector shows observations of public websites and the department's (non-personal) checklist.
    "inspection.index": [("GET", "/inspection")],
    "inspection.department": [("GET", "/departments/{d1}/inspection")],
    "inspection.snapshot": [("GET", "/departments/{d1}/inspection/snapshots/1")],  # pages of public sites
    "inspection.remove_target": [],  # stops inspecting a target: a redirect, no content (test_access_matrix)
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
    # The health probe is answered in front of Flask (surveyapp/health.py), so it is no route; it is listed too.
    endpoints = ({rule.endpoint for rule in app.url_map.iter_rules()} | {HEALTH_PROBE}) - PUBLIC_FILES
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
        every_scope = ["read:rounds", "read:scores", "read:exports", "read:rectification"]
        tokens = {
            p: create_token(  # read:rectification is for administrators' tokens only
                db.session.get(User, users[p].id), every_scope[:3] if p == "trainer" else every_scope
            )
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


# -- Differencing: figures compared before and after one person's change ------------------------------
# A department's figures change when one more person submits, is reopened, or is filtered out; whatever
# else a staff role sees must not say who that person was (CONFIDENTIALITY_RULE 2, 3, 4, 5).

GROUP = [("clerk", "disclosure")] * 3 + [(None, None)]  # three alike and one whose level and post are blank


@pytest.fixture
def department(app, create_org, create_user):
    """One agency, department D1 with five staff (three clerk/disclosure, one blank, one section/media),
    D2 with three, and one named and one anonymous round over both."""
    agency = create_org("A", kind="agency")
    d1, d2 = create_org("D1", parent=agency), create_org("D2", parent=agency)
    labels = GROUP + [("section", "media")]
    staff = [create_user(f"p{i}@d1.example", "staff", organisation=d1, level=level, post=post)
             for i, (level, post) in enumerate(labels)]  # fmt: skip
    others = [create_user(f"q{i}@d2.example", "staff", organisation=d2, level="clerk", post="media") for i in range(3)]
    create_user("admin@a.example", "admin", organisation=agency)
    create_user("trainer@a.example", "trainer", organisation=agency)
    with app.app_context():
        load_builtin_questionnaires()
        get = lambda o: db.session.get(Organisation, o.id)  # noqa: E731
        rounds = {
            "named": open_round("Named", get(agency), [get(d1), get(d2)], "transparency", 1).id,
            "anonymous": open_round("Anon", get(agency), [get(d1), get(d2)], "transparency", 1, anonymous=True).id,
        }
    admin = app.test_client()
    sign_in(admin, "admin@a.example", lang="en")
    return {"rounds": rounds, "staff": staff, "others": others, "admin": admin, "d1": d1, "d2": d2}


def _answer(app, user, round_id, marker):
    client = app.test_client()
    sign_in(client, user.email, lang="en")
    return _submit_staff(app, client, round_id, marker), client


def _what_staff_roles_see_of_participation(app, world, round_id, runner, tmp_path) -> dict[str, str]:
    """Every surface that could list people by participation: reminders page and CSV, the remind
    command's CSV and output, the participation page, the invitation list (CSRF tokens left out)."""
    admin = world["admin"]
    out = tmp_path / "remind.csv"
    cli = runner.invoke(args=["rounds", "remind", "--round", str(round_id), "--csv", str(out)])

    def page(url):
        return re.sub(r'name="csrf_token"[^>]*', "", admin.get(url).get_data(as_text=True))

    return {
        "page": page(f"/admin/rounds/{round_id}/reminders"),
        "csv": page(f"/admin/rounds/{round_id}/reminders.csv"),
        "cli": cli.output + out.read_text(encoding="utf-8"),
        "participation": page(f"/admin/rounds/{round_id}/participation"),
        "invitations": page(f"/admin/rounds/{round_id}/invitations"),
    }


def test_anonymous_round_reminders_do_not_name_whoever_moves_the_figures(app, department, runner, tmp_path):
    """4 of D1's 5 submit, the admin notes every list and the figures; the fifth submits (n 4 → 5). If any
    list dropped the fifth, 5 × new − 4 × old would be that person's scores: every list must be unchanged."""
    round_id = department["rounds"]["anonymous"]
    for i, user in enumerate(department["staff"][:4]):
        _answer(app, user, round_id, 1000 + i)
    before = _what_staff_roles_see_of_participation(app, department, round_id, runner, tmp_path)
    last = department["staff"][4]
    assert all(last.email in before[k] for k in ("page", "csv", "cli")), "everyone asked to answer is listed"
    with app.app_context():
        first_event = db.session.scalar(select(db.func.max(AuditEvent.id))) or 0
    _answer(app, last, round_id, 1999)
    after = _what_staff_roles_see_of_participation(app, department, round_id, runner, tmp_path)
    for surface in before:
        assert before[surface] == after[surface], f"{surface} changed when one person submitted"
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > first_event)).all()
    for event in events:
        if event.actor_id == last.id:
            assert not event.action.startswith(("response.", "participation.", "invitation.")), event.action
        assert str(last.id) not in str(event.details) and last.email not in str(event.details)


def test_anonymous_invitation_states_do_not_tell_use(app, department):
    from surveyapp.services.invitations import invitation_state, redeem_invitation, revoke_invitation

    round_id = department["rounds"]["anonymous"]
    with app.test_request_context():
        round_ = db.session.get(AssessmentRound, round_id)
        create_invitations(round_, db.session.get(Organisation, department["d1"].id), 2, None, label="Zhang San")
        used, unused = db.session.scalars(select(Invitation).order_by(Invitation.id)).all()
        from surveyapp.services.invitations import link_token

        redeem_invitation(link_token(used))
        assert invitation_state(used) == invitation_state(unused) == "issued"
        assert revoke_invitation(used, None) and revoke_invitation(unused, None)  # the same answer either way
        uses = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.use")).all()
        assert uses and all(e.object_type == "assessment_rounds" and e.ip_address is None for e in uses)


def _rows_by_department(rows, level_col, post_col):
    from collections import Counter

    counts = Counter()
    for row in rows[1:]:
        if row[3] == "staff":
            counts[(row[1], row[level_col], row[post_col])] += 1
    return counts


def test_row_exports_are_k_anonymous_over_level_and_post(app, department):
    """Three ``clerk, disclosure`` rows and one blank row: the blank one would be the department's only
    other person. Every released (level, post) of a department covers 0 or at least 3 rows, in the CSV,
    the XLSX and the API export."""
    round_id = department["rounds"]["named"]
    for i, user in enumerate(department["staff"][:4] + department["others"]):
        _answer(app, user, round_id, 1100 + i)
    admin = department["admin"]
    csv_rows = _csv(admin.get(f"/compare/export/answers.csv?round={round_id}&lang=en"))
    head = csv_rows[0]
    level_col, post_col = head.index("Staff level key"), head.index("Staff post key")
    workbook = load_workbook(io.BytesIO(admin.get(f"/compare/export/answers.xlsx?round={round_id}&lang=en").data))
    xlsx_rows = [["" if c is None else str(c) for c in row] for row in workbook.active.iter_rows(values_only=True)]
    with app.app_context():
        token = create_token(db.session.scalar(select(User).where(User.email == "admin@a.example")), ["read:exports"])
    api = app.test_client().get(f"/api/v1/rounds/{round_id}/answers.csv?lang=en",
                                headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    api_rows = _csv(api)
    for name, rows in (("csv", csv_rows), ("xlsx", xlsx_rows), ("api", api_rows)):
        counts = _rows_by_department(rows, level_col, post_col)
        assert sum(counts.values()) == 7, name
        assert all(n >= 3 for n in counts.values()), f"{name}: {counts}"
    assert _rows_by_department(csv_rows, level_col, post_col)[("D2", "clerk", "media")] == 3, "big groups stay"


def _csv(response):
    import csv

    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _figures(admin, round_id):
    page = admin.get(f"/compare?round={round_id}").get_data(as_text=True)
    return re.sub(r'name="csrf_token"[^>]*', "", page), admin.get(
        f"/compare/export/departments.csv?round={round_id}"
    ).data


def test_reopening_changes_no_figure(app, department):
    """Reopening one of five submitted responses must not move the department's figures (5 × before −
    4 × after would be that person's scores); they move only when it is submitted again."""
    round_id = department["rounds"]["named"]
    clients = {}
    for i, user in enumerate(department["staff"]):
        response_id, clients[user.id] = _answer(app, user, round_id, 1200 + 100 * i)
    admin = department["admin"]
    before = _figures(admin, round_id)
    target = department["staff"][4]
    reopened = admin.post(
        f"/admin/rounds/{round_id}/participation/{target.id}/reopen", data={"reason": "asked"}, follow_redirects=True
    )
    assert "The response is open again" in reopened.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Response, response_id).status == "draft"
    after = _figures(admin, round_id)
    import difflib

    assert after[1] == before[1], "the department export changed"
    assert after[0] == before[0], "\n".join(
        difflib.unified_diff(before[0].splitlines(), after[0].splitlines(), lineterm="")
    )


def test_hidden_groups_say_why(app, department):
    """D1: four clerks and one section member. Filtering by clerk leaves a group of 4 whose rest (1) could
    be worked out: it is hidden for that reason, not "fewer than 3 respondents"."""
    round_id = department["rounds"]["named"]
    for i, user in enumerate(department["staff"]):
        _answer(app, user, round_id, 1300 + i)
    with app.app_context():
        db.session.execute(Response.__table__.update().values(staff_level="clerk").where(
            Response.__table__.c.staff_level.is_(None)))  # fmt: skip
        from surveyapp.services.scores import rebuild_aggregates

        rebuild_aggregates(round_id)
        db.session.commit()
    admin = department["admin"]
    page = admin.get(f"/compare?round={round_id}&level=clerk").get_data(as_text=True)
    row = page.split(">D1<")[1].split("</tr>")[0] if ">D1<" in page else page
    assert "the rest of the department would be fewer than 3" in page
    assert "the rest of the department" in row or "D1" not in page
    training = admin.get(f"/compare/training?round={round_id}&by=level").get_data(as_text=True)
    assert "the rest of the department would be fewer than 3" in training
    assert "suppressed (fewer than 3 respondents)" in training  # the lone section member
    sheet = load_workbook(io.BytesIO(admin.get(f"/compare/training.xlsx?round={round_id}&by=level").data)).active
    assert any("the rest of the department" in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    departments = _csv(admin.get(f"/compare/export/departments.csv?round={round_id}&level=clerk"))
    header = departments[0]
    d1 = dict(zip(header, next(row for row in departments if row[1] == "D1"), strict=True))
    assert d1["Suppressed"] == "Yes" and "the rest of the department would be fewer than 3" in d1["Why suppressed"]
    for url in (
        f"/compare/report.pdf?round={round_id}&level=clerk",
        f"/compare/training.pdf?round={round_id}&by=level",
    ):
        pdf = admin.get(url).data
        text = subprocess.run(
            ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "the rest of the department would be fewer than 3" in " ".join(text.split()), url
