"""Migration c41f7a9e2d58 on existing data (SQLite and PostgreSQL): participation is derived from
the responses, submitted anonymous responses are sealed and the audit log is scrubbed."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData, Table, make_url, select

from surveyapp.app import create_app
from tests.conftest import POSTGRES_ADMIN_URL, POSTGRES_AVAILABLE, _base_config

BEFORE, AFTER = "b7e2c4d91a3f", "c41f7a9e2d58"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    if not POSTGRES_AVAILABLE:
        pytest.skip("PostgreSQL not reachable")
    import psycopg

    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"surveyapp_migration_{uuid.uuid4().hex[:10]}"
    connect = dict(host=admin.host, port=admin.port or 5432, user=admin.username, dbname=admin.database)
    with psycopg.connect(**connect, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**connect, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_existing_responses_get_participation_and_anonymous_ones_are_sealed(empty_database, tmp_path):
    from flask_migrate import upgrade

    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound, AuditEvent, Organisation, Participation, Response
    from surveyapp.permissions import anonymous_owner_key

    app = create_app(_base_config(empty_database, tmp_path))
    moment = datetime(2026, 11, 20, 14, 37, 12)
    with app.app_context():
        upgrade(revision=BEFORE)
        agency = Organisation(code="AG", kind="agency", name_zh_hans="a", name_zh_hant="a", name_en="a")
        department = Organisation(code="D1", kind="department", name_zh_hans="d", name_zh_hant="d", name_en="d",
                                  parent=agency)  # fmt: skip
        db.session.add_all([agency, department])
        db.session.flush()
        # The users table as it was at BEFORE (later migrations add columns the model already has).
        users = Table("users", MetaData(), autoload_with=db.session.connection())
        people = [
            SimpleNamespace(id=db.session.execute(
                users.insert().values(email=f"s{i}@d1.example", display_name="", password_hash="x", role="staff",
                                      organisation_id=department.id, level="section",
                                      post="new_media" if i else "web", active=True, must_change_password=False,
                                      session_version=1, created_at=moment)
            ).inserted_primary_key[0])
            for i in range(3)
        ]  # fmt: skip
        rounds = {
            kind: AssessmentRound(name=kind, organisation_id=agency.id, questionnaire_key="transparency",
                                  questionnaire_version=1, anonymous=kind == "anonymous")
            for kind in ("anonymous", "named")
        }  # fmt: skip
        db.session.add_all(rounds.values())
        db.session.flush()
        anon = rounds["anonymous"]

        def response(owner_key, status, round_, user_id=None):
            row = Response(round_id=round_.id, organisation_id=department.id, user_id=user_id, part="staff",
                           owner_key=owner_key, questionnaire_key="transparency", questionnaire_version=1,
                           status=status, started_at=moment, updated_at=moment,
                           submitted_at=moment if status == "submitted" else None, staff_level="section",
                           staff_post="new_media")  # fmt: skip
            db.session.add(row)
            db.session.flush()
            return row

        sealed = response(anonymous_owner_key(anon.id, people[1].id), "submitted", anon)
        draft = response(anonymous_owner_key(anon.id, people[2].id), "draft", anon)
        named = response(f"user:{people[0].id}", "submitted", rounds["named"], user_id=people[0].id)
        for row, actor in ((sealed, people[1]), (draft, people[2]), (named, people[0])):
            db.session.add(AuditEvent(action="response.start", actor_id=actor.id, object_type="responses",
                                      object_id=str(row.id), ip_address="10.0.0.7", details={"part": "staff"},
                                      created_at=moment))  # fmt: skip
            if row.status == "submitted":
                db.session.add(AuditEvent(action="response.submit", actor_id=actor.id, object_type="responses",
                                          object_id=str(row.id), ip_address="10.0.0.7", created_at=moment,
                                          details={"part": "staff", "overall": 61.5, "grade": "pass"}))  # fmt: skip
        db.session.commit()
        ids = {"sealed": sealed.id, "draft": draft.id, "named": named.id}
        draft_key = draft.owner_key
        user_ids = [p.id for p in people]
        round_ids = {k: r.id for k, r in rounds.items()}

        upgrade(revision=AFTER)
        db.session.expire_all()
        participation = {(p.round_id, p.user_id): p.status for p in db.session.scalars(select(Participation)).all()}
        assert participation == {
            (round_ids["anonymous"], user_ids[1]): "submitted",
            (round_ids["anonymous"], user_ids[2]): "draft",
            (round_ids["named"], user_ids[0]): "submitted",
        }
        sealed = db.session.get(Response, ids["sealed"])
        assert sealed.owner_key.startswith("sealed:") and sealed.user_id is None
        assert sealed.submitted_at.time() == sealed.started_at.time() == time(0, 0)
        # Two of the three share the post "new_media": fewer than three, so the post goes; the level stays.
        assert (sealed.staff_level, sealed.staff_post) == ("section", None)
        assert db.session.get(Response, ids["draft"]).owner_key == draft_key, "a draft is still found by its hash"
        assert db.session.get(Response, ids["named"]).user_id == user_ids[0]
        events = db.session.scalars(select(AuditEvent)).all()
        assert sorted(e.action for e in events) == ["response.start", "response.submit", "response.submit"]
        for event in events:
            assert "overall" not in event.details and "grade" not in event.details
            if event.object_type == "responses":
                assert event.object_id == str(ids["named"]) and event.actor_id == user_ids[0]
            else:
                assert event.object_type == "assessment_rounds" and event.object_id == str(round_ids["anonymous"])
                assert event.actor_id is None and event.ip_address is None
                assert event.created_at == datetime(2026, 11, 20)
        db.session.remove()
        db.engine.dispose()
