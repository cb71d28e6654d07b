"""Issued invitation links: state, expiry at the deadline, revoke, CSV, the CLI and the QR sheet."""

import csv
import io
import re
import stat
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Invitation, Organisation
from surveyapp.models.base import utcnow
from tests.helpers import page_data, sign_in

BASE = "https://survey.example.gov.cn"


def decode_pdf_qr_codes(pdf_path, tmp_path) -> list[str]:
    """Render each PDF page to PNG with pdftoppm and read every QR code on it with zxing-cpp."""
    import zxingcpp
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf_path), str(tmp_path / "page")], check=True)
    texts = []
    for png in sorted(tmp_path.glob("page*.png")):
        texts += [r.text for r in zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)]
    return texts


def read_links_csv(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.fixture
def base_url(app):
    app.config["BASE_URL"] = BASE
    return BASE


def admin_client(app):
    client = app.test_client()
    sign_in(client, "admin@ag.example", lang="en")
    return client


def test_cli_creates_absolute_links_that_expire_at_the_deadline(app, runner, assessment, base_url, tmp_path):
    deadline = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    with app.app_context():
        db.session.get(AssessmentRound, assessment["round_id"]).deadline = deadline
        db.session.commit()
    out = tmp_path / "links.csv"
    round_id = str(assessment["round_id"])
    label = "=cmd|' /C calc'!A0"
    result = runner.invoke(args=["invitations", "create", "--round", round_id, "--department", "D01", "--count", "3",
                                 "--label", label, "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "/invite/" not in result.output, "links go to the file, not the screen"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = read_links_csv(out)
    assert len(rows) == 3 and all(r["link"].startswith(f"{BASE}/invite/") for r in rows)
    assert all(r["label"].startswith("'=") for r in rows), "formula cells are neutralised (OWASP)"
    with app.app_context():
        invitations = db.session.scalars(select(Invitation)).all()
        assert [i.expires_at for i in invitations] == [deadline] * 3
    invitee = app.test_client()
    assert invitee.post(rows[0]["link"].removeprefix(BASE)).status_code == 302


def test_cli_without_base_url_says_what_to_set(runner, assessment, tmp_path):
    result = runner.invoke(args=["invitations", "create", "--round", str(assessment["round_id"]), "--department",
                                 "D01", "--count", "1", "--out", str(tmp_path / "x.csv")])  # fmt: skip
    assert result.exit_code != 0 and "SURVEYAPP_BASE_URL" in result.output


def test_list_shows_each_state_and_revoked_links_are_refused(app, assessment):
    admin = admin_client(app)
    round_id = assessment["round_id"]
    admin.post(f"/admin/rounds/{round_id}/invitations", data={"department_id": assessment["d1"].id, "count": 5})
    page = admin.get(f"/admin/rounds/{round_id}/invitations").get_data(as_text=True)
    links = re.findall(r'<code class="link">(http[^<]+)</code>', page)
    assert len(links) == 5 and page.count('data-state="unused"') == 5
    paths = [link.split("localhost", 1)[1] for link in links]
    started, submitted, revoked = app.test_client(), app.test_client(), paths[2]
    started.post(paths[0])
    location = submitted.post(paths[1]).headers["Location"]
    response_id = int(location.split("/responses/")[1].split("/")[0])
    with app.app_context():
        from surveyapp.services.questionnaires import get_questionnaire

        part = get_questionnaire("transparency", 1).part("staff")
    for number in range(len(part.sections)):
        submitted.post(f"/responses/{response_id}/page/{number}", data=page_data(part, number))
    assert submitted.post(f"/responses/{response_id}/submit").status_code == 302
    with app.app_context():
        ids = db.session.scalars(select(Invitation.id).order_by(Invitation.id.desc())).all()  # the list's order
        db.session.get(Invitation, ids[3]).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert admin.post(f"/admin/rounds/{round_id}/invitations/{ids[2]}/revoke").status_code == 302
    page = admin.get(f"/admin/rounds/{round_id}/invitations").get_data(as_text=True)
    states = re.findall(r'data-state="(\w+)"', page)
    assert sorted(states) == ["expired", "revoked", "started", "submitted", "unused"]
    assert f"/responses/{response_id}" not in page, "the list never leads to answers"
    refused = app.test_client().post(revoked, headers={"Accept-Language": "en"})
    assert refused.status_code == 410 and "revoked" in refused.get_data(as_text=True)
    assert len(re.findall(r'<code class="link">', page)) == 1, "only the unused link is shown again"
    exported = admin.get(f"/admin/rounds/{round_id}/invitations.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert sorted(r["state"] for r in rows) == ["expired", "revoked", "started", "submitted", "unused"]
    assert [r["link"] for r in rows if r["link"]] == [links[4]]
    with app.app_context():
        from surveyapp.models import AuditEvent

        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.export")) is not None


def test_a_used_link_cannot_be_revoked_and_another_agency_cannot_revoke(app, assessment, create_org, create_user):
    admin = admin_client(app)
    round_id = assessment["round_id"]
    admin.post(f"/admin/rounds/{round_id}/invitations", data={"department_id": assessment["d1"].id, "count": 1})
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id))
    other = create_org("OTHER", kind="agency")
    create_user("admin@other.example", "admin", organisation=other)
    stranger = app.test_client()
    sign_in(stranger, "admin@other.example", lang="en")
    assert stranger.post(f"/admin/rounds/{round_id}/invitations/{invitation_id}/revoke").status_code == 403
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).revoked_at is None


def test_expiry_date_chosen_on_the_form_is_kept(app, assessment):
    admin = admin_client(app)
    day = (utcnow() + timedelta(days=3)).date()
    admin.post(f"/admin/rounds/{assessment['round_id']}/invitations",
               data={"department_id": assessment["d1"].id, "count": 1, "expires": day.isoformat()})  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(Invitation.expires_at)).date() == day


