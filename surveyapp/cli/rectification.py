"""Rectification items: ``flask rectification``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from surveyapp.cli._common import language_option, organisation_by_code

rectification_cli = AppGroup("rectification", help="Rectification items (整改事项) and the rectification report.")


def _round(round_id: int):
    from surveyapp.services.rounds import round_by_id

    round_ = round_by_id(round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    return round_


def _department(round_, code: str):
    department = organisation_by_code(code)
    if department not in round_.departments:
        raise click.ClickException(f"{code} is not in round {round_.id}")
    return department


@rectification_cli.command("list")
@click.option("--round", "round_id", type=int, required=True)
@click.option("--department", "department_code", help="One department only.")
@click.option("--lang", default="en", show_default=True, help="zh-Hans, zh-Hant or en")
def rectification_list(round_id, department_code, lang):
    """Print the items a round shows (carried ones from earlier rounds included): id, department, status, due."""
    from flask_babel import force_locale

    from surveyapp.services.rectification import item_title, items_of_round, status_name

    round_ = _round(round_id)
    department = _department(round_, department_code) if department_code else None
    lang = language_option(lang)
    with force_locale(lang):
        for item in items_of_round(round_, department):
            fields = [
                item.id,
                item.organisation.code,
                item.status,
                status_name(item.status),
                f"due {item.due_on.isoformat()}",
                f"{item.source}:{item.reference}",
                item_title(item, lang),
            ]
            click.echo("\t".join(map(str, fields)))


@rectification_cli.command("open")
@click.option("--round", "round_id", type=int, required=True)
@click.option("--department", "department_code", required=True)
@click.option(
    "--from-results", is_flag=True, help="Open items for the declared red lines and dimensions below the pass line."
)
@click.option("--title", help="A manual item's title.")
@click.option("--detail", default="")
@click.option("--owner", "owner_email", help="E-mail of a coordinator of the department (default: the first one).")
@click.option("--working-days", type=click.IntRange(min=1), help="Default per source (manual: 20).")
@click.option("--due", type=click.DateTime(formats=["%Y-%m-%d"]), help="A due date instead of working days.")
def rectification_open(round_id, department_code, from_results, title, detail, owner_email, working_days, due):
    """Open items from the round's results, or one item by hand."""
    from flask_babel import force_locale

    from surveyapp.domain.rectification import MANUAL
    from surveyapp.services.rectification import (
        RectificationError,
        default_owner,
        open_from_round_results,
        open_item,
    )
    from surveyapp.services.users import user_by_email

    round_ = _round(round_id)
    department = _department(round_, department_code)
    with force_locale("en"):
        try:
            if from_results:
                skipped: list = []
                created = open_from_round_results(round_, department, due_on=due.date() if due else None,
                                                  skipped=skipped)  # fmt: skip
                for item in created:
                    click.echo(f"opened {item.id}\t{item.source}:{item.reference}\tdue {item.due_on.isoformat()}")
                click.echo(f"{len(created)} items opened.")
                for title, message in skipped:
                    click.echo(f"not opened: {title}: {message}", err=True)
                return
            if not title:
                raise click.UsageError("give --title for an item by hand, or --from-results")
            owner = user_by_email(owner_email) if owner_email else default_owner(department)
            if owner_email and owner is None:
                raise click.ClickException(f"no account {owner_email}")
            item, created = open_item(round_, department, MANUAL, "", title, detail=detail, owner=owner,
                                      working_days=working_days, due_on=due.date() if due else None)  # fmt: skip
        except RectificationError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{'opened' if created else 'already open'} {item.id}\tdue {item.due_on.isoformat()}")


@rectification_cli.command("export")
@click.option("--round", "round_id", type=int, required=True)
@click.option("--department", "department_code")
@click.option("--lang", default="zh_Hans", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True)
def rectification_export(round_id, department_code, lang, fmt, out):
    """Write the round's items (carried ones included) as CSV, XLSX or JSON (with their history)."""
    import json
    from pathlib import Path

    from flask_babel import force_locale

    from surveyapp.definitions.spreadsheet import csv_text, write_xlsx
    from surveyapp.services.rectification import export_rows, item_dict, items_of_round, record_export

    round_ = _round(round_id)
    department = _department(round_, department_code) if department_code else None
    lang = language_option(lang)
    with force_locale(lang):
        if fmt == "json":
            data = [item_dict(item, lang) for item in items_of_round(round_, department)]
            Path(out).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            rows = list(export_rows(round_, lang, department))
            if fmt == "csv":
                Path(out).write_text(csv_text(rows), encoding="utf-8")
            else:
                write_xlsx(rows, "rectification", out)
    record_export(round_, None, fmt)
    click.echo(f"Wrote {out}")


@rectification_cli.command("report")
@click.option("--round", "round_id", type=int, required=True)
@click.option("--department", "department_code", required=True)
@click.option("--lang", default="zh_Hans", show_default=True, help="zh-Hans, zh-Hant or en")
@click.option("--out", type=click.Path(dir_okay=False), required=True)
def rectification_report(round_id, department_code, lang, out):
    """Write the department's rectification report (.docx, GB/T 9704 official-document layout)."""
    from pathlib import Path

    from surveyapp.services.rectification import rectification_report as build

    round_ = _round(round_id)
    department = _department(round_, department_code)
    Path(out).write_bytes(build(round_, department, language_option(lang), None))
    click.echo(f"Wrote {out}")


@rectification_cli.command("remind")
def rectification_remind():
    """Flag overdue items and e-mail their owners (limits and SMTP settings of the round reminders)."""
    from flask_babel import force_locale

    from surveyapp.services.rectification import mark_overdue, overdue_without_recipient, send_overdue_reminders
    from surveyapp.services.reminders import ReminderError

    mark_overdue()
    for item in overdue_without_recipient():
        click.echo(f"item {item.id} ({item.organisation.code}) is overdue and nobody can be reminded: "
                   "no owner and no active coordinator in the department", err=True)  # fmt: skip
    with force_locale("en"):
        try:
            sent = send_overdue_reminders()
        except ReminderError:
            raise click.ClickException(
                "No SMTP server is configured (SURVEYAPP_MAIL_SERVER): overdue items are flagged, no e-mail is "
                "sent. 'flask rectification export --round R' writes the items with their owners and status."
            ) from None
    for item, user in sent:
        click.echo(f"reminded {user.email} about item {item.id}")
    click.echo(f"{len(sent)} reminders sent.")
