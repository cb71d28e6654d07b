"""audit log: refused sign-ins keep no typed text that names no account

A refused or throttled sign-in recorded the e-mail field as typed. When it named no account it may be a
password typed into the wrong field (OWASP Logging Cheat Sheet, "Data to exclude"). Such events (no actor)
keep only the keyed digest ``services.users`` now records (``login_throttle.account_key``), or nothing
when the app's secret is not at hand.

Revision ID: c2e8f4a7b913
Revises: a9d4e7c2b618
Create Date: 2026-11-30 19:50:00.000000

"""
import hashlib
import hmac
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c2e8f4a7b913'
down_revision = 'a9d4e7c2b618'
branch_labels = None
depends_on = None

audit = sa.table(
    "audit_events",
    sa.column("id"),
    sa.column("actor_id"),
    sa.column("action"),
    sa.column("details", sa.JSON),
)


def _secret() -> bytes | None:
    try:
        from flask import current_app

        secret = current_app.config.get("SECRET_KEY")
    except RuntimeError:  # no app context
        return None
    return secret.encode() if isinstance(secret, str) else secret


def upgrade():
    connection = op.get_bind()
    secret = _secret()
    events = connection.execute(
        sa.select(audit).where(
            audit.c.action.in_(["auth.login_failed", "auth.login_throttled"]), audit.c.actor_id.is_(None)
        )
    ).all()
    for event in events:
        details = event.details if isinstance(event.details, dict) else json.loads(event.details or "{}")
        if "email" not in details:
            continue
        details = dict(details)
        typed = str(details.pop("email") or "")
        if secret:  # the same digest as login_throttle.account_key
            digest = hmac.new(secret, b"login-throttle:" + typed.encode(), hashlib.sha256).hexdigest()
            details["unknown_account"] = "account:" + digest[:40]
        connection.execute(sa.update(audit).where(audit.c.id == event.id).values(details=details))


def downgrade():
    pass  # what was typed is gone for good
