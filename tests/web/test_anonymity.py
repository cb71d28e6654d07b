"""Anonymous rounds are anonymous to everyone, the database included (issue 14).

Staff submit in an anonymous round; a system administrator then looks everywhere the application
lets them (audit log and its CSV, exports, the API, the participation list) and the test looks
in the database's response rows: no account identifier sits next to a response.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from datetime import time

from sqlalchemy import inspect, select
from sqlalchemy import text as sql

from surveyapp.extensions import db
from surveyapp.models import Answer, AuditEvent, Organisation, Participation, Response, User
from surveyapp.services.api_tokens import create_token
from surveyapp.services.questionnaires import load_builtin_questionnaires
from surveyapp.services.rounds import open_round
from tests.helpers import sign_in, submit_complete

STAFF = ["amy@d1.example", "ben@d1.example", "cai@d1.example"]


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_no_account_identifier_near_an_anonymous_response(app, backend, create_org, create_user):
    agency = create_org("AG", kind="agency")
    d1 = create_org("D1", parent=agency)
    staff = [create_user(email, "staff", organisation=d1, level="section", post="new_media") for email in STAFF]
    create_user("root@example.org", "sysadmin")
    with app.app_context():
        load_builtin_questionnaires()
        round_id = open_round(
            "Anon", db.session.get(Organisation, agency.id), [db.session.get(Organisation, d1.id)], "transparency",
            questionnaire_version=1, anonymous=True,
        ).id  # fmt: skip
    response_ids = []
    for email in STAFF:
        client = app.test_client()
        sign_in(client, email, lang="en")
        response_ids.append(submit_complete(app, client, round_id, "staff"))
    identifiers = set(STAFF) | {u.display_name for u in staff if u.display_name}
    user_ids = {u.id for u in staff}

    root = app.test_client()
    sign_in(root, "root@example.org", lang="en")

    # The audit log, on the page and in its CSV: response events carry no actor, response id or address.
    page = root.get("/admin/audit?action=response").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    assert sum("response.submit" in row for row in rows) == 3
    for row in rows:
        assert not any(email in row for email in STAFF), row
    table = _csv(root.get("/admin/audit.csv").get_data(as_text=True))
    header = table[0]
    near = [dict(zip(header, row, strict=True)) for row in table[1:] if "response" in row[header.index("action")]]
    assert len(near) == 3  # three submits; an anonymous start is not recorded (its order would match response ids)
    for event in near:
        assert event["actor"] == "" and event["ip_address"] == ""
        assert event["object_type"] == "assessment_rounds" and event["object_id"] == str(round_id)
        assert event["time_utc"].endswith("T00:00:00"), "the day only"
        assert json.loads(event["details"]) == {"anonymous": True, "part": "staff"}

    # Exports (CSV and the API): serial numbers, the day only, level and post of a group of three.
    answers = _csv(root.get(f"/compare/export/answers.csv?round={round_id}").get_data(as_text=True))
    token = None
    with app.app_context():
        token = create_token(db.session.scalar(select(User).where(User.email == "root@example.org")), ["read:exports"])
    api = _csv(
        app.test_client()
        .get(f"/api/v1/rounds/{round_id}/answers.csv", headers={"Authorization": f"Bearer {token}"})
        .get_data(as_text=True)
    )
    scores = _csv(root.get(f"/compare/export/responses.csv?round={round_id}").get_data(as_text=True))
    for table in (answers, api, scores):
        text = json.dumps(table, ensure_ascii=False)
        assert not any(identifier in text for identifier in identifiers)
        assert len(table) == 4 and sorted(int(row[0]) for row in table[1:]) == [1, 2, 3]
    for table in (answers, api):
        for row in table[1:]:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[4])
            assert (row[6], row[8]) == ("section", "new_media"), "keys beside their labels (level, post)"

    # The participation list names nobody in an anonymous round; the round page neither.
    for url in (f"/admin/rounds/{round_id}/participation", f"/admin/rounds/{round_id}"):
        assert not any(email in root.get(url).get_data(as_text=True) for email in STAFF)

    # The database: response rows name no account, carry no keyed hash and only day-precise times.
    with app.app_context():
        secret = str(app.config["SECRET_KEY"]).encode()
        keyed = {
            hmac.new(secret, f"{round_id}:{user_id}".encode(), hashlib.sha256).hexdigest()[:40] for user_id in user_ids
        }
        for response in db.session.scalars(select(Response).where(Response.round_id == round_id)):
            assert response.user_id is None and response.owner_key.startswith("sealed:")
            assert not any(k in response.owner_key for k in keyed)
            for moment in (response.started_at, response.submitted_at, response.updated_at):
                assert moment.time() == time(0, 0)
            row = json.dumps({c.key: str(getattr(response, c.key)) for c in inspect(Response).columns})
            assert not any(identifier in row for identifier in identifiers)
        answers_text = json.dumps(
            [str(a.value) for a in db.session.scalars(select(Answer).where(Answer.response_id.in_(response_ids)))]
        )
        assert not any(identifier in answers_text for identifier in identifiers)
        # Participation is kept, apart: it names people and rounds, never a response.
        assert "response_id" not in {c.key for c in inspect(Participation).columns}
        participation = db.session.scalars(select(Participation).where(Participation.round_id == round_id)).all()
        assert {p.user_id for p in participation} == user_ids and {p.status for p in participation} == {"submitted"}
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "responses")).all()
        assert [e for e in events if e.object_id in {str(i) for i in response_ids}] == []
        if backend == "postgresql":  # no shared transaction stamp between a live participation and response row
            queries = {
                "responses": "SELECT xmin::text FROM responses WHERE round_id = :r",
                "participations": "SELECT xmin::text FROM participations WHERE round_id = :r",
            }
            stamps = {table: set(db.session.scalars(sql(q), {"r": round_id})) for table, q in queries.items()}
            assert stamps["responses"] and not stamps["responses"] & stamps["participations"]
