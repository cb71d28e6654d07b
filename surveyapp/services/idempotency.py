"""Writes that are safe when the same request arrives twice at once (a retry, two tabs, a double
tap): create-or-get under a unique key, and transactions retried after losing a race.

The database's unique constraints decide who wins; the loser rolls back and reads the winner's
row, so parallel identical requests give one record and no server error on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from surveyapp.extensions import db
from surveyapp.services.pending_files import kept_across_rollback

T = TypeVar("T")


def create_or_get(get: Callable[[], T | None], create: Callable[[], T]) -> tuple[T, bool]:
    """The existing record (``get()``), or a new one made by ``create()`` and committed.

    ``create`` adds and flushes its objects (and any audit event) without committing. When a
    parallel request commits the same unique key first, this one rolls back and returns that
    request's record. Returns ``(record, created)``. Raises the ``IntegrityError`` when it came
    from another constraint (nothing to return then).
    """
    existing = get()
    if existing is not None:
        return existing, False
    try:
        record = create()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = get()
        if existing is None:
            raise
        return existing, False
    return record, True


def retry_on_conflict(work: Callable[[], T], attempts: int = 3) -> T:
    """Run ``work`` (which writes and commits) again after a unique-key conflict with a parallel
    request: the retry sees the other request's rows and updates them instead of inserting.
    Raises the last ``IntegrityError`` after ``attempts`` tries."""
    for attempt in range(attempts):
        try:
            return work()
        except IntegrityError:
            if attempt == attempts - 1:
                db.session.rollback()
                raise
            with kept_across_rollback(db.session):  # files written for this work are still needed
                db.session.rollback()
    raise AssertionError("unreachable")
