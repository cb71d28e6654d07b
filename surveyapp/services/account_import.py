"""Accounts at scale: create many accounts from one CSV file, all rows or none.

Columns (header row, any order): ``email, role, department_code, name, staff_level, post``. Each
account gets a generated one-time password that must be changed at the first sign-in; the
passwords are returned to the caller (a file the operator chooses, or a one-time download) and
never logged or stored in clear. Every problem is reported with its row, and nothing is written
unless the whole file is valid.
"""

from __future__ import annotations

import csv
import io
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from surveyapp.definitions.csvtext import CsvEncodingError, decode_csv
from surveyapp.definitions.spreadsheet import csv_dicts
from surveyapp.extensions import db
from surveyapp.models import Organisation, User
from surveyapp.permissions import Role, in_scope
from surveyapp.services.audit import record_event
from surveyapp.services.import_problems import SAVE_AS_CSV, RowProblem
from surveyapp.services.users import department_required_message, hash_password, needs_department

COLUMNS = ("email", "role", "department_code", "name", "staff_level", "post")
MAX_ROWS = 5000


class AccountImportError(ValueError):
    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def import_accounts(
    data: bytes, actor=None, staff_levels: dict | None = None, staff_posts: dict | None = None
) -> list[tuple[str, str]]:
    """Create the accounts of a CSV file; returns ``[(email, one-time password)]`` in file order.

    ``actor`` (None: the command line) limits roles and departments to what they may manage;
    ``staff_levels`` / ``staff_posts`` are the accepted keys (None: any). Raises
    AccountImportError listing every problem; nothing is written then.
    """
    try:
        text = decode_csv(data)
    except CsvEncodingError:
        raise AccountImportError([RowProblem(0, "", SAVE_AS_CSV)]) from None
    fieldnames, table = csv_dicts(text)  # the formula-protecting apostrophes of our own exports removed
    header = [(name or "").strip().lower() for name in fieldnames]
    table = [{key: row.get(name) for name, key in zip(fieldnames, header, strict=True)} for row in table]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        message = _l("missing column(s): %(names)s", names=", ".join(missing))
        raise AccountImportError([RowProblem(1, "", message)])
    rows = list(enumerate(table, start=2))
    if not rows:
        raise AccountImportError([RowProblem(0, "", _l("The file has no accounts."))])
    if len(rows) > MAX_ROWS:
        raise AccountImportError([RowProblem(0, "", _l("At most %(n)d accounts per file.", n=MAX_ROWS))])
    organisations = {o.code: o for o in db.session.scalars(select(Organisation))}
    existing = set(db.session.scalars(select(User.email)))
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    accepted = []
    for number, raw in rows:
        row = {key: (raw.get(key) or "").strip() for key in COLUMNS}
        before = len(problems)
        email = row["email"].lower()
        if "@" not in email or len(email) > 254:
            problems.append(RowProblem(number, "email", _l("not an e-mail address")))
        elif email in existing:
            problems.append(RowProblem(number, "email", _l("an account for %(email)s exists already", email=email)))
        elif email in seen:
            problems.append(RowProblem(number, "email", _l("appears again (first on row %(n)d)", n=seen[email])))
        seen.setdefault(email, number)
        try:
            role = Role(row["role"].lower())
        except ValueError:
            role = None
            names = ", ".join(r.value for r in Role)
            problems.append(RowProblem(number, "role", _l("not one of %(names)s", names=names)))
        if role == Role.SYSADMIN and actor is not None and actor.role != Role.SYSADMIN:
            problems.append(RowProblem(number, "role", _l("only a system administrator may create this role")))
        organisation = None
        if row["department_code"]:
            organisation = organisations.get(row["department_code"])
            if organisation is None:
                code = row["department_code"]
                problems.append(RowProblem(number, "department_code", _l("no organisation %(code)s", code=code)))
            elif actor is not None and not in_scope(actor, organisation):
                problems.append(RowProblem(number, "department_code", _l("outside your scope")))
        elif actor is not None and actor.role != Role.SYSADMIN and actor.organisation_id is not None:
            problems.append(RowProblem(number, "department_code", _l("empty: choose an organisation in your scope")))
        if (
            role is not None
            and needs_department(role, organisation)
            and not (row["department_code"] and organisation is None)
        ):
            problems.append(RowProblem(number, "department_code", department_required_message()))
        for column, allowed in (("staff_level", staff_levels), ("post", staff_posts)):
            if row[column] and allowed is not None and row[column] not in allowed:
                names = ", ".join(allowed)
                problems.append(RowProblem(number, column, _l("not one of %(names)s", names=names)))
        if len(row["name"]) > 200:
            problems.append(RowProblem(number, "name", _l("longer than 200 characters")))
        if len(problems) == before:
            accepted.append((email, role, organisation, row))
    if problems:
        raise AccountImportError(problems)
    created = []
    for email, role, organisation, row in accepted:
        password = secrets.token_urlsafe(12)
        user = User(
            email=email, role=role.value, password_hash=hash_password(password), organisation=organisation,
            display_name=row["name"], level=row["staff_level"] or None, post=row["post"] or None,
            must_change_password=True,
        )  # fmt: skip
        db.session.add(user)
        db.session.flush()
        record_event("account.create", actor=actor, obj=user, role=role.value, source="import")
        created.append((email, password))
    record_event("account.import", actor=actor, count=len(created))
    db.session.commit()
    return created


def passwords_csv(created: list[tuple[str, str]]) -> str:
    """The one-time passwords as CSV text (email, one_time_password)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "one_time_password"])
    writer.writerows(created)
    return buffer.getvalue()
