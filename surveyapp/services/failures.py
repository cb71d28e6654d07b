"""What a failed request leaves in the database layer: the session to roll back, and the HTTP
status a database exception stands for. Used by the error pages (``views/errors.py``), which must
render without a working database.
"""

from __future__ import annotations

import contextlib

from sqlalchemy.exc import DataError, IntegrityError, OperationalError, StatementError

from surveyapp.extensions import db


def reset_session() -> None:
    """Roll back whatever the failed request left in the session (never raises: the connection
    may be gone and the error page must still render)."""
    with contextlib.suppress(Exception):
        db.session.rollback()


def database_error_status(error: Exception) -> int | None:
    """The status for a database exception: 409 for a conflicting write (a unique key taken by a
    parallel request), 400 for a value the database refuses (e.g. an id out of range), 503 when the
    database cannot be reached; None for anything else."""
    if isinstance(error, IntegrityError):
        return 409
    if isinstance(error, DataError):
        return 400
    if isinstance(error, OperationalError) or (
        isinstance(error, StatementError) and getattr(error, "connection_invalidated", False)
    ):
        return 503
    return None
