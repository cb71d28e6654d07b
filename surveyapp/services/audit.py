"""The audit log: every security-relevant act is recorded in the same transaction as the act."""

from __future__ import annotations

from surveyapp.extensions import db
from surveyapp.models import AuditEvent


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
