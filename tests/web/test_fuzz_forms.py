"""Property-based fuzzing of every POST form of the respondent and administrator flows.

For each POST route (found in the URL map, so a new form is fuzzed without editing this file),
hypothesis sends form bodies built from the form's own field names and values plus random ones:
fields missing, duplicated, renamed, oversized, files where text is expected, ``nan``/``inf``,
control characters, huge numbers. No answer may be a server error (status ≥ 500).
"""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Invitation, Organisation, ReportJob, Response, User
from tests.helpers import sign_in, start
from tests.web.test_accounts import invitation_tokens

EXAMPLES_PER_ROUTE = 40
NASTY = [
    "",
    " ",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-Infinity",
    "1e309",
    "-1",
    "0",
    "00",
    "2147483648",
    "9" * 40,
    "-9223372036854775809",
    "1.5",
    "0x10",
    "true",
    "None",
    "null",
    "[]",
    "{}",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\r\n",
    "\u202e\u2066",
    "\ud7ff",
    '=HYPERLINK("http://x")',
    "$x^$",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%s%n",
    "{{7*7}}",
    "zh_Hant",
    "en",
    "staff",
    "admin",
    "department",
    "agency",
    "yes",
    "na",
]


def _forms(html: str, page_url: str) -> dict[str, tuple[set[str], set[str]]]:
    """POST forms on a page: action path → (field names, values offered)."""
    forms = {}
    for attributes, body in re.findall(r"<form([^>]*)>(.*?)</form>", html, flags=re.S):
        if 'method="post"' not in attributes.lower():
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        path = unescape(action.group(1)) if action and action.group(1) else page_url
        path = path.split("?")[0]
        names = {unescape(n) for n in re.findall(r'name="([^"]+)"', body)}
        values = {unescape(v) for v in re.findall(r'value="([^"]*)"', body)}
        known_names, known_values = forms.get(path, (set(), set()))
        forms[path] = (known_names | names, known_values | values)
    return forms


