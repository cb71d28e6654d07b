"""participation apart from responses; seal submitted anonymous responses; scrub the audit log

Revision ID: c41f7a9e2d58
Revises: b7e2c4d91a3f
Create Date: 2026-11-30 05:10:00.000000

Schema: a ``participations`` table (round × account × part, status), with no response id and
no timestamps.

Data (issue 14, ``surveyapp.permissions.CONFIDENTIALITY_RULE``):

- every staff response of a named round gives its account's participation row;
- every staff response of an anonymous round is matched to its account by recomputing the
  keyed hash (HMAC-SHA-256 with the app's SECRET_KEY) for the accounts of its department; the
  match gives the participation row. A submitted one is then sealed: random owner key, no
  account, times cut to the day, level and post only where MIN_GROUP_SIZE active accounts of the
  department share them (the round's running totals are rebuilt accordingly);
- audit events about staff responses lose their scores; those about anonymous responses also
  lose actor, response id and address and keep only the day (start events are deleted); ``invitation.use`` events and
  invitations of anonymous rounds no longer name the response.

Written with plain SQL expressions and Python, so it runs the same on SQLite and PostgreSQL.
Downgrade drops the table; sealing cannot be undone (that is the point).
"""

import hashlib
import hmac
import json
import secrets
from datetime import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c41f7a9e2d58"
down_revision = "b7e2c4d91a3f"
branch_labels = None
depends_on = None

ALL_GROUPS = "*"

