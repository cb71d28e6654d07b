from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.extensions import db
from surveyapp.models.base import utcnow


class UserSession(db.Model):
    """A signed-in browser session, kept server-side so that signing out really ends it.

    The session cookie carries a random token; only its SHA-256 is stored. A session is live
    while ``ended_at`` is empty, it has been used within the idle timeout and it is younger
    than the absolute lifetime (see ``services.sessions``).
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class LoginThrottle(db.Model):
    """Failed sign-ins counted per key (an account's keyed e-mail hash, a client address or a
    known device), whether or not the account exists. See ``services.login_throttle``."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None]
