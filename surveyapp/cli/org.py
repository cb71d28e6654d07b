"""The organisation tree: ``flask org``."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from surveyapp.cli._common import organisation_by_code

org_cli = AppGroup("org", help="Manage the organisation tree.")


@org_cli.command("add")
@click.option("--code", required=True)
@click.option("--kind", type=click.Choice(["agency", "department", "unit"]), required=True)
@click.option("--parent", "parent_code", help="Code of the parent organisation.")
@click.option("--name-zh-hans", required=True)
@click.option("--name-zh-hant", default="", help="Optional; shown as the Simplified name when empty.")
@click.option("--name-en", default="", help="Optional; shown as the Simplified name when empty.")
def org_add(code, kind, parent_code, name_zh_hans, name_zh_hant, name_en):
    """Add an agency, department or unit."""
    from surveyapp.services.organisations import OrganisationError, save_organisation

    parent = organisation_by_code(parent_code) if parent_code else None
    try:
        save_organisation(
            None, code=code, kind=kind, name_zh_hans=name_zh_hans, name_zh_hant=name_zh_hant, name_en=name_en,
            parent=parent,
        )  # fmt: skip
    except OrganisationError as exc:
        with force_locale("en"):
            raise click.ClickException(f"{code}: {exc}") from None
    click.echo(f"Added {kind} {code}.")


@org_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def org_import(path):
    """Create or update organisations from a CSV file (code, kind, name_zh_hans; optional parent_code,
    name_zh_hant, name_en), saved as UTF-8 (with or without BOM) or GB18030/GBK. All rows or none."""
    from surveyapp.services.organisations import OrganisationImportError, import_organisations_file

    with open(path, "rb") as handle:
        data = handle.read()
    try:
        created, updated = import_organisations_file(data, path)
    except OrganisationImportError as exc:
        with force_locale("en"):
            for problem in exc.problems:
                click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported") from None
    click.echo(f"Imported {path}: {created} created, {updated} updated.")


@org_cli.command("export")
@click.option("--out", type=click.Path(dir_okay=False), help="Default: standard output.")
def org_export(out):
    """Write the organisation tree as CSV."""
    from surveyapp.services.organisations import export_organisations

    text = export_organisations()
    if out:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"Wrote {out}")
    else:
        click.echo(text, nl=False)
