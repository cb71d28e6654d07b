"""Environment check."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


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
