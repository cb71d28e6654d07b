"""What the app exports and can import again reads back exactly, hostile text included: the apostrophe an
export adds against spreadsheet formulas is removed on import, and only that one (``definitions/spreadsheet``)."""

import io

from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation, User
from tests.helpers import sign_in

HOSTILE = [
    "=cmd|' /C calc'!A0",
    "'=cmd|' /C calc'!A0",
    "+86 10 1234",
    "-3",
    "@SUM(A1)",
    "'\tTAB",
    "'quoted'",
    "''@x",
    "it's",
]  # fmt: skip (names are stored stripped, so none starts with a tab itself)


def _names(app, codes) -> dict[str, tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(Organisation).where(Organisation.code.in_(codes)))
        return {o.code: (o.name_zh_hans, o.name_zh_hant, o.name_en) for o in rows}


def test_organisation_export_then_web_import_is_exact(app, runner, assessment, create_org):
    agency = assessment["agency"]
    codes = []
    for number, name in enumerate(HOSTILE):
        code = f"H{number:02d}"
        create_org(code, parent=agency, name=name)
        codes.append(code)
    original = _names(app, codes)
    exported = runner.invoke(args=["org", "export"]).output
    assert "'=cmd" in exported, "the export protects formula-like text"
    with app.app_context():  # the names change in between: the import must set them back exactly
        for organisation in db.session.scalars(select(Organisation).where(Organisation.code.in_(codes))):
            organisation.name_zh_hans = organisation.name_zh_hant = organisation.name_en = "changed"
        db.session.commit()
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    mine = "".join(line for line in exported.splitlines(keepends=True)
                   if line.startswith(("\ufeffcode", "code")) or ",AG," in line)  # fmt: skip
    done = admin.post("/admin/organisations/import", data={"file": (io.BytesIO(mine.encode("utf-8")), "o.csv")},
                      content_type="multipart/form-data")  # fmt: skip
    assert done.status_code in (200, 302), done.get_data(as_text=True)[:2000]
    assert _names(app, codes) == original


def test_organisation_export_then_cli_import_is_exact(app, runner, assessment, create_org, tmp_path):
    for number, name in enumerate(HOSTILE):
        create_org(f"C{number:02d}", parent=assessment["agency"], name=name)
    codes = [f"C{number:02d}" for number in range(len(HOSTILE))]
    original = _names(app, codes)
    path = tmp_path / "o.csv"
    path.write_text(runner.invoke(args=["org", "export"]).output, encoding="utf-8")
    with app.app_context():
        for organisation in db.session.scalars(select(Organisation).where(Organisation.code.in_(codes))):
            organisation.name_zh_hans = "changed"
        db.session.commit()
    result = runner.invoke(args=["org", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert _names(app, codes) == original


def test_account_import_reads_protected_names_as_the_exports_write_them(app, runner, assessment, tmp_path):
    from surveyapp.definitions.spreadsheet import csv_text

    rows = [["email", "role", "department_code", "name", "staff_level", "post"]]
    rows += [[f"u{number}@ag.example", "staff", "D01", name, "", ""] for number, name in enumerate(HOSTILE)]
    path = tmp_path / "accounts.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path), "--passwords-out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = dict(
            db.session.execute(select(User.email, User.display_name).where(User.email.like("u%@ag.example"))).all()
        )
    assert stored == {f"u{number}@ag.example": name for number, name in enumerate(HOSTILE)}


def test_csv_downloads_protect_text_once(app, assessment, create_user):
    """A value passes the formula protection exactly once, whatever path builds the rows: reading a
    download back (``csv_dicts``) gives the stored text (invitation links, reminder list)."""
    from surveyapp.definitions.spreadsheet import csv_dicts
    from surveyapp.services.invitations import create_invitations

    label = '\'=HYPERLINK("x")'
    create_user("late@d01.example", "staff", organisation=assessment["d1"], display_name=label)
    with app.test_request_context():
        round_ = db.session.get(AssessmentRound, assessment["round_id"])
        department = db.session.get(Organisation, assessment["d1"].id)
        create_invitations(round_, department, 1, None, label)
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    _, links = csv_dicts(admin.get(f"/admin/rounds/{assessment['round_id']}/invitations.csv").get_data(as_text=True))
    assert [row["label"] for row in links] == [label]
    reminders = admin.get(f"/admin/rounds/{assessment['round_id']}/reminders.csv").get_data(as_text=True)
    _, rows = csv_dicts(reminders)
    assert label in [row["Name"] for row in rows]
