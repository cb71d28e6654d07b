"""Rectification on the web, the CLI and the API; Word documents opened by python-docx and by LibreOffice."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from datetime import date, timedelta

import docx
import pytest
from sqlalchemy import select

from surveyapp.domain import rectification as rules
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, AuditEvent, Organisation, RectificationItem, User
from surveyapp.services import rectification as service
from surveyapp.services.rounds import open_round
from tests.helpers import sign_in, submit_complete

AHEAD = date.today() + timedelta(days=40)  # a given due day: no holiday schedule of next year needed


def _item_from(response) -> int:
    return int(re.search(r"/rectification/(\d+)$", response.headers["Location"]).group(1))


def _history(app, item_id):
    with app.app_context():
        item = db.session.get(RectificationItem, item_id)
        return item.status, [(e.action, e.to_status, e.comment, e.evidence_url) for e in item.events]


def test_an_item_walks_through_submission_return_resubmission_and_acceptance(app, assessment):
    admin, coordinator, staff = app.test_client(), app.test_client(), app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    sign_in(coordinator, "coord@d01.example", lang="en")
    sign_in(staff, "staff@d01.example", lang="en")
    round_id, d1 = assessment["round_id"], assessment["d1"].id
    coordinator_id = assessment["users"]["coordinator"].id
    page = f"/rounds/{round_id}/departments/{d1}/rectification"

    # Opened by hand by the administrator; a coordinator may not open one.
    form = {"open-title": "政策解读栏目 <script>x</script>", "open-detail": "抽查 3 篇无解读",
            "open-owner_id": str(coordinator_id), "open-due_on": AHEAD.isoformat()}  # fmt: skip
    assert coordinator.post(f"{page}/open", data=form).status_code == 403
    assert admin.post(f"{page}/open", data={**form, "open-title": ""}).status_code == 400  # nothing lost: re-shown
    opened = admin.post(f"{page}/open", data=form)
    assert opened.status_code == 302
    item_id = _item_from(opened)
    listing = coordinator.get(page).get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in listing and "<script>x</script>" not in listing
    assert staff.get(page).status_code == 403 and staff.get(f"/rectification/{item_id}").status_code == 403

    # The coordinator reports with evidence; a bad link is refused and nothing changes.
    submit = f"/rectification/{item_id}/submit"
    bad = coordinator.post(submit, data={"submit-comment": "done", "submit-evidence_url": "javascript:alert(1)"})
    assert bad.status_code == 400 and _history(app, item_id)[0] == rules.OPEN
    assert admin.post(submit, data={"submit-comment": "x"}).status_code == 403  # reviewers do not report
    first = {"submit-comment": "已补充 3 篇解读", "submit-evidence_url": "https://www.example.gov.cn/jd/1"}
    assert coordinator.post(submit, data=first).status_code == 302

    # Returned with a comment (a return without one is refused), resubmitted, accepted.
    review = f"/rectification/{item_id}/review"
    assert coordinator.post(review, data={"review-accept": "1"}).status_code == 403
    assert admin.post(review, data={"review-return_": "1", "review-comment": ""}).status_code == 400
    assert admin.post(review, data={"review-return_": "1", "review-comment": "第 2 篇链接失效"}).status_code == 302
    assert _history(app, item_id)[0] == rules.RETURNED
    assert "第 2 篇链接失效" in coordinator.get(f"/rectification/{item_id}").get_data(as_text=True)
    second = {"submit-comment": "已修复链接", "submit-evidence_url": "https://www.example.gov.cn/jd/2"}
    assert coordinator.post(submit, data=second).status_code == 302
    assert admin.post(review, data={"review-accept": "1", "review-comment": ""}).status_code == 302
    status, history = _history(app, item_id)
    assert status == rules.ACCEPTED
    assert [(a, s) for a, s, _c, _e in history] == [
        ("open", "open"), ("submit", "submitted"), ("return", "returned"), ("submit", "submitted"),
        ("accept", "accepted"),
    ]  # fmt: skip
    assert history[3][3] == "https://www.example.gov.cn/jd/2"
    # Accepted: nothing more to submit; the item page says so in the reader's language.
    assert coordinator.post(submit, data={"submit-comment": "again"}).status_code == 409  # not recorded, said so
    sign_in(coordinator, "coord@d01.example", lang="zh_Hans")
    assert "已验收" in coordinator.get(f"/rectification/{item_id}").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "rectification_items",
                                            AuditEvent.object_id == str(item_id)).order_by(AuditEvent.id)
        ).all()  # fmt: skip
    assert actions == ["rectification.open", "rectification.submit", "rectification.return",
                       "rectification.submit", "rectification.accept"]  # fmt: skip


def test_forms_need_the_csrf_token(app, assessment):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/rounds/{assessment['round_id']}/departments/{assessment['d1'].id}/rectification/open"
    response = admin.post(url, data={"open-title": "x", "open-due_on": AHEAD.isoformat()})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(RectificationItem.id)) is None


@pytest.fixture
def two_rounds(app, assessment):
    """Round 1 with a submitted checklist and items in every state; round 2 opened after it."""
    coordinator = app.test_client()
    sign_in(coordinator, "coord@d01.example", lang="en")
    submit_complete(app, coordinator, assessment["round_id"], "department")
    with app.app_context():
        round1 = db.session.get(AssessmentRound, assessment["round_id"])
        d1 = db.session.get(Organisation, assessment["d1"].id)
        admin = db.session.get(User, assessment["users"]["admin"].id)
        owner = db.session.get(User, assessment["users"]["coordinator"].id)
        made = {}
        for key in ("accepted", "closed", "open", "submitted", "overdue"):
            item, _ = service.open_item(round1, d1, rules.MANUAL, "", f"整改事项 {key}", owner=owner,
                                        due_on=AHEAD, actor=admin)  # fmt: skip
            made[key] = item
        service.submit_item(made["accepted"], owner, "已整改", "https://example.gov.cn/a")
        service.review_item(made["accepted"], admin, accept=True)
        service.close_item(made["closed"], admin, "不再适用")
        service.submit_item(made["submitted"], owner, "已提交", "")
        service.set_due(made["overdue"], admin, due_on=made["overdue"].opened_on)
        service.mark_overdue(today=service.local_today() + timedelta(days=1))  # the agency's day, not the machine's
        round2 = open_round("2027 第二轮", round1.organisation, [d1], "transparency", 1)
        return {"round1": round1.id, "round2": round2.id, "d1": d1.id,
                "items": {k: v.id for k, v in made.items()}}  # fmt: skip


@pytest.mark.slow
def test_round_two_scorecard_shows_last_rounds_items_pdf_and_docx_alike(app, two_rounds, assessment):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    base = f"/rounds/{two_rounds['round2']}/departments/{two_rounds['d1']}"
    pdf = admin.get(f"{base}/scorecard.pdf?lang=en")
    assert pdf.status_code == 200
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "Since last round" in text and assessment_round_name(app, two_rounds["round1"]) in text
    flat = re.sub(r"\s+", " ", text)
    for key, label in (("accepted", "accepted"), ("closed", "closed"), ("open", "open"),
                       ("submitted", "submitted"), ("overdue", "overdue")):  # fmt: skip
        assert f"整改事项 {key} {label}" in flat, key
    word = admin.get(f"{base}/scorecard.docx?lang=en")
    assert word.status_code == 200 and word.mimetype.endswith("wordprocessingml.document")
    document = docx.Document(io.BytesIO(word.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Since last round" in headings and "Summary" in headings
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert cells[cells.index("Closed") : cells.index("Closed") + 6] == ["Closed", "Open", "Overdue", "2", "2", "1"]
    # One fingerprint: the PDF footer's, the DOCX footer's and the CLI's.
    footer = document.sections[0].footer.paragraphs[0].text
    fingerprint = re.search(r"[0-9a-f]{64}", footer).group(0)
    assert fingerprint in flat.replace(" ", "") or fingerprint in text.replace("\n", "")
    result = app.test_cli_runner().invoke(args=["report", "fingerprint", "--round", str(two_rounds["round2"]),
                                                "--department", "D01"])  # fmt: skip
    assert f"SHA-256 {fingerprint}" in result.output
    assert '"since_last_round":{"closed":2' in result.output


def assessment_round_name(app, round_id):
    with app.app_context():
        return db.session.get(AssessmentRound, round_id).name


def test_carried_items_comparison_column_and_since_last_round(app, two_rounds, create_user, assessment):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    page = admin.get(f"/rounds/{two_rounds['round2']}/departments/{two_rounds['d1']}/rectification")
    body = page.get_data(as_text=True)
    # Carried into round 2: the three not finished; the accepted and closed ones are not.
    for key in ("open", "submitted", "overdue"):
        assert f"整改事项 {key}" in body.split("<h2>Items</h2>")[1]
    for key in ("accepted", "closed"):
        assert f"整改事项 {key}" not in body.split("<h2>Items</h2>")[1]
    create_user("trainer@ag.example", "trainer", organisation=assessment["agency"])
    trainer = app.test_client()
    sign_in(trainer, "trainer@ag.example", lang="en")
    compare = trainer.get(f"/compare?round={two_rounds['round2']}").get_data(as_text=True)
    assert "Since last round: closed / open / overdue" in compare
    assert re.search(r'class="since-last-round">2 / 2 / <strong class="red-line">1</strong>', compare)


@pytest.mark.slow
def test_docx_files_open_with_python_docx_and_libreoffice(app, two_rounds, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None and os.environ.get("CI"):
        pytest.fail("LibreOffice (libreoffice-writer-nogui) must be installed in CI: make test installs it")
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="zh_Hans")
    base = f"/rounds/{two_rounds['round1']}/departments/{two_rounds['d1']}"
    files = {}
    for lang in ("zh_Hans", "zh_Hant", "en"):
        report = admin.get(f"{base}/rectification-report.docx?lang={lang}")
        scorecard = admin.get(f"{base}/scorecard.docx?lang={lang}")
        assert report.status_code == scorecard.status_code == 200
        files[f"report-{lang}.docx"], files[f"scorecard-{lang}.docx"] = report.data, scorecard.data
    report = docx.Document(io.BytesIO(files["report-zh_Hans.docx"]))
    texts = [p.text for p in report.paragraphs]
    assert texts[0] == "教育局"  # the issuer's mark (版头)
    title = next(p for p in report.paragraphs if p.style.name == "Title")
    assert "整改情况的报告" in title.text
    assert "AG 部门：" in texts  # the addressee, flush left, with a full-width colon
    headings = [p.text for p in report.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、发现的问题", "二、整改措施", "三、整改结果", "四、尚未完成的事项和下一步"]
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", texts[-1])
    xml = report.element.xml + report.styles.element.xml
    assert 'w:eastAsia="方正小标宋简体"' in xml and 'w:eastAsia="仿宋_GB2312"' in xml and 'w:eastAsia="黑体"' in xml
    import zipfile

    with zipfile.ZipFile(io.BytesIO(files["report-zh_Hans.docx"])) as archive:
        font_table = archive.read("word/fontTable.xml").decode("utf-8")
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="Noto Serif CJK SC"/>' in font_table  # named fallback
    section = report.sections[0]
    assert (round(section.top_margin.mm), round(section.left_margin.mm), round(section.right_margin.mm)) == (37, 28, 26)
    scorecard = docx.Document(io.BytesIO(files["scorecard-en.docx"]))
    assert len(scorecard.inline_shapes) >= 2  # charts as images
    assert {p.style.name for p in scorecard.paragraphs} >= {"Title", "Heading 1", "Heading 2"}
    if soffice is None:
        pytest.skip("soffice is not installed (Debian: libreoffice-writer-nogui)")
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path / "pdf"), *[str(tmp_path / n) for n in files]],
                   check=True, capture_output=True, timeout=240)  # fmt: skip
    for name in files:
        pdf = tmp_path / "pdf" / name.replace(".docx", ".pdf")
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        assert text.strip(), name
    text = subprocess.run(["pdftotext", str(tmp_path / "pdf" / "report-zh_Hant.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode()  # fmt: skip
    assert "整改情況的報告" in text.replace("\n", "")


def test_cli_list_open_export_report_and_scorecard_docx(app, runner, two_rounds, tmp_path):
    round1 = str(two_rounds["round1"])
    listed = runner.invoke(args=["rectification", "list", "--round", round1])
    assert listed.exit_code == 0 and listed.output.count("\n") == 5 and "overdue" in listed.output
    opened = runner.invoke(args=["rectification", "open", "--round", round1, "--department", "D01",
                                 "--title", "=1+1 年报", "--due", AHEAD.isoformat()])  # fmt: skip
    assert opened.exit_code == 0 and opened.output.startswith("opened ")
    refused = runner.invoke(args=["rectification", "open", "--round", round1, "--department", "D01",
                                  "--title", "x", "--owner", "admin@ag.example"])  # fmt: skip
    assert refused.exit_code != 0 and "coordinator" in refused.output
    out = tmp_path / "items.csv"
    exported = runner.invoke(args=["rectification", "export", "--round", round1, "--lang", "en", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "'=1+1 年报" in out.read_text(encoding="utf-8-sig")  # a formula-looking title stays text
    data = tmp_path / "items.json"
    runner.invoke(args=["rectification", "export", "--round", round1, "--format", "json", "--out", str(data)])
    assert {i["status"] for i in json.loads(data.read_text())} == {"accepted", "closed", "open", "submitted", "overdue"}
    word = tmp_path / "r.docx"
    result = runner.invoke(args=["rectification", "report", "--round", round1, "--department", "D01", "--lang", "en",
                                 "--out", str(word)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert docx.Document(str(word)).paragraphs[0].text
    card = tmp_path / "s.docx"
    result = runner.invoke(args=["report", "scorecard", "--round", round1, "--department", "D01", "--format", "docx",
                                 "--lang", "zh-Hant", "--out", str(card)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert any(p.style.name == "Heading 1" for p in docx.Document(str(card)).paragraphs)


def test_api_lists_items_for_administrators_tokens_only(app, two_rounds, assessment, create_user):
    from surveyapp.services.api_tokens import TokenError, create_token

    trainer = create_user("trainer@ag.example", "trainer", organisation=assessment["agency"])
    other = create_user("admin@other.example", "admin", organisation=assessment["d2"])
    former = create_user("former-admin@ag.example", "admin", organisation=assessment["agency"])
    with app.app_context():
        scopes = ["read:rounds", "read:rectification"]
        admin_token = create_token(db.session.get(User, assessment["users"]["admin"].id), scopes)
        with pytest.raises(TokenError, match="administrators' tokens only"):  # a scope a trainer can never use
            create_token(db.session.get(User, trainer.id), scopes)
        trainer_token = create_token(db.session.get(User, former.id), scopes)
        db.session.get(User, former.id).role = "trainer"  # an administrator who became a trainer: refused
        db.session.commit()
        other_token = create_token(db.session.get(User, other.id), scopes)
        plain_token = create_token(db.session.get(User, assessment["users"]["admin"].id), ["read:rounds"])
    client = app.test_client()
    url = f"/api/v1/rounds/{two_rounds['round1']}/rectification?lang=en"
    answer = client.get(url, headers={"Authorization": f"Bearer {admin_token}"})
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert len(items) == 5 and {i["department"] for i in items} == {"D01"}
    accepted = next(i for i in items if i["status"] == "accepted")
    assert [h["action"] for h in accepted["history"]] == ["open", "submit", "accept"]
    assert client.get(url, headers={"Authorization": f"Bearer {trainer_token}"}).status_code == 403
    assert client.get(url, headers={"Authorization": f"Bearer {plain_token}"}).status_code == 403
    # An administrator of another department sees the round only where it is in scope: D01's items are not.
    assert client.get(url, headers={"Authorization": f"Bearer {other_token}"}).status_code == 404


@pytest.fixture
def mail(app_config, smtp_server):
    app_config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER="s@ag.example",
                      REMINDER_MAX_PER_PERSON=1, REMINDER_MIN_HOURS=24)  # fmt: skip
    return smtp_server


def test_round_page_reminds_owners_of_overdue_items(mail, app, two_rounds):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    url = f"/admin/rounds/{two_rounds['round1']}/rectification"
    assert "1 reminders are due now." in admin.get(url).get_data(as_text=True)
    assert admin.post(f"{url}/remind").status_code == 302
    assert [m["X-Envelope-To"] for m in mail.messages] == ["coord@d01.example"]
    assert "整改事项 overdue" in mail.messages[0]["Subject"]
    assert admin.post(f"{url}/remind").status_code == 302 and len(mail.messages) == 1  # at most 1 per item
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "reminder.send"))


def test_a_form_that_no_longer_applies_says_so_and_keeps_the_text(app, assessment):
    """A second tab or a double click: the item has moved on, so the form posted is not shown any more. The
    page says that nothing was recorded and why, and gives the text back; the history is unchanged."""
    admin, coordinator = app.test_client(), app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    sign_in(coordinator, "coord@d01.example", lang="en")
    with app.app_context():
        round_ = db.session.get(AssessmentRound, assessment["round_id"])
        d1 = db.session.get(Organisation, assessment["d1"].id)
        owner = db.session.get(User, assessment["users"]["coordinator"].id)
        item, _ = service.open_item(round_, d1, rules.MANUAL, "", "栏目更新", owner=owner, due_on=AHEAD)
        item_id = item.id
    submit, review = f"/rectification/{item_id}/submit", f"/rectification/{item_id}/review"
    assert coordinator.post(submit, data={"submit-comment": "第一次报送"}).status_code == 302
    again = coordinator.post(submit, data={"submit-comment": "第二个标签页里写的说明 ✍"})
    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "Not recorded" in page and "submitted" in page and "第二个标签页里写的说明 ✍" in page
    assert [a for a, *_ in _history(app, item_id)[1]] == ["open", "submit"]
    assert admin.post(review, data={"review-return_": "1", "review-comment": "缺少链接"}).status_code == 302
    stale = admin.post(review, data={"review-accept": "1", "review-comment": "旧页面上的意见"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Not recorded" in page and "旧页面上的意见" in page
    assert _history(app, item_id)[0] == rules.RETURNED
    # Empty text on a stale form: still a visible refusal, not a silent page.
    empty = coordinator.post(f"/rectification/{item_id}/submit", data={"submit-comment": ""})
    assert empty.status_code == 400 and "submit-comment" in empty.get_data(as_text=True)  # the form is shown


def test_a_due_date_on_a_rest_day_is_moved_and_the_page_says_so(app, assessment):
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    with app.app_context():
        round_ = db.session.get(AssessmentRound, assessment["round_id"])
        d1 = db.session.get(Organisation, assessment["d1"].id)
        item, _ = service.open_item(round_, d1, rules.MANUAL, "", "x", today=date(2026, 11, 30),
                                    due_on=date(2026, 12, 30))  # fmt: skip
        item_id = item.id
    moved = admin.post(f"/rectification/{item_id}/due", data={"due-due_on": "2026-12-12"}, follow_redirects=True)
    page = moved.get_data(as_text=True)
    assert "2026-12-12 is not a working day: the due date is the next working day, 2026-12-14." in page
    assert "2026-12-14 (10 working days)" in page
    far = admin.post(f"/rectification/{item_id}/due", data={"due-due_on": "2031-01-01"})
    assert far.status_code == 400 and "at most one year" in far.get_data(as_text=True)
