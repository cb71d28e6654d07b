"""Operations as ``flask`` commands. They call the same services as the views."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale

from surveyapp.permissions import Role

users_cli = AppGroup("users", help="Manage accounts.")


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
        user, password = create_user(
            email, role, password, organisation=organisation, display_name=display_name
        )
    except AccountError as exc:
        with force_locale("en"):
            raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.email} ({user.role}).")
    if generate:
        click.echo(f"One-time password: {password}")


def register_commands(app: Flask) -> None:
    app.cli.add_command(doctor_command)
    app.cli.add_command(users_cli)
