"""Assessment rounds: ``flask rounds``."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from surveyapp.cli._common import organisation_by_code

rounds_cli = AppGroup("rounds", help="Open and list assessment rounds.")


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
