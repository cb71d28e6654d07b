"""Organisation CSV import from the web: the command-line import's rules plus the uploader's scope.

An administrator tied to an organisation may only create or change organisations below it; the
file's rows and parents are checked against that scope before ``import_organisations`` runs (which
then checks the file itself: all rows or none).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from surveyapp.definitions.csvtext import CsvEncodingError, decode_csv
from surveyapp.definitions.spreadsheet import csv_dicts
from surveyapp.permissions import Role, in_scope
from surveyapp.services.import_problems import SAVE_AS_CSV, RowProblem
from surveyapp.services.organisations import OrganisationImportError, import_organisations, organisation_by_code


def import_organisations_upload(data: bytes, filename: str, actor) -> tuple[int, int]:
    """Import an uploaded organisation CSV (UTF-8, with or without BOM, or GBK) within ``actor``'s
    scope. Returns (created, updated); raises OrganisationImportError with every problem."""
    try:
        text = decode_csv(data)
    except CsvEncodingError:
        raise OrganisationImportError(
            [
                RowProblem(
                    0,
                    "",
                    SAVE_AS_CSV,
                    filename,
                )
            ]
        ) from None
    unrestricted = actor.role == Role.SYSADMIN or actor.organisation_id is None
    if not unrestricted:
        problems = []
        for number, row in enumerate(csv_dicts(text)[1], start=2):
            code, parent = (row.get("code") or "").strip(), (row.get("parent_code") or "").strip()
            existing = organisation_by_code(code) if code else None
            if existing is not None and not in_scope(actor, existing):
                problems.append(
                    RowProblem(number, "code", _l("%(code)s is outside your scope", code=repr(code)), filename)
                )
            if not parent:
                problems.append(
                    RowProblem(number, "parent_code", _l("empty: choose an organisation in your scope"), filename)
                )
            else:
                parent_row = organisation_by_code(parent)
                if parent_row is not None and not in_scope(actor, parent_row):
                    message = _l("%(code)s is outside your scope", code=repr(parent))
                    problems.append(RowProblem(number, "parent_code", message, filename))
        if problems:
            raise OrganisationImportError(problems)
    return import_organisations(text, filename, actor)