def _value(names_values):
    texts = st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from(sorted(names_values[1]) or [""]),
        st.text(max_size=40),
        st.text(st.characters(codec="utf-8", categories=("Cc", "Cf", "Zs", "Co")), max_size=20),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.builds(lambda s, n: s * n, st.sampled_from(["x", "字", "\u0000"]), st.integers(1000, 300_000)),
    )
    files = st.builds(
        lambda content, name: (io.BytesIO(content), name),
        st.one_of(st.binary(max_size=200), st.sampled_from([b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04"])),
        st.one_of(st.sampled_from(["a.pdf", "b.png", "c.exe", "", ".pdf", "x" * 300 + ".pdf"]), st.text(max_size=30)),
    )
    return st.one_of(texts, texts, texts, files)


def _bodies(names_values):
    names = st.one_of(
        st.sampled_from(sorted(names_values[0] | {"action", "csrf_token"})),
        st.sampled_from(sorted(names_values[0] | {"action", "csrf_token"})),
        st.text(max_size=20),
    )
    pair = st.tuples(names, _value(names_values))
    return st.lists(pair, max_size=12)


@pytest.fixture
def world(app, assessment, create_org):
    """Every kind of object a POST form works on, and a signed-in client for each role."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    ids = {"round": assessment["round_id"], "d1": assessment["d1"].id}
    spare = create_org("SPARE", parent=assessment["agency"])
    ids["spare_org"] = spare.id
    token, _ = invitation_tokens(app, assessment, count=2)
    clients = {role: app.test_client() for role in ("staff", "coordinator", "admin", "anonymous")}
    sign_in(clients["staff"], "staff@d01.example", lang="en")
    sign_in(clients["coordinator"], "coord@d01.example", lang="en")
    sign_in(clients["admin"], "admin@ag.example", lang="en")
    ids["staff_response"], _ = start(clients["staff"], ids["round"], "staff")
    ids["checklist_response"], _ = start(clients["coordinator"], ids["round"], "department")
    with app.app_context():
        job = ReportJob(round_id=ids["round"], lang="en", total=2, status="done")
        db.session.add(job)
        db.session.commit()
        ids["job"] = job.id
        from surveyapp.services.users import create_user

        target, _ = create_user("target@d02.example", "staff", "correct horse battery",
                                organisation=db.session.get(Organisation, assessment["d2"].id))  # fmt: skip
        ids["target_user"] = target.id
        ids["staff_user"] = db.session.scalar(select(User.id).where(User.email == "staff@d01.example"))
        ids["invitation"] = db.session.scalar(select(Invitation.id).order_by(Invitation.id.desc()))
        round_ = db.session.get(AssessmentRound, ids["round"])
        pages = {
            r.id: len(__import__("surveyapp.services.responses", fromlist=["x"]).part_of(r).sections)
            for r in db.session.scalars(select(Response))
        }
        from datetime import date, timedelta

        from surveyapp.services.rectification import open_item

        item, _created = open_item(round_, db.session.get(Organisation, assessment["d1"].id), "manual", "", "Fix",
                                   due_on=date.today() + timedelta(days=30))  # fmt: skip
        ids["item"] = item.id
        del round_
    ids["pages"] = pages
    ids["token"] = token
    return ids, clients


def _pages_to_read(ids) -> list[tuple[str, str]]:
    pages = [("anonymous", "/login"), ("staff", "/account/password"), ("anonymous", f"/invite/{ids['token']}")]
    pages += [("admin", p) for p in ("/admin/users/new", f"/admin/users/{ids['target_user']}",
              "/admin/organisations/new", f"/admin/organisations/{ids['spare_org']}", "/admin/rounds/new",
              f"/admin/rounds/{ids['round']}", f"/admin/rounds/{ids['round']}/participation",
              f"/admin/reports/jobs/{ids['job']}", "/admin/users/import", "/admin/organisations/import",
              f"/admin/rounds/{ids['round']}/invitations", f"/admin/rounds/{ids['round']}/rectification",
              f"/rounds/{ids['round']}/departments/{ids['d1']}/rectification",
              f"/rectification/{ids['item']}")]  # fmt: skip
    pages += [("coordinator", f"/departments/{ids['d1']}/inspection"), ("coordinator", f"/rectification/{ids['item']}")]
    for role, key in (("staff", "staff_response"), ("coordinator", "checklist_response")):
        response_id = ids[key]
        pages += [(role, f"/responses/{response_id}/page/{n}") for n in range(ids["pages"][response_id])]
        pages += [(role, f"/responses/{response_id}/review"), ("admin", f"/responses/{response_id}")]
    return pages


# Who sends each POST route, and with which ids; the order keeps the round open until the end.
ROUTES = [
    ("auth.login", "anonymous", "/login"),
    ("auth.change_password", "staff", "/account/password"),
    ("respond.invitation", "anonymous", "/invite/{token}"),
    ("respond.start", "staff", "/rounds/{round}/staff/start"),
    ("respond.page", "staff", "/responses/{staff_response}/page/{page}"),
    ("respond.page", "coordinator", "/responses/{checklist_response}/page/{page}"),
    ("respond.submit", "staff", "/responses/{staff_response}/submit"),
    ("respond.reopen", "admin", "/responses/{staff_response}/reopen"),
    ("participation.reopen", "admin", "/admin/rounds/{round}/participation/{staff_user}/reopen"),
    ("admin.user_new", "admin", "/admin/users/new"),
    ("admin.user_edit", "admin", "/admin/users/{target_user}"),
    ("admin.user_reset_password", "admin", "/admin/users/{target_user}/reset-password"),
    ("admin.organisation_new", "admin", "/admin/organisations/new"),
    ("admin.organisation_edit", "admin", "/admin/organisations/{spare_org}"),
    ("admin.round_new", "admin", "/admin/rounds/new"),
    ("admin.round_invitations", "admin", "/admin/rounds/{round}/invitations"),
    ("invitations.revoke", "admin", "/admin/rounds/{round}/invitations/{invitation}/revoke"),
    ("imports.accounts", "admin", "/admin/users/import"),
    ("imports.organisations", "admin", "/admin/organisations/import"),
    ("reports.bulk_start", "admin", "/admin/rounds/{round}/reports/bulk"),
    ("reports.bulk_cancel", "admin", "/admin/reports/jobs/{job}/cancel"),
    ("reports.bulk_retry", "admin", "/admin/reports/jobs/{job}/retry"),
    ("rectification.open_item", "admin", "/rounds/{round}/departments/{d1}/rectification/open"),
    ("rectification.open_from_results", "admin", "/rounds/{round}/departments/{d1}/rectification/from-results"),
    ("rectification.submit", "coordinator", "/rectification/{item}/submit"),
    ("rectification.review", "admin", "/rectification/{item}/review"),
    ("rectification.state", "admin", "/rectification/{item}/state"),
    ("rectification.due", "admin", "/rectification/{item}/due"),
    ("rectification.remind", "admin", "/admin/rounds/{round}/rectification/remind"),
    ("lifecycle.edit", "admin", "/admin/rounds/{round}/edit"),
    ("lifecycle.reminders", "admin", "/admin/rounds/{round}/reminders"),
    ("admin.round_close", "admin", "/admin/rounds/{round}/close"),
    ("lifecycle.reopen", "admin", "/admin/rounds/{round}/reopen"),
    ("inspection.department", "coordinator", "/departments/{d1}/inspection"),
    ("inspection.remove_target", "coordinator", "/departments/{d1}/inspection/targets/999/remove"),
    ("auth.logout", "staff", "/logout"),
]


def _fuzz(client, endpoint, path, fields, examples, sent, errors) -> None:
    """Post ``examples`` generated bodies to ``path``; record every request and each status ≥ 500."""

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(body=_bodies(fields))
    def post(body):
        data = MultiDict()
        for name, value in body:
            if isinstance(value, tuple):
                value[0].seek(0)
            data.add(name, value)
        response = client.post(path, data=data, content_type="multipart/form-data")
        sent.append(path)
        if response.status_code >= 500:
            errors.append((endpoint, path, response.status_code, [(n, str(v)[:80]) for n, v in body]))

    post()


def test_every_post_route_is_fuzzed(app):
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posted == {endpoint for endpoint, _, _ in ROUTES}, "add the new POST route to ROUTES"


def test_fuzzed_forms_never_get_a_server_error(app, world, monkeypatch, capsys):
    import threading

    ids, clients = world
    monkeypatch.setattr(threading.Thread, "start", lambda self: None)  # no background renders
    forms: dict[str, tuple[set[str], set[str]]] = {}
    for role, page in _pages_to_read(ids):
        response = clients[role].get(page)
        assert response.status_code < 500, page
        for path, (names, values) in _forms(response.get_data(as_text=True), page).items():
            known = forms.get(path, (set(), set()))
            forms[path] = (known[0] | names, known[1] | values)
    sent, errors = [], []
    for endpoint, role, template in ROUTES:
        paths = [template.format(**ids, page=0)]
        if "{page}" in template:
            response_id = ids["staff_response" if role == "staff" else "checklist_response"]
            paths = [template.format(**ids, page=n) for n in range(ids["pages"][response_id])]
        for path in paths:
            fields = forms.get(path, (set(), set()))
            examples = max(8, EXAMPLES_PER_ROUTE // len(paths)) if len(paths) > 1 else EXAMPLES_PER_ROUTE

            _fuzz(clients[role], endpoint, path, fields, examples, sent, errors)
    with capsys.disabled():
        print(f"\nfuzz: {len(sent)} POST requests over {len(ROUTES)} routes, {len(errors)} server errors")
    assert not errors, errors[:5]
    assert len(sent) >= len(ROUTES) * 8
