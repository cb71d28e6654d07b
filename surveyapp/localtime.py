"""Times as users read them: stored in UTC (naive), shown in the agency's time zone.

One helper for every page, CSV and PDF: ``format_datetime`` / ``format_date`` (Jinja filters
``localtime`` and ``localdate``). The zone is the ``TIMEZONE`` setting (``SURVEYAPP_TIMEZONE``,
default ``Asia/Shanghai``), an IANA name resolved by :mod:`zoneinfo` (the ``tzdata`` package
supplies the database where the system has none).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def agency_zone() -> ZoneInfo:
    """The configured zone (outside an app: the default)."""
    from flask import current_app, has_app_context

    name = current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE) if has_app_context() else DEFAULT_TIMEZONE
    return ZoneInfo(str(name or DEFAULT_TIMEZONE))


def local_now() -> datetime:
    """Now, aware, in the agency's zone (what a PDF footer prints, zone named: ``reporting.report.stamp``)."""
    return datetime.now(agency_zone())


def to_local(value: datetime, zone: ZoneInfo | None = None) -> datetime:
    """A stored UTC time (naive or aware) in ``zone`` (default: the agency's)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone or agency_zone())


def format_datetime(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``YYYY-MM-DD HH:MM`` in the agency's zone; ``""`` for None."""
    return "" if value is None else to_local(value, zone).strftime("%Y-%m-%d %H:%M")


def format_date(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """``YYYY-MM-DD`` in the agency's zone; ``""`` for None."""
    return "" if value is None else to_local(value, zone).strftime("%Y-%m-%d")


def end_of_local_day(day: date, zone: ZoneInfo | None = None) -> datetime:
    """23:59 of ``day`` in the agency's zone, as the naive UTC time the database stores (a date typed in
    a form means that day where the agency is)."""
    local = datetime.combine(day, time(23, 59), tzinfo=zone or agency_zone())
    return local.astimezone(UTC).replace(tzinfo=None)
