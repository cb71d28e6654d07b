"""The inspector: ``flask inspect``. Options are parsed here; everything else is ``services/inspection``."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

inspect_cli = AppGroup("inspect", help="Observe departments' own websites and feeds against the national rules.")


def _department(code: str):
    from surveyapp.services.organisations import organisation_by_code

    department = organisation_by_code(code)
    if department is None:
        raise click.ClickException(f"no organisation with code {code!r}")
    return department


@inspect_cli.command("add-target")
@click.option("--department", "code", required=True, help="Department code.")
@click.option("--url", required=True, help="Home page, feed or CSV export URL (http or https).")
@click.option("--kind", required=True, type=click.Choice(["website", "feed", "csv"]))
@click.option("--column", "columns", multiple=True, help='A column: "URL" or "URL|name|type" (repeatable).')
@click.option("--entrance", "entrances", multiple=True, help="A required entrance (name or word; repeatable).")
def add_target(code, url, kind, columns, entrances):
    """Register a department's website, feed or CSV export; only registered hosts are fetched."""
    from surveyapp.services.inspection import InspectionError, parse_columns
    from surveyapp.services.inspection import add_target as add

    try:
        target = add(_department(code), url, kind, columns=parse_columns("\n".join(columns)), entrances=entrances)
    except InspectionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"target {target.id}: {target.kind} {target.url} ({code})")


@inspect_cli.command("run")
@click.option("--department", "code", help="Department code.")
@click.option("--all", "all_", is_flag=True, help="Every department with registered targets.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Day of the check (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def run(code, all_, as_of, as_json):
    """Inspect a department's (or every department's) targets and store the findings."""
    from surveyapp.services.inspection import (
        InspectionError,
        check_as_of,
        departments_with_targets,
        run_inspection,
        run_json,
    )

    if bool(code) == bool(all_):
        raise click.UsageError("give --department CODE or --all")
    try:
        as_of = check_as_of(as_of.date() if as_of else None)
    except InspectionError as exc:
        raise click.ClickException(str(exc)) from None
    departments = departments_with_targets() if all_ else [_department(code)]
    documents, failed = [], []
    for department in departments:
        try:
            result = run_inspection(department, as_of)
        except Exception as exc:  # one department's failure does not stop the others; nothing of it is kept
            from surveyapp.extensions import db

            db.session.rollback()
            failed.append(department.code)
            click.echo(f"{department.code}: inspection failed: {type(exc).__name__}: {exc}", err=True)
            continue
        document = run_json(department, result)
        documents.append(document)
        if not as_json:
            click.echo(f"{department.code} as of {document['as_of']}: run {result.id}, {result.pages} pages")
            changed = result.rectification or {}
            counts = {k: v for k, v in changed.items() if v and k != "refused"}
            if counts:
                click.echo("  rectification items: " + ", ".join(f"{len(v)} {k}" for k, v in counts.items()))
            for reference, message in changed.get("refused", []):
                click.echo(f"  rectification item not opened for {reference}: {message}", err=True)
            for f in document["findings"]:
                click.echo(f"  {f['status']:<7} {f['check']:<20} observed={f['observed']!r} "
                           f"threshold={f['threshold']} {f['url'] or ''}")  # fmt: skip
    if as_json and documents:
        payload = documents[0] if code else documents
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    if failed:
        raise click.ClickException(f"inspection failed for {', '.join(failed)}")


@inspect_cli.command("probe")
def probe():
    """One availability round over every registered website (15 s timeout); run it on a schedule."""
    from surveyapp.services.inspection import probe_all

    skipped: list = []
    for p in probe_all(skipped):
        click.echo(f"target {p.target_id}: {'ok' if p.ok else 'FAILED'} {p.status_code or ''} {p.error or ''}")
    for target_id, reason in skipped:
        click.echo(f"target {target_id}: not probed ({reason}); not counted")


@inspect_cli.command("schedule")
def schedule_command():
    """With REDIS_URL: schedule inspections and probes on RQ (each job schedules its next one)."""
    from surveyapp.services.inspection import InspectionError, schedule

    try:
        ids = [schedule("run"), schedule("probe"), schedule("prune")]
    except InspectionError as exc:
        raise click.ClickException(str(exc)) from None
    if None in ids:
        raise click.ClickException(
            "REDIS_URL is not set: run `flask inspect run --all`, `flask inspect probe` and `flask inspect prune` "
            "from cron or systemd timers (see the README)"
        )
    click.echo(f"scheduled: {', '.join(ids)} (run `rq worker --with-scheduler surveyapp`)")


@inspect_cli.command("prune")
@click.option(
    "--keep-days", type=click.IntRange(min=1), help="Keep evidence this many days (default: INSPECT_KEEP_DAYS)."
)
@click.option(
    "--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Count days back from this day (default today)."
)
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
def prune(keep_days, as_of, dry_run):
    """Remove the WARC files and snapshots of old runs; findings stay, marked "evidence expired". Snapshots a
    rectification item refers to and each department's latest run are kept."""
    from surveyapp.services.inspection_retention import keep_days as setting
    from surveyapp.services.inspection_retention import prune_evidence

    days = keep_days or setting()
    report = prune_evidence(as_of.date() if as_of else None, days, dry_run=dry_run)
    verb = "would expire" if dry_run else "expired"
    click.echo(f"evidence older than {days} days: {verb} {len(report.runs)} runs ({report.snapshots} snapshots, "
               f"{report.files} WARC files); kept {len(report.kept_for_rectification)} referred to by "
               f"rectification items and {len(report.kept_latest)} latest runs")  # fmt: skip
    for problem in report.problems:
        click.echo(f"could not remove {problem}", err=True)
    if report.problems:
        raise click.ClickException("some WARC files could not be removed (the database marks them expired)")
