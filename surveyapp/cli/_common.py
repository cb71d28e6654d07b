"""Helpers shared by the command groups: option parsing that turns a bad value into a click error."""

from __future__ import annotations

import click


def organisation_by_code(code: str):
    """The organisation with ``code``; a click error when there is none."""
    from surveyapp.services.organisations import organisation_by_code as lookup

    organisation = lookup(code)
    if organisation is None:
        raise click.ClickException(f"no organisation with code {code!r}")
    return organisation


def language_option(value: str) -> str:
    from surveyapp.config import LANGUAGES
    from surveyapp.i18n import catalogue

    lang = catalogue(value)
    if lang is None:
        raise click.BadParameter(f"use one of {', '.join(LANGUAGES)}")
    return lang
