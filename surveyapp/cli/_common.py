"""Helpers shared by the command groups: option parsing that turns a bad value into a click error."""

from __future__ import annotations

import os

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


def write_private(path: str, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` readable and writable by the owner only (mode 0600),
    replacing any file there; an existing file's wider mode is narrowed too. Every file of personal data
    or working links the commands write goes through here (invitation CSV and QR sheet, reminder list)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
