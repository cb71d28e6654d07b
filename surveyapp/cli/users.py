"""Accounts: ``flask users``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from surveyapp.cli._common import organisation_by_code
from surveyapp.permissions import Role

users_cli = AppGroup("users", help="Manage accounts.")


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
    from surveyapp.services.users import AccountError, create_user

    organisation = organisation_by_code(department_code) if department_code else None
    password = None if generate else sys.stdin.readline().rstrip("\n")
    try:
        user, password = create_user(email, role, password, organisation=organisation, display_name=display_name)
    except AccountError as exc:
        with force_locale("en"):
            raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.email} ({user.role}).")
    if generate:
        click.echo(f"One-time password: {password}")


@users_cli.command("set-password")
@click.argument("email")
def users_set_password(email):
    """Give EMAIL a new one-time password (for a lost password); it must be changed at sign-in.

    Ends the account's sessions and is recorded in the audit log.
    """
    from surveyapp.services.users import reset_password, user_by_email

    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account with e-mail {email!r}")
    password = reset_password(user, None, via="cli")
    click.echo(f"New one-time password for {user.email} (shown once; to be changed at the next sign-in):")
    click.echo(f"  password: {password}")


@users_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--passwords-out", required=True, type=click.Path(dir_okay=False),
              help="New file (mode 0600) for the one-time passwords; never printed or logged.")  # fmt: skip
def users_import(path, passwords_out):
    """Create accounts from a CSV file (email, role, department_code, name, staff_level, post): all rows or none."""
    import os

    from surveyapp.services.account_import import AccountImportError, import_accounts, passwords_csv
    from surveyapp.services.questionnaires import latest_version

    row = latest_version("transparency")
    levels, posts = (row.questionnaire.staff_levels, row.questionnaire.staff_posts) if row else (None, None)
    with open(path, "rb") as handle:
        data = handle.read()
    try:  # the file is made before any account, so the passwords always have somewhere to go
        fd = os.open(passwords_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{passwords_out} exists already; choose a new file for the passwords") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle, force_locale("en"):
        try:
            created = import_accounts(data, None, levels, posts)
        except AccountImportError as exc:
            handle.close()
            os.unlink(passwords_out)
            for problem in exc.problems:
                click.echo(f"{path}: {problem}", err=True)
            raise click.ClickException(f"no accounts created ({len(exc.problems)} problem(s))") from None
        handle.write(passwords_csv(created))
    click.echo(f"{len(created)} accounts created; one-time passwords written to {passwords_out}")
