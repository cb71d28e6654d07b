"""Operations as ``flask`` commands. They call the same services as the views."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from surveyapp.permissions import Role

users_cli = AppGroup("users", help="Manage accounts.")
rounds_cli = AppGroup("rounds", help="Open and list assessment rounds.")
org_cli = AppGroup("org", help="Manage the organisation tree.")
demo_cli = AppGroup("demo", help="Synthetic data for demos, tests and benchmarks.")
scores_cli = AppGroup("scores", help="Stored scores.")
report_cli = AppGroup("report", help="PDF scorecards.")
api_cli = AppGroup("api", help="API tokens.")
questionnaire_cli = AppGroup("questionnaire", help="Validate, load, list, import and export questionnaires.")


@click.command("doctor")
@with_appcontext
def doctor_command():
    """Check packages, CJK fonts, libharfbuzz-subset0, the database and writable folders."""
    from flask import current_app

    from surveyapp.services.diagnostics import run_diagnostics

    checks = run_diagnostics(current_app._get_current_object())
    for check in checks:
        click.echo(f"[{'ok' if check.ok else 'FAIL'}] {check.name}: {check.message}")
    failed = [check for check in checks if not check.ok]
    if failed:
        click.echo(f"{len(failed)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("All checks passed.")


@users_cli.command("bootstrap")
def users_bootstrap():
    """Create the first administrator on an empty database and print its one-time password."""
    from surveyapp.services.users import bootstrap_admin

    created = bootstrap_admin()
    if created is None:
        click.echo("Accounts exist already; no administrator created.")
        return
    user, password = created
    click.echo("=" * 60)
    click.echo("First administrator created. This password is shown once;")
    click.echo("it must be changed at the first sign-in.")
    click.echo(f"  e-mail:   {user.email}")
    click.echo(f"  password: {password}")
    click.echo("=" * 60)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--department", "department_code", help="Organisation code the account belongs to.")
@click.option("--name", "display_name", default="")
@click.option("--generate", is_flag=True, help="Generate a password and print it once.")
def users_create(email, role, department_code, display_name, generate):
    """Create an account. The password is read from standard input unless --generate is given."""
    from sqlalchemy import select

    from surveyapp.extensions import db
    from surveyapp.models import Organisation
    from surveyapp.services.users import AccountError, create_user

    organisation = None
    if department_code:
        organisation = db.session.scalar(select(Organisation).where(Organisation.code == department_code))
        if organisation is None:
            raise click.ClickException(f"no organisation with code {department_code!r}")
    password = None if generate else sys.stdin.readline().rstrip("\n")
    try:
        user, password = create_user(email, role, password, organisation=organisation, display_name=display_name)
    except AccountError as exc:
        with force_locale("en"):
            raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.email} ({user.role}).")
    if generate:
        click.echo(f"One-time password: {password}")


# --- users set-password (issue 14): belongs with the other account commands (cli/users.py). ---


@users_cli.command("set-password")
@click.argument("email")
def users_set_password(email):
    """Give EMAIL a new one-time password (for a lost password); it must be changed at sign-in.

    Ends the account's sessions and is recorded in the audit log.
    """
    from surveyapp.extensions import db
    from surveyapp.models import User
    from surveyapp.services.users import reset_password

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account with e-mail {email!r}")
    password = reset_password(user, None, via="cli")
    click.echo(f"New one-time password for {user.email} (shown once; to be changed at the next sign-in):")
    click.echo(f"  password: {password}")


# --- end users set-password ---


def _read_definition_file(path: str):
    """A questionnaire from a .yaml/.yml or .xlsx file (validated)."""
    from surveyapp.domain.loader import load_file
    from surveyapp.domain.xlsform import import_xlsform

    if path.lower().endswith(".xlsx"):
        return import_xlsform(path)
    if path.lower().endswith((".yaml", ".yml")):
        return load_file(path)
    raise click.ClickException(f"{path}: unknown file type; use .yaml, .yml or .xlsx")


@questionnaire_cli.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def questionnaire_validate(path):
    """Check a definition (.yaml or .xlsx) and list every problem found."""
    from surveyapp.domain.loader import QuestionnaireError

    try:
        questionnaire = _read_definition_file(path)
    except QuestionnaireError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in {path}") from None
    click.echo(
        f"{path}: valid: {questionnaire.key} version {questionnaire.version}, "
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
    from surveyapp.domain.loader import QuestionnaireError
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

    from surveyapp.domain.loader import to_definition
    from surveyapp.domain.xlsform import export_xlsform
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


@org_cli.command("add")
@click.option("--code", required=True)
@click.option("--kind", type=click.Choice(["agency", "department", "unit"]), required=True)
@click.option("--parent", "parent_code", help="Code of the parent organisation.")
@click.option("--name-zh-hans", required=True)
@click.option("--name-zh-hant", required=True)
@click.option("--name-en", required=True)
def org_add(code, kind, parent_code, name_zh_hans, name_zh_hant, name_en):
    """Add an agency, department or unit."""
    from surveyapp.extensions import db
    from surveyapp.models import Organisation

    parent = _organisation(parent_code) if parent_code else None
    if db.session.scalar(select(Organisation).where(Organisation.code == code)):
        raise click.ClickException(f"an organisation with code {code!r} exists already")
    db.session.add(
        Organisation(
            code=code,
            kind=kind,
            parent=parent,
            name_zh_hans=name_zh_hans,
            name_zh_hant=name_zh_hant,
            name_en=name_en,
        )
    )
    db.session.commit()
    click.echo(f"Added {kind} {code}.")


@org_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def org_import(path):
    """Create or update organisations from a CSV file (code, kind, parent_code, name_zh_hans,
    name_zh_hant, name_en). All rows or none."""
    from surveyapp.services.organisations import OrganisationImportError, import_organisations

    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    try:
        created, updated = import_organisations(text, path)
    except OrganisationImportError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported") from None
    click.echo(f"Imported {path}: {created} created, {updated} updated.")


@org_cli.command("export")
@click.option("--out", type=click.Path(dir_okay=False), help="Default: standard output.")
def org_export(out):
    """Write the organisation tree as CSV."""
    from surveyapp.services.organisations import export_organisations

    text = export_organisations()
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Wrote {out}")
    else:
        click.echo(text, nl=False)


def _organisation(code: str):
    from surveyapp.extensions import db
    from surveyapp.models import Organisation

    organisation = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if organisation is None:
        raise click.ClickException(f"no organisation with code {code!r}")
    return organisation


@rounds_cli.command("open")
@click.option("--name", required=True)
@click.option("--agency", "agency_code", required=True, help="Code of the agency running the round.")
@click.option("--departments", required=True, help="Comma-separated department codes.")
@click.option("--questionnaire", "questionnaire_key", default="transparency", show_default=True)
@click.option("--version", "version", type=int, help="Default: the newest loaded version.")
def rounds_open(name, agency_code, departments, questionnaire_key, version):
    """Open an assessment round for some departments and print its id."""
    from surveyapp.services.rounds import RoundError, open_round

    agency = _organisation(agency_code)
    chosen = [_organisation(code.strip()) for code in departments.split(",") if code.strip()]
    try:
        round_ = open_round(name, agency, chosen, questionnaire_key, version)
    except RoundError as exc:
        with force_locale("en"):
            raise click.ClickException(str(exc)) from None
    click.echo(f"Opened round {round_.id}: {round_.name} ({round_.questionnaire_key} v{round_.questionnaire_version})")


@demo_cli.command("seed")
@click.option("--departments", type=click.IntRange(1, 100000), default=10, show_default=True)
@click.option(
    "--respondents",
    type=click.IntRange(0, 10000),
    default=8,
    show_default=True,
    help="Staff respondents per department.",
)
@click.option("--seed", type=int, default=1, show_default=True)
def demo_seed(departments, respondents, seed):
    """Create an agency, departments, staff, a round and realistic submitted responses; print the round id."""
    from surveyapp.services.demo import seed_demo

    result = seed_demo(departments, respondents, seed)
    click.echo(f"Seeded agency {result.agency_code}: {result.departments} departments, {result.responses} responses.")
    click.echo(f"round_id={result.round_id}")


@scores_cli.command("rebuild")
@click.option("--round", "round_id", type=int, help="Only this round (default: all).")
def scores_rebuild(round_id):
    """Recompute stored scores after a rule change and print what changed."""
    from surveyapp.services.scores import rebuild_scores

    changes = rebuild_scores(round_id)
    for change in changes:
        before = "-" if change.before is None else f"{change.before:.2f}"
        after = "-" if change.after is None else f"{change.after:.2f}"
        click.echo(f"response {change.response_id}: {before} ({change.grade_before}) -> {after} ({change.grade_after})")
    click.echo(f"{len(changes)} response(s) changed.")


def _language(value: str) -> str:
    from surveyapp.config import LANGUAGES

    lang = value.replace("-", "_")
    if lang not in LANGUAGES:
        raise click.BadParameter(f"use one of {', '.join(LANGUAGES)}")
    return lang


@report_cli.command("scorecard")
@click.option("--department", "department_code", required=True)
@click.option("--round", "round_id", type=int, required=True)
@click.option("--lang", default="zh_Hans", show_default=True, help="zh-Hans, zh-Hant or en")
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@click.option("--archive", is_flag=True, help="PDF/A-3u for archiving.")
def report_scorecard(department_code, round_id, lang, out, archive):
    """Write one department's scorecard PDF."""
    import shutil

    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound
    from surveyapp.services.scorecards import department_scorecard

    round_ = db.session.get(AssessmentRound, round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    department = _organisation(department_code)
    if department not in round_.departments:
        raise click.ClickException(f"{department_code} is not in round {round_id}")
    path = department_scorecard(round_, department, _language(lang), None, archival=archive)
    shutil.copyfile(path, out)
    click.echo(f"Wrote {out}")


@report_cli.command("bulk")
@click.option("--round", "round_id", type=int, required=True)
@click.option("--lang", default="zh_Hans", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@click.option("--processes", type=click.IntRange(1, 64), help="Default: all cores.")
@click.option("--merged", is_flag=True, help="Also write one merged PDF next to the ZIP.")
def report_bulk(round_id, lang, out, processes, merged):
    """Render every department's scorecard of a round into one ZIP, with a progress bar."""
    import shutil
    from pathlib import Path

    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound, ReportJob
    from surveyapp.services.bulk import RenderStats, run_bulk_job

    round_ = db.session.get(AssessmentRound, round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    job = ReportJob(round_id=round_id, lang=_language(lang), merged=merged, total=len(round_.departments))
    db.session.add(job)
    db.session.commit()
    with click.progressbar(length=job.total, label="Rendering scorecards") as bar:
        last = [0]

        def progress(current):
            bar.update(current.done - last[0])
            last[0] = current.done

        stats = RenderStats()
        job = run_bulk_job(job.id, processes=processes, progress=progress, stats=stats)
    for code, error in sorted((job.failures or {}).items()):
        click.echo(f"FAILED {code}: {error}", err=True)
    if not job.result_path:
        raise click.ClickException(f"export {job.status}")
    shutil.copyfile(job.result_path, out)
    if merged:
        shutil.copyfile(Path(job.result_path).with_suffix(".pdf"), Path(out).with_suffix(".pdf"))
    click.echo(f"Wrote {out}: {job.done - len(job.failures or {})} of {job.total} departments.")
    if stats.rendered:
        click.echo(f"Rendered {stats.rendered} (the others were unchanged and reused); "
                   f"peak memory of a render worker: {stats.peak_worker_rss_kib / 1024:.0f} MiB.")  # fmt: skip


@api_cli.command("token-create")
@click.option("--email", required=True, help="The trainer or administrator the token acts as.")
@click.option("--scopes", default="read:rounds read:scores", show_default=True)
@click.option("--name", default="")
def api_token_create(email, scopes, name):
    """Create a read-only API token and print it once."""
    from surveyapp.extensions import db
    from surveyapp.models import User
    from surveyapp.services.api_tokens import TokenError, create_token

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account {email}")
    try:
        token = create_token(user, scopes.split(), name)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Token (shown once): {token}")


def register_commands(app: Flask) -> None:
    app.cli.add_command(doctor_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(questionnaire_cli)
    app.cli.add_command(rounds_cli)
    app.cli.add_command(org_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(scores_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(api_cli)
