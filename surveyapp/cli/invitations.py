"""Invitation links: ``flask invitations create|qr``.

Links are absolute: set ``SURVEYAPP_BASE_URL`` (the public address of the application) first.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from surveyapp.cli._common import language_option, organisation_by_code, write_private

invitations_cli = AppGroup("invitations", help="Create invitation links and print them as QR codes.")


def _round(round_id: int):
    from surveyapp.services.rounds import round_by_id

    round_ = round_by_id(round_id)
    if round_ is None:
        raise click.ClickException(f"no round with id {round_id}")
    return round_


@invitations_cli.command("create")
@click.option("--round", "round_id", required=True, type=int, help="Round id (see `flask rounds list`).")
@click.option("--department", "department_code", required=True, help="Department code.")
@click.option("--count", required=True, type=click.IntRange(1, 1000))
@click.option("--label", default="", help="A note shown in the list of links, e.g. the group invited.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="CSV file for the links (mode 0600).")
def invitations_create(round_id, department_code, count, label, out):
    """Create COUNT links for one department of a round and write them to a CSV file (never to the screen)."""
    from surveyapp.definitions.spreadsheet import csv_text
    from surveyapp.localtime import format_datetime
    from surveyapp.services.invitations import InvitationError, create_invitations, default_expiry, invitation_url

    round_ = _round(round_id)
    department = organisation_by_code(department_code)
    with force_locale("en"):
        try:
            expires = default_expiry(round_)
            tokens = create_invitations(round_, department, count, None, label, expires_at=expires)
            urls = [invitation_url(token) for token in tokens]
        except InvitationError as exc:
            raise click.ClickException(str(exc)) from None
    rows = [["department_code", "label", "expires", "link"]]
    rows += [[department.code, label, format_datetime(expires), url] for url in urls]
    write_private(out, csv_text(rows).encode("utf-8"))  # definitions/spreadsheet: inert cells, BOM
    click.echo(f"{len(urls)} links for {department.code} written to {Path(out).resolve()}")


@invitations_cli.command("qr")
@click.option("--round", "round_id", required=True, type=int)
@click.option("--department", "department_code", default=None, help="Only this department's links.")
@click.option("--lang", default="zh_Hans", callback=lambda _c, _p, v: language_option(v), show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PDF file (mode 0600).")
def invitations_qr(round_id, department_code, lang, out):
    """An A4 sheet of QR codes for the round's unused links, with the department and round on each."""
    from surveyapp.services.invitations import InvitationError, qr_sheet_pdf

    round_ = _round(round_id)
    department = organisation_by_code(department_code) if department_code else None
    with force_locale("en"):
        try:
            pdf = qr_sheet_pdf(round_, lang, None, department=department)
        except InvitationError as exc:
            raise click.ClickException(str(exc)) from None
    write_private(out, pdf)
    click.echo(f"QR sheet written to {Path(out).resolve()}")