rounds = sa.table("assessment_rounds", sa.column("id"), sa.column("anonymous", sa.Boolean))
users = sa.table(
    "users",
    sa.column("id"),
    sa.column("organisation_id"),
    sa.column("role"),
    sa.column("active", sa.Boolean),
    sa.column("level"),
    sa.column("post"),
)
responses = sa.table(
    "responses",
    sa.column("id"),
    sa.column("round_id"),
    sa.column("organisation_id"),
    sa.column("user_id"),
    sa.column("part"),
    sa.column("owner_key"),
    sa.column("status"),
    sa.column("started_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
    sa.column("submitted_at", sa.DateTime),
    sa.column("staff_level"),
    sa.column("staff_post"),
)
participations = sa.table(
    "participations",
    sa.column("round_id"),
    sa.column("user_id"),
    sa.column("part"),
    sa.column("organisation_id"),
    sa.column("status"),
)
audit = sa.table(
    "audit_events",
    sa.column("id"),
    sa.column("created_at", sa.DateTime),
    sa.column("actor_id"),
    sa.column("action"),
    sa.column("object_type"),
    sa.column("object_id"),
    sa.column("ip_address"),
    sa.column("details", sa.JSON),
)
invitations = sa.table("invitations", sa.column("id"), sa.column("round_id"), sa.column("response_id"))
dimension_scores = sa.table("dimension_scores", sa.column("response_id"), sa.column("dimension"), sa.column("score"))
aggregates = sa.table(
    "score_aggregates",
    sa.column("round_id"),
    sa.column("organisation_id"),
    sa.column("part"),
    sa.column("dimension"),
    sa.column("staff_level"),
    sa.column("staff_post"),
    sa.column("n"),
    sa.column("total"),
    sa.column("total_squares"),
)
ANSWERING = ("staff", "coordinator")


def _settings():
    try:
        from flask import current_app

        return str(current_app.config["SECRET_KEY"]), int(current_app.config.get("MIN_GROUP_SIZE", 3))
    except (ImportError, RuntimeError, KeyError):
        return None, 3


def _anon_key(secret: str, round_id: int, user_id: int) -> str:
    digest = hmac.new(secret.encode(), f"{round_id}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return "anon:" + digest[:40]


def _day(moment):
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return datetime(moment.year, moment.month, moment.day)


def _safe_level_post(account, staff_of_department, min_group):
    level, post = account.level, account.post
    share = lambda test: sum(1 for a in staff_of_department if test(a))  # noqa: E731
    level_ok = level is not None and share(lambda a: a.level == level) >= min_group
    post_ok = post is not None and share(lambda a: a.post == post) >= min_group
    if level_ok and post_ok and share(lambda a: a.level == level and a.post == post) >= min_group:
        return level, post
    if level_ok:
        return level, None
    return None, (post if post_ok else None)


def _rebuild_aggregates(connection, round_id: int) -> None:
    connection.execute(sa.delete(aggregates).where(aggregates.c.round_id == round_id))
    rows = connection.execute(
        sa.select(
            responses.c.organisation_id,
            responses.c.part,
            dimension_scores.c.dimension,
            responses.c.staff_level,
            responses.c.staff_post,
            sa.func.count(),
            sa.func.sum(dimension_scores.c.score),
            sa.func.sum(dimension_scores.c.score * dimension_scores.c.score),
        )
        .select_from(responses.join(dimension_scores, dimension_scores.c.response_id == responses.c.id))
        .where(
            responses.c.round_id == round_id,
            responses.c.status == "submitted",
            dimension_scores.c.score.is_not(None),
        )
        .group_by(
            responses.c.organisation_id,
            responses.c.part,
            dimension_scores.c.dimension,
            responses.c.staff_level,
            responses.c.staff_post,
        )
    ).all()
    totals = {}
    for org, part, dim, level, post, n, total, squares in rows:
        for key in ((org, part, dim, level or "", post or ""), (org, part, dim, ALL_GROUPS, ALL_GROUPS)):
            entry = totals.setdefault(key, [0, 0.0, 0.0])
            entry[0] += n
            entry[1] += float(total or 0)
            entry[2] += float(squares or 0)
    if totals:
        connection.execute(
            sa.insert(aggregates),
            [
                dict(round_id=round_id, organisation_id=org, part=part, dimension=dim, staff_level=level,
                     staff_post=post, n=n, total=total, total_squares=squares)
                for (org, part, dim, level, post), (n, total, squares) in totals.items()
            ],
        )  # fmt: skip


def upgrade():
    op.create_table(
        "participations",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_participations_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["assessment_rounds.id"],
            name=op.f("fk_participations_round_id_assessment_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_participations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("round_id", "user_id", "part", name=op.f("pk_participations")),
    )
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participations_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_participations_user_id"), ["user_id"], unique=False)

    connection = op.get_bind()
    secret, min_group = _settings()
    anonymous_rounds = {r.id for r in connection.execute(sa.select(rounds.c.id).where(rounds.c.anonymous == sa.true()))}
    accounts = connection.execute(
        sa.select(users.c.id, users.c.organisation_id, users.c.level, users.c.post, users.c.active, users.c.role)
    ).all()
    staff_by_department = {}
    for account in accounts:
        if account.active and account.role in ANSWERING:
            staff_by_department.setdefault(account.organisation_id, []).append(account)
    by_id = {a.id: a for a in accounts}

    staff_responses = connection.execute(
        sa.select(responses).where(responses.c.owner_key != "department").order_by(responses.c.id)
    ).all()
    seen = set()
    anonymous_response_ids, staff_response_ids, rebuilt_rounds = set(), set(), set()
    for row in staff_responses:
        staff_response_ids.add(row.id)
        account = None
        if row.owner_key.startswith("user:") and row.user_id in by_id:
            account = by_id[row.user_id]
        elif row.owner_key.startswith("anon:") and secret is not None:
            account = next(
                (
                    a
                    for a in accounts
                    if a.organisation_id == row.organisation_id
                    and _anon_key(secret, row.round_id, a.id) == row.owner_key
                ),
                None,
            )
        if account is not None and (row.round_id, account.id, row.part) not in seen:
            seen.add((row.round_id, account.id, row.part))
            connection.execute(
                sa.insert(participations).values(
                    round_id=row.round_id, user_id=account.id, part=row.part,
                    organisation_id=row.organisation_id, status=row.status,
                )
            )  # fmt: skip
        if row.round_id not in anonymous_rounds:
            continue
        anonymous_response_ids.add(row.id)
        if row.status != "submitted":
            continue
        level, post = (None, None)
        if account is not None:
            level, post = _safe_level_post(account, staff_by_department.get(account.organisation_id, []), min_group)
        connection.execute(
            sa.update(responses)
            .where(responses.c.id == row.id)
            .values(
                owner_key="sealed:" + secrets.token_hex(16), user_id=None, started_at=_day(row.started_at),
                submitted_at=_day(row.submitted_at), updated_at=_day(row.submitted_at or row.updated_at),
                staff_level=level, staff_post=post,
            )
        )  # fmt: skip
        if (level, post) != (row.staff_level, row.staff_post):
            rebuilt_rounds.add(row.round_id)
    for round_id in sorted(rebuilt_rounds):
        _rebuild_aggregates(connection, round_id)
    connection.execute(
        sa.update(invitations)
        .where(invitations.c.round_id.in_(sorted(anonymous_rounds)), invitations.c.response_id.is_not(None))
        .values(response_id=None)
    )

    # The audit log: no score next to a staff response; nothing personal next to an anonymous one.
    round_of = {row.id: row.round_id for row in staff_responses}
    events = connection.execute(
        sa.select(audit).where(
            sa.or_(audit.c.object_type == "responses", audit.c.action.in_(["invitation.use", "report.download"]))
        )
    ).all()
    for event in events:
        details = event.details if isinstance(event.details, dict) else json.loads(event.details or "{}")
        details = dict(details)
        response_id = None
        if event.object_type == "responses" and event.object_id and event.object_id.isdigit():
            response_id = int(event.object_id)
        elif event.action == "invitation.use" and isinstance(details.get("response"), int):
            response_id = details["response"]
        if response_id not in staff_response_ids:
            continue
        changes = {}
        if "overall" in details or "grade" in details:
            details.pop("overall", None)
            details.pop("grade", None)
            changes["details"] = details
        if response_id in anonymous_response_ids:
            if event.action == "response.start":  # its order would pair it with a response number
                connection.execute(sa.delete(audit).where(audit.c.id == event.id))
                continue
            if event.action == "invitation.use":
                details.pop("response", None)
                changes["details"] = details
            else:
                details["anonymous"] = True
                changes.update(
                    details=details, actor_id=None, ip_address=None, object_type="assessment_rounds",
                    object_id=str(round_of[response_id]), created_at=_day(event.created_at),
                )  # fmt: skip
        if changes:
            connection.execute(sa.update(audit).where(audit.c.id == event.id).values(**changes))


def downgrade():
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participations_user_id"))
        batch_op.drop_index(batch_op.f("ix_participations_organisation_id"))
    op.drop_table("participations")
