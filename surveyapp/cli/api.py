"""API tokens: ``flask api``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

api_cli = AppGroup("api", help="API tokens.")


@api_cli.command("token-create")
@click.option("--email", required=True, help="The trainer or administrator the token acts as.")
@click.option("--scopes", default="read:rounds read:scores", show_default=True)
@click.option("--name", default="")
def api_token_create(email, scopes, name):
    """Create a read-only API token and print it once."""
    from surveyapp.services.api_tokens import TokenError, create_token
    from surveyapp.services.users import user_by_email

    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    try:
        token = create_token(user, scopes.split(), name)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Token (shown once): {token}")
