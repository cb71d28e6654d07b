"""Deadlines as dates people choose and instants the app stores.

Stored instants are naive UTC (``models.base.utcnow``); people choose a calendar day in the agency's
time zone (an IANA name such as ``Asia/Shanghai``). Pure functions, standard library only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def to_local(instant: datetime, tz_name: str) -> datetime:
    """A naive-UTC instant as an aware datetime in ``tz_name``."""
    return instant.replace(tzinfo=UTC).astimezone(ZoneInfo(tz_name))


def days_left(deadline: datetime, now: datetime, tz_name: str) -> int:
    """Whole calendar days from today to the deadline's day, both in ``tz_name`` (0: the last day;
    negative: passed). ``deadline`` and ``now`` are naive UTC."""
    return (to_local(deadline, tz_name).date() - to_local(now, tz_name).date()).days
