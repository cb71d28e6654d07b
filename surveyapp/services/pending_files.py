"""Files that belong to a database transaction: written before the commit, removed if the
transaction does not commit (a rollback, an error, a session closed without commit).

``track(path)`` after writing a file; the file is kept once the session's transaction commits and
deleted when it ends any other way, so no file is left on disk that no row refers to.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

KEY = "surveyapp.pending_files"


def track(session: Session, path: Path) -> None:
    """Delete ``path`` unless ``session``'s current transaction commits."""
    session.info.setdefault(KEY, []).append(Path(path))


@contextlib.contextmanager
def kept_across_rollback(session: Session):
    """Keep the tracked files through a rollback done on purpose before retrying the same work."""
    pending = session.info.pop(KEY, [])
    try:
        yield
    finally:
        session.info.setdefault(KEY, []).extend(pending)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    for path in session.info.pop(KEY, []):
        path.unlink(missing_ok=True)
