"""Legal clocks: deadlines counted in Chinese working days (工作日).

A working day is a day the State Council's annual holiday notice (国务院办公厅关于部分节假日安排的通知) does
not make a rest day: Monday to Friday except public holidays, plus the make-up workdays (调休上班), often
a Saturday or Sunday next to a long holiday. Counting Monday to Friday is wrong around holidays: 20 working
days from 2026-01-26 end on 2026-02-28, a make-up Saturday after the Spring Festival, not on 2026-02-23.

Sources of the rules that use this clock:
  * Regulation on Government Information Disclosure (政府信息公开条例, 2019) Art. 33: an application is answered
    within 20 working days of its receipt; with the approval of the head of the disclosure work, at most 20
    working days more. Art. 30: an unclear application is returned once for correction within 7 working days.
    Art. 26: proactively disclosed information within 20 working days of its creation or change.

Counting convention (the usual reading of "自收到申请之日起20个工作日内"): the day of receipt is not counted;
the first working day after it is day 1; the deadline is the last day, inclusive.

Where the calendar comes from: the ``chinesecalendar`` package (which knows the years its release was built
for) and an editable table (``surveyapp/calendars/workdays.yaml``, read by ``definitions.workdays``) for
years the package does not know or to correct it. A year in neither is refused with ``UnknownYear``: the
clock never guesses a holiday schedule, which the State Council sets year by year.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

#: Regulation Art. 33: the time limit to answer an application, and the longest extension, in working days.
APPLICATION_LIMIT_WORKING_DAYS = 20
APPLICATION_EXTENSION_WORKING_DAYS = 20
#: Regulation Art. 30: one correction notice for an unclear application, in working days.
CORRECTION_NOTICE_WORKING_DAYS = 7
#: Regulation Art. 26: proactive disclosure after the information is created or changed, in working days.
PROACTIVE_DISCLOSURE_WORKING_DAYS = 20


class UnknownYear(LookupError):
    """A date in a year whose holidays and make-up workdays neither the package nor the table knows."""

    def __init__(self, year: int, package_years: tuple[int, int] | None, table_years: tuple[int, ...]):
        self.year = year
        known = []
        if package_years:
            known.append(f"chinesecalendar knows {package_years[0]}–{package_years[1]}")
        known.append(f"the table knows {', '.join(map(str, table_years))}" if table_years else "the table is empty")
        super().__init__(
            f"no holiday schedule for {year}: {'; '.join(known)}. Add {year}'s holidays and make-up workdays "
            f"(from the State Council's holiday notice) to surveyapp/calendars/workdays.yaml"
        )


@dataclass(frozen=True)
class YearTable:
    """One year's official schedule: days off that would be workdays, and weekend days that are workdays."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


def _package_years() -> tuple[int, int] | None:
    years = {day.year for day in chinese_calendar.constants.holidays}
    return (min(years), max(years)) if years else None


@dataclass(frozen=True)
class WorkingCalendar:
    """Chinese working days: the ``table`` (year → ``YearTable``) first, then the chinesecalendar package.

    ``use_package=False`` ignores the package (tests of the table alone).
    """

    table: Mapping[int, YearTable] = field(default_factory=dict)
    use_package: bool = True

    def knows(self, year: int) -> bool:
        if year in self.table:
            return True
        years = _package_years() if self.use_package else None
        return bool(years and years[0] <= year <= years[1])

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is a working day. Raises ``UnknownYear`` for a year neither source knows."""
        year_table = self.table.get(day.year)
        if year_table is not None:
            if day in year_table.workdays:
                return True
            if day in year_table.holidays:
                return False
            return day.weekday() < 5
        if not self.knows(day.year):
            raise UnknownYear(day.year, _package_years() if self.use_package else None, tuple(sorted(self.table)))
        return chinese_calendar.is_workday(day)

    def add_working_days(self, start: date, working_days: int) -> date:
        """The day on which ``working_days`` working days counted after ``start`` end (``start`` not counted).

        ``working_days`` ≥ 1. Raises ValueError for less, ``UnknownYear`` when the count reaches a year
        without a schedule. Example: ``add_working_days(date(2026, 1, 26), 20)`` → ``date(2026, 2, 28)``.
        """
        if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 1:
            raise ValueError(f"working_days must be a whole number ≥ 1, got {working_days!r}")
        day, counted = start, 0
        while counted < working_days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def application_due(received: date, calendar: WorkingCalendar, extended: bool = False) -> date:
    """Regulation Art. 33: the last day to answer an application received on ``received``.

    20 working days; with ``extended`` (approved by the head of the disclosure work) 20 more, i.e. 40.
    Raises ``UnknownYear`` as ``WorkingCalendar.add_working_days``.
    """
    days = APPLICATION_LIMIT_WORKING_DAYS + (APPLICATION_EXTENSION_WORKING_DAYS if extended else 0)
    return calendar.add_working_days(received, days)
