"""The audit log: every security-relevant act is recorded in the same transaction as the act."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import select

from surveyapp.definitions.spreadsheet import csv_chunks
from surveyapp.extensions import db
from surveyapp.models import AuditEvent, User


def record_event(
    action: str,
    *,
    actor=None,
    obj=None,
    object_type: str | None = None,
    object_id=None,
    ip_address: str | None = None,
    **details,
) -> AuditEvent:
    """Add an audit event to the current session; the caller's commit makes it permanent."""
    if ip_address is None:
        ip_address = _request_address()
    if obj is not None:
        object_type = object_type or type(obj).__tablename__
        object_id = obj.id
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip_address=ip_address,
        details=details,
    )
    db.session.add(event)
    return event


def log_access(action: str, *, actor=None, obj=None, **details) -> None:
    """Record a read that must leave a trace (a download, an export) and commit it at once: such
    requests write nothing else, and the record must exist before the content leaves."""
    record_event(action, actor=actor, obj=obj, **details)
    db.session.commit()


def _request_address() -> str | None:
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


def _events_query(action: str = "", actor: str = "", since: str = "", until: str = ""):
    """Events newest first; ``action`` a prefix, ``actor`` part of an e-mail, ``since``/``until`` days
    (YYYY-MM-DD, both included; an unreadable day is ignored)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    action, actor = action.strip(), actor.strip().lower()
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor:
        query = query.join(User, User.id == AuditEvent.actor_id).where(User.email.contains(actor))
    for value, op in ((since, "ge"), (until, "lt")):
        try:
            day = datetime.strptime(value, "%Y-%m-%d") if value else None
        except ValueError:
            day = None
        if day is not None:
            query = query.where(
                AuditEvent.created_at >= day if op == "ge" else AuditEvent.created_at < day + timedelta(days=1)
            )
    return query


def _actors(events) -> dict[int, str]:
    ids = {e.actor_id for e in events}
    return {u.id: u.email for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def audit_page(page: int, per_page: int, **filters) -> tuple[list[AuditEvent], dict[int, str], bool]:
    """One page of events (see ``_events_query`` for ``filters``), actor e-mails by id, and whether more follow."""
    events = db.session.scalars(_events_query(**filters).limit(per_page + 1).offset((page - 1) * per_page)).all()
    return list(events[:per_page]), _actors(events), len(events) > per_page


AUDIT_CSV_HEADER = ["id", "time_utc", "actor", "action", "object_type", "object_id", "ip_address", "details"]


def audit_csv(exported_by, limit: int = 100000, **filters) -> Iterator[str]:
    """The filtered events as CSV text chunks (header first); the export is itself audited and committed
    before the first chunk. Rows are plain values, so the stream outlives the database session."""
    events = db.session.scalars(_events_query(**filters).limit(limit)).all()
    actors = _actors(events)
    table = [
        [e.id, e.created_at.replace(microsecond=0, tzinfo=None), actors.get(e.actor_id, ""), e.action,
         e.object_type or "", e.object_id or "", e.ip_address or "",
         json.dumps(e.details, ensure_ascii=False, sort_keys=True)]
        for e in events
    ]  # fmt: skip
    log_access("audit.export", actor=exported_by, rows=len(table))

    return csv_chunks([AUDIT_CSV_HEADER, *table])
