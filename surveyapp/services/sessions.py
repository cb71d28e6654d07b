"""Server-side sign-in sessions: signing out ends a session for good, and sessions expire.

The browser's (signed) session cookie carries a random token; the database keeps its SHA-256
in ``user_sessions``. A session is accepted only while it has not been ended, has been used
within ``SESSION_IDLE_MINUTES`` and is younger than ``SESSION_MAX_HOURS``. So a cookie copied
before "sign out" (or before a timeout) is refused when replayed: the token it carries no
longer matches a live row. OWASP Session Management Cheat Sheet, "Session Expiration" and
"Manual Session Expiration".
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, or_, select, update

from surveyapp.extensions import db
from surveyapp.models import User, UserSession
from surveyapp.models.base import utcnow

# last_seen_at is written at most this often, so most requests need no write.
_TOUCH_INTERVAL = timedelta(seconds=60)

# The account and its session, read on every signed-in request: built once, so a request neither
# builds the statement nor computes its cache key again (SQLAlchemy memoises both on the object).
_LIVE_SESSION = (
    select(User, UserSession)
    .join(UserSession, UserSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), UserSession.token_hash == bindparam("token_hash"))
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(hours=config["SESSION_MAX_HOURS"])


def start_session(user: User) -> str:
    """Record a new session for ``user`` and return its token (for the session cookie).

    Also deletes every session that has ended or expired, so the table stays small and keeps
    no trace of when people were last active.
    """
    now = utcnow()
    idle, lifetime = _limits()
    db.session.execute(
        delete(UserSession).where(
            or_(
                UserSession.ended_at.is_not(None),
                UserSession.last_seen_at < now - idle,
                UserSession.created_at < now - lifetime,
            ),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_digest(token), created_at=now, last_seen_at=now))
    db.session.commit()
    return token


def user_of_live_session(token: str | None, user_id: int, session_version: int) -> User | None:
    """The account ``user_id`` when ``token`` names a live session of it and the account's session
    version is still ``session_version``; None otherwise. Refreshes the session's last use.

    One query reads the account and the session row together (this runs on every signed-in
    request). A session found idle for too long or past its lifetime is ended on the spot.
    """
    if not token:
        return None
    found = db.session.execute(_LIVE_SESSION, {"user_id": user_id, "token_hash": _digest(token)}).first()
    if found is None:
        return None
    user, row = found
    if row.ended_at is not None or user.session_version != session_version:
        return None
    now = utcnow()
    idle, lifetime = _limits()
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        row.ended_at = now
        db.session.commit()
        return None
    if now - row.last_seen_at >= _TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    return user


def end_session(token: str | None) -> None:
    """End the session ``token`` names (sign-out). Unknown or empty tokens are ignored."""
    if not token:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _digest(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.commit()


def end_all_sessions(user: User) -> None:
    """End every session of ``user`` (password reset, account disabled); the caller commits."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
