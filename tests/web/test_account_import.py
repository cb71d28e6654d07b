"""Accounts from a CSV file: all rows or none, each problem with its row, UTF-8 / BOM / GBK, one-time
passwords to a file or a single download and never to the log; staff need a department."""

import csv
import io
import logging
import stat

import pytest
from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import Organisation, User
from tests.helpers import sign_in

HEADER = "email,role,department_code,name,staff_level,post\n"
GOOD = HEADER + (
    "li.ming@ag.example,staff,D01,李明,clerk,new_media\n"
    "wang.fang@ag.example,coordinator,D02,王芳,,\n"
    "zhao.lei@ag.example,trainer,AG,赵磊,,\n"
)


def account_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def passwords(text: str) -> dict[str, str]:
    return {r["email"]: r["one_time_password"] for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_cli_imports_every_row_in_each_encoding(app, runner, assessment, tmp_path, encoding, caplog):
    source = tmp_path / "accounts.csv"
    source.write_bytes(GOOD.encode(encoding))
    out = tmp_path / "passwords.csv"
    with caplog.at_level(logging.DEBUG):
        result = runner.invoke(args=["users", "import", str(source), "--passwords-out", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    secret = passwords(out.read_text(encoding="utf-8"))
    assert set(secret) == {"li.ming@ag.example", "wang.fang@ag.example", "zhao.lei@ag.example"}
    assert not any(p in result.output or p in caplog.text for p in secret.values()), "passwords never on screen or log"
    with app.app_context():
        li = db.session.scalar(select(User).where(User.email == "li.ming@ag.example"))
        assert (li.display_name, li.role, li.organisation.code, li.level, li.post) == (
            "李明", "staff", "D01", "clerk", "new_media")  # fmt: skip
        assert li.must_change_password
    client = app.test_client()
    signed_in = client.post("/login", data={"email": "li.ming@ag.example", "password": secret["li.ming@ag.example"]})
    assert signed_in.status_code == 302, "the one-time password signs in"
    assert "/account/password" in client.get("/my").headers.get("Location", ""), "and must be changed first"


def test_a_file_with_problems_creates_nothing_and_names_each_row(app, runner, assessment, tmp_path):
    before = account_count(app)
    source = tmp_path / "accounts.csv"
    source.write_text(
        HEADER
        + "ok@ag.example,staff,D01,好,,\n"
        + "not-an-address,staff,D01,,,\n"
        + "ok@ag.example,staff,D01,,,\n"
        + "nodept@ag.example,coordinator,,,,\n"
        + "bad@ag.example,chief,D01,,,\n"
        + "gone@ag.example,staff,NOPE,,,\n"
        + "level@ag.example,staff,D01,,general,\n",
        encoding="utf-8",
    )
    out = tmp_path / "passwords.csv"
    result = runner.invoke(args=["users", "import", str(source), "--passwords-out", str(out)])
    assert result.exit_code != 0 and "no accounts created (6 problem(s))" in result.output
    for expected in ("row 3: email", "row 4: email: appears again (first on row 2)", "row 5: department_code",
                     "row 6: role", "row 7: department_code: no organisation NOPE", "row 8: staff_level"):  # fmt: skip
        assert expected in result.output, expected
    assert account_count(app) == before, "all rows or none"
    assert not out.exists(), "no password file without accounts"


def test_an_existing_password_file_is_never_overwritten(runner, assessment, tmp_path):
    source, out = tmp_path / "accounts.csv", tmp_path / "passwords.csv"
    source.write_text(GOOD, encoding="utf-8")
    out.write_text("keep me")
    result = runner.invoke(args=["users", "import", str(source), "--passwords-out", str(out)])
    assert result.exit_code != 0 and out.read_text() == "keep me"


def test_web_import_downloads_passwords_once_or_lists_problems(app, assessment, create_org, create_user):
    other = create_org("OTHER", kind="agency")
    create_org("OD1", parent=other)
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    assert "Import accounts" in admin.get("/admin/users").get_data(as_text=True)
    refused = admin.post("/admin/users/import", data={
        "file": (io.BytesIO((HEADER + "x@ag.example,staff,OD1,,,\ny@ag.example,sysadmin,D01,,,\n").encode("gbk")),
                 "a.csv")}, content_type="multipart/form-data")  # fmt: skip
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Nothing was saved" in page
    assert "row 2: department_code: outside your scope" in page and "row 3: role" in page
    before = account_count(app)
    done = admin.post("/admin/users/import", data={"file": (io.BytesIO(GOOD.encode("utf-8-sig")), "a.csv")},
                      content_type="multipart/form-data")  # fmt: skip
    assert done.status_code == 200 and done.headers["Content-Disposition"].startswith("attachment")
    assert done.headers["Cache-Control"] == "no-store"
    assert len(passwords(done.get_data(as_text=True))) == 3 and account_count(app) == before + 3


def test_single_account_form_refuses_staff_without_a_department(app, assessment):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    with app.app_context():
        agency = db.session.scalar(select(Organisation).where(Organisation.code == "AG"))
    answer = admin.post("/admin/users/new", data={"email": "s@ag.example", "role": "staff",
                                                  "organisation_id": agency.id})  # fmt: skip
    assert answer.status_code == 400 and "must belong to a department" in answer.get_data(as_text=True)


def test_web_organisation_import_stays_in_scope(app, assessment, create_org):
    other = create_org("OTHER", kind="agency")
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    header = "code,kind,parent_code,name_zh_hans,name_zh_hant,name_en\n"
    outside = header + f"X1,department,{other.code},外,外,Out\n"
    refused = admin.post("/admin/organisations/import", data={"file": (io.BytesIO(outside.encode()), "o.csv")},
                         content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 400 and "outside your scope" in refused.get_data(as_text=True)
    inside = header + "D09,department,AG,财政局,財政局,Finance Bureau\n"
    saved = admin.post("/admin/organisations/import", data={"file": (io.BytesIO(inside.encode("gbk")), "o.csv")},
                       content_type="multipart/form-data")  # fmt: skip
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Organisation.name_zh_hans).where(Organisation.code == "D09")) == "财政局"


def test_the_import_page_says_it_is_working_and_then_how_many_were_created(app, assessment):
    """QA fault 17: nothing while the import ran (~0.6 s an account) and no count afterwards."""
    client = app.test_client()
    sign_in(client, "admin@ag.example", lang="en")
    page = client.get("/admin/users/import").text
    assert "data-working=" in page and "js/import.js" in page and 'role="status"' in page
    upload = {"file": (io.BytesIO(GOOD.encode("utf-8")), "accounts.csv")}
    sent = client.post("/admin/users/import", data=upload, content_type="multipart/form-data")
    assert sent.status_code == 200 and sent.mimetype == "text/csv"
    assert "account_import_done=1" in sent.headers.get("Set-Cookie", "")
    after = client.get("/admin/users/import").text
    assert "3 accounts created" in after


def test_import_problems_read_in_the_page_language(app, assessment):
    """QA fault 13: organisation and account import problems were English on Chinese pages."""
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="zh_Hans")
    bad = "code,kind,parent_code,name_zh_hans\nX1,department,NOPE,甲\n"
    page = admin.post("/admin/organisations/import", data={"file": (io.BytesIO(bad.encode()), "o.csv")},
                      content_type="multipart/form-data").get_data(as_text=True)  # fmt: skip
    assert "o.csv：第 2 行，parent_code：没有代码为 &#39;NOPE&#39; 的机构" in page, page[page.find("<ul>") :][:400]
    header_only = "code,kind,parent_code\nX1,department,AG\n"
    page = admin.post("/admin/organisations/import", data={"file": (io.BytesIO(header_only.encode()), "o.csv")},
                      content_type="multipart/form-data").get_data(as_text=True)  # fmt: skip
    assert "表头：缺少列：name_zh_hans" in page and "missing column" not in page
    accounts = HEADER + "x@ag.example,staff,NOPE,X,,\n"
    page = admin.post("/admin/users/import", data={"file": (io.BytesIO(accounts.encode()), "a.csv")},
                      content_type="multipart/form-data").get_data(as_text=True)  # fmt: skip
    assert "第 2 行，department_code：" in page and "no organisation" not in page
