"""The schema comes only from migrations: the models and the migrated database must agree."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from surveyapp.extensions import db


def test_models_match_migrated_schema(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models differ from migrations; run `flask db migrate`: {differences}"


def test_upgrade_fills_the_running_item_totals_from_the_stored_scores(app, runner):
    """Migration a9d4e7c2b618 on existing data: the item totals it creates equal those that submits,
    a reopening (its kept copy counts) and a rebuild leave."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from surveyapp.models import ItemAggregate, Response
    from surveyapp.services.responses import reopen_response
    from tests.helpers import seed

    round_id = seed(runner, departments=3, respondents=4)

    def totals():
        return sorted(db.session.execute(
            select(ItemAggregate.round_id, ItemAggregate.organisation_id, ItemAggregate.part, ItemAggregate.item,
                   ItemAggregate.n, ItemAggregate.total).where(ItemAggregate.n > 0)
        ).all())  # fmt: skip

    with app.app_context():
        staff = db.session.scalars(select(Response).where(Response.round_id == round_id, Response.part == "staff"))
        reopen_response(staff.first(), None, "test")
        before = totals()
        assert len({(r.organisation_id, r.part) for r in before}) == 3 * 2
        db.session.remove()
        downgrade(revision="f20a7e5c1d93")
        try:
            upgrade(revision="a9d4e7c2b618")
            assert totals() == before
        finally:
            db.session.remove()
            upgrade()


def test_upgrade_scrubs_typed_text_of_refused_sign_ins_that_named_no_account(app):
    """Migration c2e8f4a7b913: a refused sign-in recorded before it keeps the e-mail of an existing
    account, and for text that named no account only the keyed digest the app now records."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from surveyapp.models import AuditEvent, User
    from surveyapp.services.login_throttle import account_key

    with app.app_context():
        user = User(email="staff@agency.example", password_hash="x", role="staff")
        db.session.add(user)
        db.session.flush()
        db.session.add_all([
            AuditEvent(action="auth.login_failed", actor_id=user.id, details={"email": "staff@agency.example"}),
            AuditEvent(action="auth.login_failed", details={"email": "my secret password"}),
            AuditEvent(action="auth.login_throttled", details={"email": "my secret password", "wait_seconds": 4}),
        ])  # fmt: skip
        db.session.commit()
        db.session.remove()
        downgrade(revision="a9d4e7c2b618")
        try:
            upgrade(revision="c2e8f4a7b913")
            events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
            details = [event.details for event in events if event.action.startswith("auth.login_")]
            assert details[0] == {"email": "staff@agency.example"}
            assert details[1] == {"unknown_account": account_key("my secret password")}
            assert details[2] == {"unknown_account": account_key("my secret password"), "wait_seconds": 4}
            assert "secret password" not in repr(details)
        finally:
            db.session.remove()
            upgrade()
