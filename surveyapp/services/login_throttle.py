"""Sign-in throttling: growing delays per account and per client address, never a hard lock.

Failures are counted under keys that exist whether or not an account does, so the answers to
an unknown e-mail and to a known one are the same (no account enumeration):

- ``account:<HMAC of the e-mail>`` for attempts from browsers that have not signed in to that
  account before;
- ``device:<token>`` instead, for a browser that has (it holds a signed "known device" cookie
  for that account, OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a stranger's
  failures therefore never delay the account's owner on a device the owner has used;
- ``address:<client address>`` for every attempt from that address, whatever the account.

After ``LOGIN_THROTTLE_FREE_FAILURES`` failures in a row under a key (``LOGIN_THROTTLE_ADDRESS_FREE_FAILURES``
for an address, where a whole office may sit behind one NAT address), each further failure
makes the key wait 1, 2, 4, … seconds, at most ``LOGIN_THROTTLE_MAX_SECONDS``, before the next
attempt is even checked. A key's count is forgotten ``LOGIN_THROTTLE_FORGET_MINUTES`` after its
last failure, and an account's count on a successful sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from surveyapp.extensions import db
from surveyapp.models import LoginThrottle
from surveyapp.models.base import utcnow

_DEVICE_SALT = "surveyapp.known-device"


def account_key(email: str) -> str:
    """The throttle key of an e-mail address (keyed hash: the table holds no addresses)."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, b"login-throttle:" + email.encode(), hashlib.sha256).hexdigest()
    return "account:" + digest[:40]


def address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")[:80]


def issue_device_token(email: str) -> str:
    """A signed cookie value saying "this browser signed in to ``email`` before"."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_DEVICE_SALT)
    return serializer.dumps({"a": account_key(email), "d": secrets.token_urlsafe(16)})


def device_key(token: str | None, email: str) -> str | None:
    """The throttle key of a known-device cookie when it belongs to ``email``, else None."""
    if not token:
        return None
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_DEVICE_SALT)
    try:
        data = serializer.loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != account_key(email) or not isinstance(data.get("d"), str):
        return None
    return "device:" + data["d"][:40]


def wait_seconds(keys: list[str], now: datetime | None = None) -> int:
    """Seconds before the next attempt under ``keys`` may be checked (0: go ahead)."""
    now = now or utcnow()
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    waits = [(row.blocked_until - now).total_seconds() for row in rows if row.blocked_until is not None]
    return max(0, math.ceil(max(waits, default=0)))


def _free_failures(key: str) -> int:
    config = current_app.config
    if key.startswith("address:"):
        return config["LOGIN_THROTTLE_ADDRESS_FREE_FAILURES"]
    return config["LOGIN_THROTTLE_FREE_FAILURES"]


def record_failure(keys: list[str], now: datetime | None = None) -> int:
    """Count a failed attempt under each key; returns the wait it causes, in seconds. The caller commits."""
    now = now or utcnow()
    config = current_app.config
    forget = timedelta(minutes=config["LOGIN_THROTTLE_FORGET_MINUTES"])
    longest = 0
    for key in keys:
        row = _row(key, now)
        if now - row.last_failure_at > forget:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        beyond = row.failures - _free_failures(key)
        if beyond > 0:
            delay = min(config["LOGIN_THROTTLE_MAX_SECONDS"], 2 ** min(beyond - 1, 30))
            row.blocked_until = now + timedelta(seconds=delay)
            longest = max(longest, delay)
    return longest


def _row(key: str, now: datetime) -> LoginThrottle:
    """The key's row, created when missing; a concurrent request creating it first is not an error."""
    row = db.session.get(LoginThrottle, key)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            db.session.add(row)
    except IntegrityError:
        row = db.session.get(LoginThrottle, key, populate_existing=True)
    return row


def clear(keys: list[str]) -> None:
    """Forget the failures under ``keys`` (after a successful sign-in or a reset). The caller commits."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


def forget_stale(now: datetime | None = None) -> None:
    """Delete counts whose last failure is older than the forget period. The caller commits."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=current_app.config["LOGIN_THROTTLE_FORGET_MINUTES"])
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < cutoff))
