"""Roles and the rules of who may do what.

One ``Role`` enum, pure ``can_*`` predicates (they take plain objects with ``role`` and
``organisation_id`` attributes, so views, services and templates share them), and one view
decorator, ``role_required``.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps


class Role(StrEnum):
    STAFF = "staff"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    TRAINER = "trainer"
    SYSADMIN = "sysadmin"


def has_role(user, *roles: Role) -> bool:
    """True when the user is signed in and holds one of ``roles`` (a system administrator holds all)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.SYSADMIN or user.role in roles


def can_administer(user) -> bool:
    return has_role(user, Role.ADMIN)


def can_respond(user, response) -> bool:
    """A respondent may open only their own response."""
    return has_role(user, Role.STAFF, Role.COORDINATOR, Role.ADMIN, Role.TRAINER) and (
        response.user_id == user.id
    )


def role_required(*roles: Role):
    """View decorator: sign-in required, and 403 unless the user holds one of ``roles``."""
    from flask import abort
    from flask_login import current_user

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from surveyapp.extensions import login_manager

                return login_manager.unauthorized()
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
