"""The organisation tree: create or change one organisation, import and export as CSV (code, kind,
parent_code, three names). Web, CLI and import all write organisations through here, audited."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from surveyapp.definitions.csvtext import CsvEncodingError, decode_csv
from surveyapp.definitions.spreadsheet import csv_dicts, csv_text
from surveyapp.extensions import db
from surveyapp.models import Organisation, OrgKind
from surveyapp.services.audit import record_event
from surveyapp.services.import_problems import SAVE_AS_CSV, RowProblem

COLUMNS = ["code", "kind", "parent_code", "name_zh_hans", "name_zh_hant", "name_en"]
REQUIRED_COLUMNS = ["code", "kind", "name_zh_hans"]  # Traditional and English names are optional


class OrganisationImportError(ValueError):
    """Every problem of an organisation file (``RowProblem``: worded when shown, in the reader's language)."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__(problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class OrganisationError(ValueError):
    """A refused change to one organisation; ``field`` is the form field at fault ("code" or "parent")."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field


def organisation_by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def organisation_by_id(organisation_id: int | None) -> Organisation | None:
    return db.session.get(Organisation, organisation_id) if organisation_id else None


def all_organisations() -> list[Organisation]:
    """Every organisation, by code."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.code)))


def is_below(node: Organisation | None, ancestor: Organisation) -> bool:
    """Whether ``node`` is ``ancestor`` or lies under it in the tree."""
    while node is not None:
        if node.id == ancestor.id:
            return True
        node = node.parent
    return False


def save_organisation(
    organisation: Organisation | None,
    *,
    code: str,
    kind: str,
    name_zh_hans: str,
    name_zh_hant: str,
    name_en: str,
    parent: Organisation | None,
    actor=None,
) -> Organisation:
    """Create (``organisation`` None) or change one organisation, audited, and commit.

    Rules: the code is unique; the parent exists (the caller resolves it; None for a root) and is
    not the organisation itself or one below it. Raises ``OrganisationError`` with nothing written.
    Scope checks (may this actor put it there?) are the caller's, through ``permissions``.
    """
    code = code.strip()
    names = {"name_zh_hans": name_zh_hans, "name_zh_hant": name_zh_hant, "name_en": name_en}
    for field, value in names.items():
        if not (value or "").strip():
            raise OrganisationError(field, _l("Enter a name (not only spaces)."))
    if not code:
        raise OrganisationError("code", _l("Enter a name (not only spaces)."))
    clash = organisation_by_code(code)
    if clash is not None and clash is not organisation:
        raise OrganisationError("code", _l("This code is used already."))
    if organisation is not None and parent is not None and is_below(parent, organisation):
        raise OrganisationError("parent", _l("An organisation cannot belong to itself or to one below it."))
    created = organisation is None
    organisation = organisation or Organisation()
    organisation.code, organisation.kind = code, kind.strip()
    organisation.name_zh_hans, organisation.name_zh_hant = name_zh_hans.strip(), name_zh_hant.strip()
    organisation.name_en = name_en.strip()
    organisation.parent = parent
    db.session.add(organisation)
    db.session.flush()
    record_event("organisation.create" if created else "organisation.update", actor=actor, obj=organisation, code=code)
    db.session.commit()
    return organisation


def organisation_ids_in_scope(user) -> set[int] | None:
    """The ids of the organisations a user's scope covers: their own and everything below it.

    None means everything (a system administrator, or an account tied to no organisation).
    """
    if user.role == "sysadmin" or user.organisation_id is None:
        return None
    children: dict[int | None, list[int]] = {}
    for organisation_id, parent_id in db.session.execute(select(Organisation.id, Organisation.parent_id)):
        children.setdefault(parent_id, []).append(organisation_id)
    found, queue = set(), [user.organisation_id]
    while queue:
        node = queue.pop()
        if node not in found:
            found.add(node)
            queue.extend(children.get(node, []))
    return found


def export_organisations() -> str:
    """The organisation tree as CSV text (BOM first, cells inert: ``definitions.spreadsheet``); the
    columns of ``COLUMNS``, an empty optional name as stored (empty)."""
    rows = db.session.scalars(select(Organisation).order_by(Organisation.id)).all()
    table = [[o.code, o.kind, o.parent.code if o.parent else "", o.name_zh_hans, o.name_zh_hant, o.name_en]
             for o in rows]  # fmt: skip
    return csv_text([COLUMNS, *table])


def import_organisations_file(data: bytes, source: str, actor=None) -> tuple[int, int]:
    """``import_organisations`` of a file's bytes: UTF-8 (with or without BOM) or GB18030/GBK
    (``csvtext.decode_csv``); any other encoding is refused with one line saying how to save it."""
    try:
        text = decode_csv(data)
    except CsvEncodingError:
        raise OrganisationImportError(
            [
                RowProblem(
                    0,
                    "",
                    SAVE_AS_CSV,
                    source,
                )
            ]
        ) from None
    return import_organisations(text, source, actor)


def import_organisations(text: str, source: str, actor=None) -> tuple[int, int]:
    """Create or update organisations from CSV; all rows or none. Returns (created, updated).

    Columns ``code``, ``kind``, ``name_zh_hans`` are required; ``parent_code``, ``name_zh_hant`` and
    ``name_en`` may be missing or empty (an empty name is shown as the Simplified one). Parents may
    appear later in the file or exist already. Problems name the file, the row and the column.
    """
    header, table = csv_dicts(text)  # the formula-protecting apostrophes of our own export removed
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        message = _l("missing column(s): %(names)s", names=", ".join(missing))
        raise OrganisationImportError([RowProblem(1, "header", message, source)])
    rows = list(enumerate(table, start=2))
    problems = []
    existing = {o.code: o for o in db.session.scalars(select(Organisation))}
    codes_in_file = {}

    def problem(number: int, column: str, message) -> None:
        problems.append(RowProblem(number, column, message, source))

    for number, row in rows:
        code = (row.get("code") or "").strip()
        if not code:
            problem(number, "code", _l("empty"))
        elif code in codes_in_file:
            problem(number, "code", _l("%(code)s appears again (first on row %(n)d)", code=repr(code),
                                       n=codes_in_file[code]))  # fmt: skip
        codes_in_file.setdefault(code, number)
        if row.get("kind") not in [k.value for k in OrgKind]:
            problem(number, "kind", _l("%(kind)s is not agency, department or unit", kind=repr(row.get("kind"))))
        if not (row.get("name_zh_hans") or "").strip():
            problem(number, "name_zh_hans", _l("empty"))
        for name in ("name_zh_hans", "name_zh_hant", "name_en"):
            if len((row.get(name) or "").strip()) > 200:
                problem(number, name, _l("longer than 200 characters"))
        parent = (row.get("parent_code") or "").strip()
        if (
            parent
            and parent not in codes_in_file
            and parent not in existing
            and parent not in {(r.get("code") or "").strip() for _, r in rows}
        ):
            problem(number, "parent_code", _l("no organisation %(code)s", code=repr(parent)))
        if parent and parent == code:
            problem(number, "parent_code", _l("an organisation cannot belong to itself"))
    if problems:
        raise OrganisationImportError(problems)
    created = updated = 0
    nodes = dict(existing)
    for _number, row in rows:
        code = row["code"].strip()
        organisation = nodes.get(code)
        if organisation is None:
            organisation = Organisation(code=code)
            db.session.add(organisation)
            nodes[code] = organisation
            created += 1
        else:
            updated += 1
        organisation.kind = row["kind"]
        organisation.name_zh_hans = row["name_zh_hans"].strip()
        organisation.name_zh_hant = (row.get("name_zh_hant") or "").strip()
        organisation.name_en = (row.get("name_en") or "").strip()
    for _number, row in rows:
        parent = (row.get("parent_code") or "").strip()
        nodes[row["code"].strip()].parent = nodes[parent] if parent else None
    record_event("organisation.import", actor=actor, source=source, created=created, updated=updated)
    db.session.commit()
    return created, updated


def organisations_by_ids(ids) -> list[Organisation]:
    """The organisations with these ids, by code."""
    return list(
        db.session.scalars(select(Organisation).where(Organisation.id.in_(list(ids))).order_by(Organisation.code))
    )


def department_names(round_id: int, lang: str, ids=None) -> dict[int, str]:
    """A round's department names in ``lang`` (zh_Hans, zh_Hant, else English) by organisation id; only
    ``ids`` when given. Plain columns: comparisons name thousands of departments."""
    from surveyapp.models.round import round_departments

    column = {"zh_Hans": Organisation.name_zh_hans, "zh_Hant": Organisation.name_zh_hant}.get(
        lang, Organisation.name_en
    )
    # An organisation without a Traditional or English name is shown by its Simplified name.
    column = func.coalesce(func.nullif(column, ""), Organisation.name_zh_hans)
    query = select(Organisation.id, column).join(
        round_departments, round_departments.c.organisation_id == Organisation.id
    )
    query = query.where(round_departments.c.round_id == round_id)
    if ids is not None:
        query = query.where(Organisation.id.in_(list(ids)))
    return dict(db.session.execute(query).all())
