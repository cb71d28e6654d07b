"""The editable working-day table (``surveyapp/calendars/workdays.yaml``) read into a ``WorkingCalendar``.

Format: a mapping ``years`` of year → ``{holidays: [ISO dates], workdays: [ISO dates]}``; see the comments in
the shipped file. Problems (a date outside its year, a holiday on a weekend, a make-up workday on a weekday,
a date listed twice) raise ``WorkdayTableError`` naming the file, the year and the date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from surveyapp.domain.clock import WorkingCalendar, YearTable

DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "calendars" / "workdays.yaml"


class WorkdayTableError(ValueError):
    """A working-day table that cannot be used; the message names the file, year and date."""


def _dates(raw: Any, source: str, year: int, field: str) -> frozenset[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise WorkdayTableError(f"{source}: year {year}: {field} must be a list of dates")
    days = []
    for value in raw:
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise WorkdayTableError(f"{source}: year {year}: {field}: {value!r} is not a date YYYY-MM-DD") from None
        if day.year != year:
            raise WorkdayTableError(f"{source}: year {year}: {field}: {day} is not in {year}")
        weekend = day.weekday() >= 5
        if field == "holidays" and weekend:
            raise WorkdayTableError(f"{source}: year {year}: holidays: {day} is a weekend day already")
        if field == "workdays" and not weekend:
            raise WorkdayTableError(f"{source}: year {year}: workdays: {day} is a weekday already")
        days.append(day)
    if len(set(days)) != len(days):
        raise WorkdayTableError(f"{source}: year {year}: {field}: a date is listed twice")
    return frozenset(days)


def read_workday_table(path: str | Path = DEFAULT_TABLE) -> dict[int, YearTable]:
    """Year → ``YearTable`` from a YAML table. Raises ``WorkdayTableError`` for a malformed file."""
    source = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise WorkdayTableError(f"{source}: cannot read: {exc}") from None
    years = data.get("years") if isinstance(data, dict) else None
    if not isinstance(years, dict):
        raise WorkdayTableError(f"{source}: needs a mapping 'years' (may be empty: years: {{}})")
    table = {}
    for year, entry in years.items():
        if isinstance(year, bool) or not isinstance(year, int):
            raise WorkdayTableError(f"{source}: {year!r} is not a year")
        entry = entry or {}
        if not isinstance(entry, dict) or set(entry) - {"holidays", "workdays"}:
            raise WorkdayTableError(f"{source}: year {year}: needs only holidays and workdays")
        table[year] = YearTable(
            holidays=_dates(entry.get("holidays"), source, year, "holidays"),
            workdays=_dates(entry.get("workdays"), source, year, "workdays"),
        )
    return table


def working_calendar(path: str | Path = DEFAULT_TABLE) -> WorkingCalendar:
    """The project's working calendar: the table at ``path`` over the chinesecalendar package."""
    return WorkingCalendar(table=read_workday_table(path))
