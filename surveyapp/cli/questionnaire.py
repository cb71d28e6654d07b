"""Questionnaire definitions: ``flask questionnaire``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

questionnaire_cli = AppGroup("questionnaire", help="Validate, load, list, import and export questionnaires.")


def _read_definition_file(path: str):
    """A questionnaire from a .yaml/.yml or .xlsx file (validated); XLSForm warnings are printed."""
    from surveyapp.definitions.loader import load_file
    from surveyapp.definitions.xlsform import import_xlsform

    if path.lower().endswith(".xlsx"):
        warnings: list = []
        try:
            return import_xlsform(path, warnings=warnings)
        finally:
            for warning in warnings:
                click.echo(f"warning: {warning}", err=True)
    if path.lower().endswith((".yaml", ".yml")):
        return load_file(path)
    raise click.ClickException(f"{path}: unknown file type; use .yaml, .yml or .xlsx")


@questionnaire_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def questionnaire_validate(path):
    """Check a definition (.yaml or .xlsx) and list every problem found."""
    from surveyapp.definitions.loader import QuestionnaireError

    try:
        questionnaire = _read_definition_file(path)
    except QuestionnaireError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in {path}") from None
    click.echo(
        f"{path}: valid: {questionnaire.key} version {questionnaire.version}, "
        f"{'unscored survey, ' if questionnaire.unscored else ''}"
        f"{len(questionnaire.dimensions)} dimensions, {len(questionnaire.items)} items"
    )


@questionnaire_cli.command("load-builtin")
def questionnaire_load_builtin():
    """Load the questionnaires shipped with the app (idempotent)."""
    from surveyapp.services.questionnaires import load_builtin_questionnaires

    for row, created in load_builtin_questionnaires():
        click.echo(f"{row.key} version {row.version}: {'loaded' if created else 'already loaded'}")


@questionnaire_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def questionnaire_import(path):
    """Validate and load a definition from an XLSForm workbook (or YAML)."""
    from surveyapp.definitions.loader import QuestionnaireError
    from surveyapp.services.questionnaires import VersionConflict, register_questionnaire

    try:
        questionnaire = _read_definition_file(path)
        row, created = register_questionnaire(questionnaire, click.format_filename(path, shorten=True))
    except QuestionnaireError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in {path}; nothing was loaded") from None
    except VersionConflict as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{row.key} version {row.version}: {'loaded' if created else 'already loaded, unchanged'}")


@questionnaire_cli.command("list")
def questionnaire_list():
    """List the loaded questionnaires and versions."""
    from surveyapp.services.questionnaires import list_questionnaires, questionnaire_from_row

    rows = list_questionnaires()
    if not rows:
        click.echo("No questionnaire loaded; run `flask questionnaire load-builtin`.")
    for row in rows:
        questionnaire = questionnaire_from_row(row)
        click.echo(
            f"{row.key}\tversion {row.version}\t{len(questionnaire.items)} items\t"
            f"{row.source_name}\t{questionnaire.title.en}"
        )


@questionnaire_cli.command("export")
@click.argument("key")
@click.option("--version", "version", type=int, help="Default: the newest version.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default="yaml", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Default: KEY-vVERSION.FORMAT")
def questionnaire_export(key, version, fmt, out):
    """Write a loaded questionnaire as YAML or as an XLSForm workbook."""
    import yaml

    from surveyapp.definitions.loader import to_definition
    from surveyapp.definitions.xlsform import export_xlsform
    from surveyapp.services.questionnaires import get_questionnaire, latest_version

    if version is None:
        row = latest_version(key)
        if row is None:
            raise click.ClickException(f"no questionnaire {key!r} is loaded")
        version = row.version
    try:
        questionnaire = get_questionnaire(key, version)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    out = out or f"{key}-v{version}.{fmt}"
    if fmt == "xlsx":
        content = export_xlsform(questionnaire)
    else:
        content = yaml.safe_dump(to_definition(questionnaire), allow_unicode=True, sort_keys=False, width=120).encode(
            "utf-8"
        )
    with open(out, "wb") as handle:
        handle.write(content)
    click.echo(f"Wrote {out}")


@questionnaire_cli.command("diff")
@click.argument("key")
@click.argument("from_version", type=int)
@click.argument("to_version", type=int)
def questionnaire_diff(key, from_version, to_version):
    """Print the crosswalk between two versions: same, changed, new and retired items; dimensions."""
    from surveyapp.definitions.crosswalk import CrosswalkError
    from surveyapp.services.questionnaires import version_crosswalk

    try:
        crosswalk = version_crosswalk(key, from_version, to_version)
    except KeyError as exc:
        raise click.ClickException(f"{exc.args[0]} (run flask questionnaire load-builtin first?)") from None
    except CrosswalkError as exc:
        raise click.ClickException(str(exc)) from None
    for line in crosswalk.lines():
        click.echo(line)
