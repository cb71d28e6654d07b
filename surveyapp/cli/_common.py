"""Helpers shared by the command groups: option parsing that turns a bad value into a click error."""

from __future__ import annotations

import click
from sqlalchemy import select


def organisation_by_code(code: str):
    from surveyapp.extensions import db
    from surveyapp.models import Organisation

    organisation = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if organisation is None:
        raise click.ClickException(f"no organisation with code {code!r}")
    return organisation


def language_option(value: str) -> str:
    from surveyapp.config import LANGUAGES

    lang = value.replace("-", "_")
    if lang not in LANGUAGES:
        raise click.BadParameter(f"use one of {', '.join(LANGUAGES)}")
    return lang
