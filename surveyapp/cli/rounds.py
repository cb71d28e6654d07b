"""Assessment rounds: ``flask rounds``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from surveyapp.cli._common import organisation_by_code, write_private

rounds_cli = AppGroup(
    "rounds", help="Open, list, edit, close and reopen assessment rounds; close those past their deadline; remind."
)


@rounds_cli.command("open")
@click.option("--name", required=True)
@click.option("--agency", "agency_code", required=True, help="Code of the agency running the round.")
@click.option("--departments", required=True, help="Comma-separated department codes.")
@click.option("--questionnaire", "questionnaire_key", default="transparency", show_default=True)
@click.option("--version", "version", type=int, help="Default: the newest loaded version.")
def rounds_open(name, agency_code, departments, questionnaire_key, version):
    """Open an assessment round for some departments and print its id."""
    from surveyapp.services.rounds import RoundError, open_round

    agency = organisation_by_code(agency_code)
    chosen = [organisation_by_code(code.strip()) for code in departments.split(",") if code.strip()]
    try:
        round_ = open_round(name, agency, chosen, questionnaire_key, version)
    except RoundError as exc:
        with force_locale("en"):
            raise click.ClickException(str(exc)) from None
    click.echo(f"Opened round {round_.id}: {round_.name} ({round_.questionnaire_key} v{round_.questionnaire_version})")


def _round(round_id: int):
    from surveyapp.services.rounds import round_by_id

    round_ = round_by_id(round_id)
    if round_ is None:
        raise click.ClickException(f"no round with id {round_id}")
    return round_


def _refused(exc) -> click.ClickException:
    with force_locale("en"):
        return click.ClickException(str(exc))


def _deadline(value):
    """A YYYY-MM-DD option as the end of that day in the agency's time zone (naive UTC)."""
    from surveyapp.services.round_lifecycle import deadline_from_date
    from surveyapp.services.rounds import RoundError

    try:
        return deadline_from_date(value.date()) if value else None
    except RoundError as exc:
        raise _refused(exc) from None


@rounds_cli.command("list")
def rounds_list():
    """List every round: id, status, deadline (agency time zone), days left, departments, name."""
    from surveyapp.services.round_lifecycle import days_left, format_local
    from surveyapp.services.rounds import rounds_by_id

    for round_ in rounds_by_id():
        left = days_left(round_) if round_.is_open else None
        click.echo(
            f"{round_.id}\t{round_.status}\t{format_local(round_.deadline) or '-'}\t"
            f"{'' if left is None else f'{left} days left'}\t{round_.organisation.code}\t"
            f"{len(round_.departments)} departments\t{round_.name}"
        )


@rounds_cli.command("edit")
@click.option("--round", "round_id", type=int, required=True)
@click.option("--name")
@click.option("--deadline", type=click.DateTime(["%Y-%m-%d"]), help="Last day (agency time zone), in the future.")
@click.option("--no-deadline", is_flag=True, help="Remove the deadline.")
@click.option("--add-departments", default="", help="Comma-separated codes of the agency's departments.")
@click.option("--remove-departments", default="", help="Comma-separated codes (refused when they have answers).")
def rounds_edit(round_id, name, deadline, no_deadline, add_departments, remove_departments):
    """Change a round's name, deadline or departments (audited)."""
    from surveyapp.services.round_lifecycle import edit_round
    from surveyapp.services.rounds import RoundError

    round_ = _round(round_id)
    add = [organisation_by_code(c.strip()) for c in add_departments.split(",") if c.strip()]
    remove = [organisation_by_code(c.strip()) for c in remove_departments.split(",") if c.strip()]
    try:
        edit_round(round_, None, name=name, deadline=_deadline(deadline), clear_deadline=no_deadline,
                   add=add, remove=remove)  # fmt: skip
    except RoundError as exc:
        raise _refused(exc) from None
    click.echo(f"Saved round {round_.id}.")


@rounds_cli.command("close")
@click.option("--round", "round_id", type=int, required=True)
def rounds_close(round_id):
    """Close a round now: its answers and results are frozen."""
    from surveyapp.services.rounds import close_round

    round_ = _round(round_id)
    close_round(round_, None)
    click.echo(f"Closed round {round_.id}.")


@rounds_cli.command("reopen")
@click.option("--round", "round_id", type=int, required=True)
@click.option("--reason", required=True, help="Kept in the audit log.")
@click.option("--deadline", type=click.DateTime(["%Y-%m-%d"]), help="New last day, needed when the old one passed.")
def rounds_reopen(round_id, reason, deadline):
    """Reopen a closed round (audited, with the reason)."""
    from surveyapp.services.round_lifecycle import reopen_round
    from surveyapp.services.rounds import RoundError

    round_ = _round(round_id)
    try:
        reopen_round(round_, None, reason, _deadline(deadline))
    except RoundError as exc:
        raise _refused(exc) from None
    click.echo(f"Reopened round {round_.id}.")


@rounds_cli.command("close-due")
def rounds_close_due():
    """Close every round whose deadline has passed (run it from cron or a systemd timer)."""
    from surveyapp.services.round_lifecycle import close_due_rounds

    closed = close_due_rounds()
    for round_ in closed:
        click.echo(f"Closed round {round_.id}: {round_.name}")
    click.echo(f"{len(closed)} rounds closed.")


@rounds_cli.command("remind")
@click.option("--round", "round_id", type=int, required=True)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the list of those to remind to this CSV file instead of e-mailing (those who have not "
                   "submitted; in an anonymous round everyone asked to answer).")  # fmt: skip
def rounds_remind(round_id, csv_path):
    """E-mail the reminders that are due (SMTP settings SURVEYAPP_MAIL_*), or write the list as CSV."""
    from surveyapp.services.exports import csv_stream
    from surveyapp.services.reminders import ReminderError, pending_csv_rows, record_csv_download, send_reminders

    round_ = _round(round_id)
    if csv_path:
        rows = list(pending_csv_rows(round_, current_app.config["BABEL_DEFAULT_LOCALE"]))
        write_private(csv_path, "".join(csv_stream(rows)))  # personal data: mode 0600
        record_csv_download(round_, None, len(rows) - 1)
        if round_.anonymous:  # the list is everyone asked to answer: who submitted is not shown
            click.echo(f"Anonymous round: {len(rows) - 1} people asked to answer (everyone, whether they have "
                       f"answered or not); list written to {csv_path}.")  # fmt: skip
        else:
            click.echo(f"{len(rows) - 1} people have not submitted; list written to {csv_path}.")
        return
    try:
        sent = send_reminders(round_, None)
    except ReminderError as exc:
        raise _refused(exc) from None
    click.echo(f"{len(sent)} reminders sent.")
