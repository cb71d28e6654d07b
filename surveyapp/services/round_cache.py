"""Round-wide figures computed once and kept in the process until the round's data changes.

Every change to a round's scores (submit, reopen, a rebuild) bumps ``AssessmentRound.data_version``
in the same transaction (``bump_data_version``). A cached value is keyed on that version as read
from the database, so a change made by any process (another gunicorn worker, an RQ worker, the
CLI) is seen by every other process at its next lookup: nothing is invalidated by message, and a
stale entry is simply never asked for again (and falls out of the LRU).

The key also holds the database URL and the round's creation time, so two databases (tests, a
benchmark) that reuse a round id never share an entry. Cached values are shared between
requests: callers must treat them as read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import select, update

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound

T = TypeVar("T")

# A few rounds × languages × filter combinations; each value is O(departments) (about 2 MB for a
# comparison of 2,000 departments), so a worker holds at most a few tens of MB here.
MAX_ENTRIES = 24

_entries: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def bump_data_version(round_id: int) -> None:
    """Mark the round's data as changed (the caller commits). One atomic ``UPDATE … + 1``."""
    db.session.execute(
        update(AssessmentRound)
        .where(AssessmentRound.id == round_id)
        .values(data_version=AssessmentRound.data_version + 1)
        .execution_options(synchronize_session=False)
    )


def round_state(round_id: int) -> tuple:
    """What identifies the current data of a round: (database, round id, created at, data version).

    Raises KeyError for an unknown round.
    """
    row = db.session.execute(
        select(AssessmentRound.created_at, AssessmentRound.data_version).where(AssessmentRound.id == round_id)
    ).first()
    if row is None:
        raise KeyError(f"round {round_id} does not exist")
    return (db.engine.url.render_as_string(hide_password=True), round_id, row.created_at.isoformat(), row.data_version)


def cached(round_id: int, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` for this round's current data and ``key`` (the arguments that shape the value),
    computed at most once per data version in this process."""
    full_key = (round_state(round_id), key)
    with _lock:
        if full_key in _entries:
            _entries.move_to_end(full_key)
            _stats["hits"] += 1
            return _entries[full_key]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _stats["misses"] += 1
        _entries[full_key] = value
        _entries.move_to_end(full_key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def cache_stats() -> dict[str, int]:
    """Hits, misses and entries of this process's cache (for benchmarks and diagnostics)."""
    with _lock:
        return {**_stats, "entries": len(_entries)}


def clear() -> None:
    """Forget every entry (tests; never needed for correctness)."""
    with _lock:
        _entries.clear()
