"""Accounts: create, authenticate, change passwords, bootstrap the first administrator."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import Organisation, User
from surveyapp.models.base import utcnow
from surveyapp.permissions import Role
from surveyapp.services import login_throttle
from surveyapp.services.audit import record_event
from surveyapp.services.passwords import (
    PASSWORD_HISTORY,
    PasswordRejected,
    check_not_personal,
    check_password_strength,
    normalised,
)
from surveyapp.services.sessions import end_all_sessions, user_of_live_session

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong
    password. Computed on the first login that needs it, not when the module is imported."""
    return _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user.

    ``field`` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


_INTRANET_DOMAINS = ("localhost", "local")


def normalise_email(email: str) -> str:
    """The one check of an account e-mail address (admin form, CLI, anything creating accounts):
    RFC 5322/6531 syntax by ``email-validator`` (no DNS lookup; intranet domains allowed), returned
    stripped and lower-cased.
    Raises AccountError (field ``email``) for anything else, such as ``<b>@x.test``."""
    import email_validator
    from email_validator import EmailNotValidError, validate_email

    # Intranet names (the default ADMIN_EMAIL is admin@localhost): the library documents this list as
    # the one to edit for names it should accept.
    for name in _INTRANET_DOMAINS:
        if name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
            email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(name)
    text = (email or "").strip()
    try:
        # globally_deliverable=False: intranet domains such as the default admin@localhost are fine.
        result = validate_email(text, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError:
        raise AccountError(_l("Not an e-mail address: %(email)s", email=text), "email") from None
    return result.normalized.lower()


def clean_display_name(name: str | None) -> str:
    """A display name stripped of surrounding white space; one of only white space is refused
    (AccountError, field ``display_name``); an empty one stays empty (the name is optional)."""
    if name and not name.strip():
        raise AccountError(_l("Enter a name (not only spaces)."), "display_name")
    return (name or "").strip()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_policy(password: str, *, known_words: tuple[str, ...] = ()) -> None:
    """Length and strength rules of ``services.passwords``, and no e-mail or name inside
    (``known_words`` = (e-mail, display name)); raises AccountError saying why."""
    try:
        email, name = (tuple(known_words) + ("", ""))[:2]
        check_not_personal(password, email=email, display_name=name)
        check_password_strength(password, known_words=known_words)
    except PasswordRejected as exc:
        raise AccountError(exc.args[0], "new_password") from None


DEPARTMENT_ROLES = (Role.STAFF, Role.COORDINATOR)


def needs_department(role: Role | str, organisation: Organisation | None) -> bool:
    """True when ``role`` answers for a department but ``organisation`` is none (or an agency).

    Staff and coordinators answer the questionnaire of their department: without one they would
    never see a questionnaire."""
    return Role(role) in DEPARTMENT_ROLES and (organisation is None or organisation.kind == "agency")


def department_required_message():
    return _l("Staff and coordinators must belong to a department.")


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
    """Create an account. Without a password one is generated; returns the user and the password.

    The e-mail goes through ``normalise_email``; a display name of only white space is refused."""
    email = normalise_email(email)
    display_name = clean_display_name(display_name)
    role = Role(role)
    if needs_department(role, organisation):
        raise AccountError(department_required_message(), "organisation_id")
    if db.session.scalar(select(User).where(User.email == email)):
        raise AccountError(_l("An account for %(email)s exists already.", email=email))
    if password is None:
        password = secrets.token_urlsafe(12)
        must_change_password = True
    else:  # a generated one-time password is random; a chosen one is checked
        check_password_policy(password, known_words=(email, display_name))
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
    remember_password(user, password)
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


@dataclass(frozen=True)
class LoginResult:
    """``user`` when signed in; otherwise ``checked`` says whether the password was looked at
    (False: refused unchecked because of a throttle) and ``wait_seconds`` how long until the
    next attempt is checked. Equal for known and unknown e-mails."""

    user: User | None
    checked: bool = True
    wait_seconds: int = 0


def _attempted_account(email: str, user: User | None) -> dict[str, str]:
    """What the audit log keeps of the account a refused sign-in named: the e-mail of an existing
    account; for text that names no account, only its keyed digest (``login_throttle.account_key``),
    so repeated tries of one name still show as one. What was typed may be a password put in the
    e-mail field (OWASP Logging Cheat Sheet, "Data to exclude": authentication passwords)."""
    if user is not None:
        return {"email": email}
    return {"unknown_account": login_throttle.account_key(email)}


def authenticate(
    email: str, password: str, *, address: str | None = None, device_token: str | None = None
) -> LoginResult:
    """Check credentials under the sign-in throttle (``services.login_throttle``): growing delays
    per account (or known device) and per client address, never a hard lock, the same for known
    and unknown e-mails (an unknown e-mail is checked against a dummy hash, so it costs as long).
    Records successes, failures and throttled attempts in the audit log."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    now = utcnow()
    keys = [login_throttle.device_key(device_token, email) or login_throttle.account_key(email)]
    keys.append(login_throttle.address_key(address))
    wait = login_throttle.wait_seconds(keys, now)
    if wait > 0:
        try:
            _hasher.verify(_dummy_hash(), password or "")
        except (VerificationError, InvalidHashError):
            pass
        record_event("auth.login_throttled", actor=user, wait_seconds=wait, **_attempted_account(email, user))
        db.session.commit()
        return LoginResult(None, checked=False, wait_seconds=wait)
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password or "")
        verified = user is not None
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or not user.active:
        record_event("auth.login_failed", actor=user, **_attempted_account(email, user))
        wait = login_throttle.record_failure(keys, now)
        db.session.commit()
        return LoginResult(None, wait_seconds=wait)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    login_throttle.clear(keys[:1] + [login_throttle.account_key(email)])
    login_throttle.forget_stale(now)
    user.last_login_at = now
    record_event("auth.login", actor=user, obj=user)
    db.session.commit()
    return LoginResult(user)


def reset_password(user: User, actor, *, via: str = "web") -> str:
    """A reset (by an administrator, or ``flask users set-password`` for a lost password): a
    one-time password, shown once, to be changed at the next sign-in. Ends every session of
    the user and forgets the account's failed sign-ins."""
    password = secrets.token_urlsafe(12)
    user.password_hash = hash_password(password)
    remember_password(user, password)
    user.must_change_password = True
    user.session_version += 1
    end_all_sessions(user)
    login_throttle.clear([login_throttle.account_key(user.email)])
    record_event("account.password_reset", actor=actor, obj=user, via=via)
    db.session.commit()
    return password


ACCOUNT_FIELDS = ("role", "organisation_id", "level", "post", "active", "display_name")


def update_account(user: User, actor, **changes) -> dict:
    """Change an account's role, organisation, level, post, name or active flag; audited.

    A role or organisation change also signs the user out everywhere.
    """
    role = changes.get("role", user.role)
    organisation_id = changes.get("organisation_id", user.organisation_id)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if needs_department(role, organisation):
        raise AccountError(department_required_message(), "organisation_id")
    changed = {}
    for name, value in changes.items():
        if name not in ACCOUNT_FIELDS:
            raise ValueError(f"not an account field: {name}")
        if name == "role":
            value = Role(value).value
        if name == "display_name":
            value = clean_display_name(value)
        if getattr(user, name) != value:
            changed[name] = [getattr(user, name), value]
            setattr(user, name, value)
    if changed:
        if "role" in changed or "organisation_id" in changed or "active" in changed:
            user.session_version += 1
        record_event("account.role_change" if "role" in changed else "account.update", actor=actor, obj=user,
                     changes={k: [str(a), str(b)] for k, (a, b) in changed.items()})  # fmt: skip
        db.session.commit()
    return changed


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; signs the user out of other sessions."""
    try:
        _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise AccountError(_l("The current password is wrong."), "current_password") from None
    if normalised(new) == normalised(current) or _matches(user.password_hash, new):
        if user.must_change_password:
            raise AccountError(_l("Choose a new password: the one-time password cannot be kept."), "new_password")
        raise AccountError(_l("The new password must differ from the current one."), "new_password")
    if used_before(user, new):
        raise AccountError(
            _l("You have used this password (or a one-time password like it) before: choose a new one."),
            "new_password",
        )
    check_password_policy(new, known_words=(user.email, user.display_name))
    user.password_hash = hash_password(new)
    remember_password(user, new)
    user.must_change_password = False
    user.session_version += 1
    record_event("account.password_change", actor=user, obj=user)
    db.session.commit()


def remember_password(user: User, password: str) -> None:
    """Add ``password`` (normalised, hashed) to the user's last ``PASSWORD_HISTORY`` passwords."""
    history = json.loads(user.password_history or "[]")
    history.append(hash_password(normalised(password)))
    user.password_history = json.dumps(history[-PASSWORD_HISTORY:])


def used_before(user: User, password: str) -> bool:
    """Whether ``password`` equals, stripped and case-folded, one of the user's last passwords
    (one-time passwords included)."""
    candidate = normalised(password)
    return any(_matches(h, candidate) for h in json.loads(user.password_history or "[]"))


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def load_user_by_session_id(session_id: str, token: str | None) -> User | None:
    """Flask-Login's loader: the id ("<user id>:<session version>") carries the session version, so
    old sessions stop working, and ``token`` (the session cookie's) must name a live server-side
    session of that account (``services.sessions.user_of_live_session``). None otherwise."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    return user_of_live_session(token, user_id, version)


def listed_accounts() -> list[User]:
    """Accounts people sign in with (not the demo's respondents), by e-mail."""
    from surveyapp.services.demo import UNUSABLE_PASSWORD

    return list(db.session.scalars(select(User).where(User.password_hash != UNUSABLE_PASSWORD).order_by(User.email)))


def user_by_email(email: str) -> User | None:
    """The account with this e-mail (compared trimmed and in lower case), or None."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))
