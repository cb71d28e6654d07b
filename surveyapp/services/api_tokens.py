"""API tokens: created for a trainer or administrator with read scopes; only a hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import ApiToken, User
from surveyapp.models.base import utcnow
from surveyapp.permissions import Role, has_role
from surveyapp.services.audit import record_event

SCOPES = ("read:rounds", "read:scores", "read:exports", "read:rectification")
#: Scopes only an administrator's token may hold (the API refuses them to others anyway).
ADMIN_SCOPES = ("read:rectification",)


class TokenError(ValueError):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, scopes: list[str], name: str = "", actor=None) -> str:
    """A new token for ``user``; returned once, never stored."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise TokenError(f"scopes must be among {', '.join(SCOPES)}; got {' '.join(scopes) or 'none'}")
    if not has_role(_Authenticated(user), Role.TRAINER, Role.ADMIN):
        raise TokenError("API tokens are for trainers and administrators")
    refused = [s for s in scopes if s in ADMIN_SCOPES]
    if refused and not has_role(_Authenticated(user), Role.ADMIN):
        raise TokenError(f"the scope {' '.join(refused)} is for administrators' tokens only")
    token = "sa_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:100], token_hash=_hash(token), scopes=" ".join(scopes))
    db.session.add(row)
    db.session.flush()
    record_event("api.token_create", actor=actor, obj=row, user=user.email, scopes=row.scopes)
    db.session.commit()
    return token


def token_for(raw: str) -> ApiToken | None:
    """The active token for a presented value, or None; records its last use."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(raw), ApiToken.revoked.is_(False)))
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    db.session.commit()
    return row


class _Authenticated:
    """Lets the role predicates judge a user outside a request."""

    def __init__(self, user: User):
        self._user = user
        self.is_authenticated = True

    def __getattr__(self, name):
        return getattr(self._user, name)
