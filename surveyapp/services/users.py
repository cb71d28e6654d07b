"""Accounts: create, authenticate, change passwords, bootstrap the first administrator."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import Organisation, User
from surveyapp.models.base import utcnow
from surveyapp.permissions import Role
from surveyapp.services.audit import record_event

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user.

    ``field`` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(_l("The password must have at least %(n)d characters.", n=minimum), "new_password")


def create_user(
    email: str,
    role: Role | str,
    password: str | None = None,
    *,
    organisation: Organisation | None = None,
    display_name: str = "",
    level: str | None = None,
    post: str | None = None,
    must_change_password: bool = False,
    actor=None,
) -> tuple[User, str]:
    """Create an account. Without a password one is generated; returns the user and the password."""
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(_l("Not an e-mail address: %(email)s", email=email))
    role = Role(role)
    if db.session.scalar(select(User).where(User.email == email)):
        raise AccountError(_l("An account for %(email)s exists already.", email=email))
    if password is None:
        password = secrets.token_urlsafe(12)
        must_change_password = True
    check_password_policy(password)
    user = User(
        email=email,
        role=role.value,
        password_hash=hash_password(password),
        organisation=organisation,
        display_name=display_name,
        level=level,
        post=post,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    record_event("account.create", actor=actor, obj=user, role=role.value)
    db.session.commit()
    return user, password


def bootstrap_admin() -> tuple[User, str] | None:
    """On a database with no accounts, create the first system administrator.

    Returns the user and a one-time password (to be changed at first sign-in), or None when
    accounts exist already.
    """
    if db.session.scalar(select(func.count(User.id))):
        return None
    return create_user(current_app.config["ADMIN_EMAIL"], Role.SYSADMIN)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Records success and failure."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        verified = user is not None
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or not user.active:
        record_event("auth.login_failed", actor=user, email=email)
        db.session.commit()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record_event("auth.login", actor=user, obj=user)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; signs the user out of other sessions."""
    try:
        _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise AccountError(_l("The current password is wrong."), "current_password") from None
    check_password_policy(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    record_event("account.password_change", actor=user, obj=user)
    db.session.commit()


def load_user_by_session_id(session_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version, so old sessions stop working."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version:
        return None
    return user
