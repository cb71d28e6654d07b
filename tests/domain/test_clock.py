"""The legal clock counts Chinese working days: holidays off, make-up weekend workdays on, unknown years refused."""

from datetime import date

import pytest

from surveyapp.definitions.workdays import WorkdayTableError, read_workday_table, working_calendar
from surveyapp.domain.clock import UnknownYear, WorkingCalendar, YearTable, application_due


@pytest.fixture
def calendar():
    return working_calendar()


def test_spring_festival_2026_ends_on_the_make_up_saturday(calendar):
    # Mon–Fri counting would give 2026-02-23; the Spring Festival holiday (15–23 Feb) and the
    # make-up Saturday 28 Feb move the 20th working day.
    assert calendar.add_working_days(date(2026, 1, 26), 20) == date(2026, 2, 28)
    assert application_due(date(2026, 1, 26), calendar) == date(2026, 2, 28)
    assert date(2026, 2, 28).weekday() == 5 and calendar.is_working_day(date(2026, 2, 28))


def test_national_day_2026(calendar):
    assert not any(calendar.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert calendar.is_working_day(date(2026, 9, 20))  # a Sunday worked before the holiday
    # The day after 30 September is 8 October; the third is the make-up Saturday 10 October.
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


def test_extension_doubles_the_limit(calendar):
    assert application_due(date(2026, 3, 2), calendar, extended=True) == calendar.add_working_days(date(2026, 3, 2), 40)


def test_a_year_beyond_the_package_and_the_table_is_refused_naming_it(calendar):
    with pytest.raises(UnknownYear, match="2027") as caught:
        calendar.add_working_days(date(2026, 12, 20), 20)
    assert caught.value.year == 2027
    assert "workdays.yaml" in str(caught.value)


def test_a_year_in_the_table_is_answered_from_it(tmp_path):
    path = tmp_path / "workdays.yaml"
    path.write_text(
        "years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: [2027-01-02]\n",
        encoding="utf-8",
    )
    calendar = working_calendar(path)
    assert not calendar.is_working_day(date(2027, 1, 1))  # Friday, holiday
    assert calendar.is_working_day(date(2027, 1, 2))  # Saturday, make-up workday
    # 2026-12-31 (Thu) + 2: 1 Jan off, 2 Jan (make-up Sat) is day 1, 4 Jan (Mon) day 2.
    assert calendar.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 4)
    with pytest.raises(UnknownYear, match="2028"):
        calendar.is_working_day(date(2028, 1, 3))


def test_the_table_overrides_the_package_for_its_year():
    table = {2026: YearTable(holidays=frozenset({date(2026, 3, 2)}))}
    assert not WorkingCalendar(table=table).is_working_day(date(2026, 3, 2))
    assert WorkingCalendar(table=table).is_working_day(date(2026, 2, 16))  # the table replaces the whole year


@pytest.mark.parametrize(
    "body, message",
    [
        ("years:\n  2027:\n    holidays: [2027-01-02]\n", "weekend"),
        ("years:\n  2027:\n    workdays: [2027-01-04]\n", "weekday"),
        ("years:\n  2027:\n    holidays: [2028-01-03]\n", "not in 2027"),
        ("years:\n  2027:\n    holidays: [soon]\n", "not a date"),
        ("nothing: here\n", "years"),
    ],
)
def test_a_malformed_table_is_refused_with_the_place(tmp_path, body, message):
    path = tmp_path / "workdays.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(WorkdayTableError, match=message):
        read_workday_table(path)


def test_shipped_table_is_valid():
    read_workday_table()


def test_bad_counts_are_refused(calendar):
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 1, 26), 0)


def test_flask_clock_due_prints_the_deadline(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["clock", "due", "--start", "2026-01-26", "--working-days", "20"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2026-02-28"
    refused = runner.invoke(args=["clock", "due", "--start", "2027-03-01", "--working-days", "5"])
    assert refused.exit_code != 0 and "2027" in refused.output