@pytest.mark.slow
def test_qr_sheet_codes_decode_to_the_links(app, runner, assessment, base_url, tmp_path):
    out = tmp_path / "links.csv"
    for code in ("D01", "D02"):
        runner.invoke(args=["invitations", "create", "--round", str(assessment["round_id"]), "--department", code,
                            "--count", "7", "--out", str(out.with_suffix(f".{code}.csv"))])  # fmt: skip
    links = {r["link"] for code in ("D01", "D02") for r in read_links_csv(out.with_suffix(f".{code}.csv"))}
    sheet = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["invitations", "qr", "--round", str(assessment["round_id"]), "--out", str(sheet)])
    assert result.exit_code == 0, result.output
    assert sheet.read_bytes().startswith(b"%PDF")
    decoded = decode_pdf_qr_codes(sheet, tmp_path)
    assert len(decoded) == 14 and set(decoded) == links
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.code == "D01")) is not None


def test_the_invitation_page_shows_the_start_card(app, assessment):
    """QA fault 11: the invitation page named no agency, round or deadline and had no question count or time."""
    from surveyapp.domain.estimate import estimate
    from surveyapp.localtime import format_datetime
    from surveyapp.models import AssessmentRound
    from surveyapp.services.questionnaires import get_questionnaire

    round_id = assessment["round_id"]
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        round_.deadline = utcnow() + timedelta(days=10)
        db.session.commit()
        deadline = format_datetime(round_.deadline)
        expected = estimate(get_questionnaire("transparency", 1).part("staff"))
    admin = admin_client(app)
    admin.post(f"/admin/rounds/{round_id}/invitations", data={"department_id": assessment["d1"].id, "count": 1})
    page = admin.get(f"/admin/rounds/{round_id}/invitations").get_data(as_text=True)
    path = re.findall(r'<code class="link">(http[^<]+)</code>', page)[0].split("localhost", 1)[1]
    card = app.test_client().get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2026 自評" in card and "教育局" in card and deadline in card and "Asia/Shanghai" in card
    assert f"Questions: {expected.questions}" in card and f"About {expected.minutes} min" in card
    assert "Privacy notice" in card
