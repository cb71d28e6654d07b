"""Legal clocks in Chinese working days: ``flask clock``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

clock_cli = AppGroup("clock", help="Deadlines in Chinese working days (holidays and make-up workdays).")


@clock_cli.command("due")
@click.option("--start", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="Day of receipt, YYYY-MM-DD.")
@click.option("--working-days", required=True, type=click.IntRange(min=1), help="Working days allowed, e.g. 20.")
@click.option("--table", type=click.Path(exists=True, dir_okay=False), help="Another working-day table (YAML).")
def clock_due(start, working_days, table):
    """Print the last day of a limit of N working days counted after START (Regulation Art. 33: 20, +20)."""
    from surveyapp.definitions.workdays import DEFAULT_TABLE, WorkdayTableError, working_calendar
    from surveyapp.domain.clock import UnknownYear

    try:
        due = working_calendar(table or DEFAULT_TABLE).add_working_days(start.date(), working_days)
    except (UnknownYear, WorkdayTableError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(due.isoformat())
