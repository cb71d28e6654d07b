"""PDF scorecards: content, fonts, safety, caching, downloads and bulk exports."""

import csv
import io
import subprocess
import time
import uuid
import zipfile
from datetime import UTC, datetime

import pikepdf
import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AuditEvent, JobStatus, Organisation, ReportJob
from surveyapp.reporting import report
from surveyapp.services.bulk import member_name
from tests.helpers import seed, sign_in

# Rendering PDFs (and bulk exports on worker processes) takes seconds per test.
pytestmark = pytest.mark.slow

# The demo seeds the newest built-in version (transparency 2), whose zh_Hant writes the PRC's terms (網絡, 數據).
DIMENSIONS_HANT = ["工作人員形象意識", "網絡公關與輿情回應", "新媒體融合與平台運維", "培訓體系", "網絡治理與問責",
                   "公眾參與與監督", "主動公開、依申請公開與數據開放"]  # fmt: skip


def pdftotext(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return "".join(result.stdout.decode("utf-8").split())


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace removed."""
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return ["".join(page.split()) for page in result.stdout.decode("utf-8").split("\f") if page.strip()]


def squash(text: str) -> str:
    """Text with whitespace removed, as pdftotext output is compared."""
    return "".join(text.split())


def pdffonts(pdf: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "f.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


@pytest.fixture
def seeded(app, runner, create_user):
    round_id = seed(runner, departments=4, respondents=4)
    create_user("root@agency.example", "admin")
    with app.app_context():
        departments = db.session.scalars(select(Organisation).where(Organisation.kind == "department")).all()
        return {"round_id": round_id, "departments": [(d.id, d.code, d.name_zh_hant) for d in departments]}


def download(app, seeded, lang, index=0, email="root@agency.example"):
    client = app.test_client()
    sign_in(client, email, lang="en")
    org_id = seeded["departments"][index][0]
    response = client.get(f"/rounds/{seeded['round_id']}/departments/{org_id}/scorecard.pdf?lang={lang}")
    return response


def test_zh_hant_scorecard_text_and_embedded_tc_fonts(app, seeded, tmp_path):
    response = download(app, seeded, "zh-Hant")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data)
    assert squash(seeded["departments"][0][2]) in text
    for name in DIMENSIONS_HANT:
        assert name in text, name
    assert any(grade in text for grade in ("優秀", "良好", "合格", "不合格"))
    fonts = pdffonts(response.data, tmp_path)
    assert fonts, "the PDF has fonts"
    for row in fonts:
        assert "Noto-Sans-CJK-TC" in row[0], row
        assert row[-5:-2] == ["yes", "yes", "yes"], f"embedded, subset, unicode: {row}"


def test_zh_hans_scorecard_uses_sc_faces(app, seeded, tmp_path):
    response = download(app, seeded, "zh_Hans")
    text = pdftotext(response.data)
    assert "工作人员形象意识" in text
    assert all("Noto-Sans-CJK-SC" in row[0] for row in pdffonts(response.data, tmp_path))


def test_scorecard_is_tagged_titled_and_charts_have_alt_text(app, seeded):
    response = download(app, seeded, "en")
    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        assert pdf.Root.MarkInfo.Marked
        assert "/StructTreeRoot" in pdf.Root
        assert "Demo department" in str(pdf.docinfo.get("/Title"))
    with app.app_context():
        from surveyapp.models import AssessmentRound
        from surveyapp.services.scorecards import department_scorecard_data, round_context

        round_ = db.session.get(AssessmentRound, seeded["round_id"])
        data = department_scorecard_data(
            round_context(round_), db.session.get(Organisation, seeded["departments"][0][0]), "en"
        )
    html = report.render_html(data, report.scorecard_charts(data), datetime.now(UTC))
    images = html.count("<img ")
    assert images >= 3 and html.count(' alt="') == images


@pytest.mark.parametrize("lang", ["zh_Hant", "en"])
def test_scorecard_is_the_pdf_weasyprint_makes_of_it_with_its_own_stylesheet_and_matplotlibs_svg(
    app, seeded, monkeypatch, lang
):
    """What makes the scorecard quicker to render changes no byte of it: WeasyPrint's user-agent stylesheet trimmed
    (report.report_html_class) and the charts' SVG trimmed for the renderer (charts.lean_svg)."""
    import weasyprint

    from surveyapp.reporting import charts

    with app.app_context():
        from surveyapp.models import AssessmentRound
        from surveyapp.services.scorecards import department_scorecard_data, round_context

        round_ = db.session.get(AssessmentRound, seeded["round_id"])
        data = department_scorecard_data(
            round_context(round_), db.session.get(Organisation, seeded["departments"][0][0]), lang
        )
    moment = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    quick = report.render_pdf(data, moment)
    monkeypatch.setattr(report, "_report_html_class", weasyprint.HTML)
    monkeypatch.setattr(charts, "lean_svg", lambda svg: svg)
    assert report.render_pdf(data, moment) == quick


def test_file_is_reused_while_data_is_unchanged_and_downloads_are_audited(app, seeded):
    first = download(app, seeded, "en")
    files = list((app.config["REPORTS_DIR"] and __import__("pathlib").Path(app.config["REPORTS_DIR"])).glob("*.pdf"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    second = download(app, seeded, "en")
    assert second.data == first.data and files[0].stat().st_mtime_ns == stamp
    with app.app_context():
        downloads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.download")).all()
    assert len(downloads) == 2 and downloads[0].actor_id is not None


def test_archival_copy_is_pdf_a(app, seeded):
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    org_id = seeded["departments"][0][0]
    pdf = client.get(f"/rounds/{seeded['round_id']}/departments/{org_id}/scorecard.pdf?lang=en&archive=1").data
    with pikepdf.open(io.BytesIO(pdf)) as document:
        meta = document.open_metadata()
        assert meta.pdfa_status.startswith("3")


def test_others_cannot_download_a_department_scorecard(app, seeded, create_user, create_org):
    other = create_org("ELSEWHERE")
    create_user("coord@elsewhere.example", "coordinator", organisation=other)
    create_user("trainer@agency.example", "trainer")
    for email in ("coord@elsewhere.example", "trainer@agency.example"):
        assert download(app, seeded, "en", email=email).status_code == 403


def test_hostile_department_name_renders_as_text_and_nothing_is_fetched(app, tmp_path):
    hostile = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://example.com/x.css">'
    data = report.ScorecardData(
        lang="en", variant="department", questionnaire_title="T", questionnaire_version="1", agency="A",
        department=hostile, round_name="R", subject="", overall=50.0, grade="Fail", grade_key="fail",
        grade_bands=(("Pass", 60.0), ("Fail", 0.0)), red_lines=(), dimensions=(), peer_count=0,
    )  # fmt: skip
    refused: list[str] = []
    html = report.render_html(data, {}, datetime.now(UTC))
    assert hostile not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    pdf = report.render_pdf(data, datetime.now(UTC), refused=refused, strict_fonts=True)
    assert squash('<img src="file:///etc/passwd">') in pdftotext(pdf)
    assert refused == []
    # And the fetcher itself refuses file: and http: URLs outside the package's static files.
    fetcher = report._fetcher_class()(refused)
    for url in ("file:///etc/passwd", "http://127.0.0.1:1/x.css", "https://example.com/a.png"):
        with pytest.raises(report.RefusedURL):
            fetcher.fetch(url)
    assert refused == ["file:///etc/passwd", "http://127.0.0.1:1/x.css", "https://example.com/a.png"]


def test_fonttools_fallback_is_an_error_in_strict_mode(monkeypatch):
    import weasyprint.pdf.fonts as fonts

    data = report.ScorecardData(
        lang="zh_Hant", variant="department", questionnaire_title="政務公開", questionnaire_version="1",
        agency="市政府", department="教育局", round_name="2026", subject="", overall=70.0, grade="合格",
        grade_key="pass", grade_bands=(("合格", 60.0), ("不合格", 0.0)), red_lines=(), dimensions=(), peer_count=0,
    )  # fmt: skip
    assert report.render_pdf(data, datetime.now(UTC), strict_fonts=True).startswith(b"%PDF")
    monkeypatch.setattr(fonts, "harfbuzz_subset", None, raising=False)
    with pytest.raises(report.FontFallbackWarning, match="fontTools"):
        report.render_pdf(data, datetime.now(UTC), strict_fonts=True)


def test_respondent_downloads_own_scorecard(app, seeded):

    with app.app_context():
        from surveyapp.models import Response

        response = db.session.scalar(select(Response).where(Response.part == "staff"))
        owner = response.user_id
        from surveyapp.models import User

        user = db.session.get(User, owner)
        user.active = True
        from surveyapp.services.users import hash_password

        user.password_hash = hash_password("correct horse battery")
        email, response_id = user.email, response.id
        db.session.commit()
    client = app.test_client()
    sign_in(client, email, lang="en")
    pdf = client.get(f"/responses/{response_id}/scorecard.pdf?lang=zh_Hant")
    assert pdf.status_code == 200
    text = pdftotext(pdf.data)
    assert "工作人員形象意識" in text
    # Marked as personal on the cover and on every page, so a forwarded copy cannot pass for the department's.
    pages = pdf_pages(pdf.data)
    assert len(pages) > 1 and all("僅供本人參考" in page for page in pages)
    english = pdf_pages(client.get(f"/responses/{response_id}/scorecard.pdf?lang=en").data)
    assert len(english) > 1 and all("foryourownreflection" in page for page in english)
    # Nobody else reads it: not even the system administrator (issue 14).
    other = app.test_client()
    sign_in(other, "root@agency.example", lang="en")
    assert other.get(f"/responses/{response_id}/scorecard.pdf").status_code == 403


def wait_for(app, job_id, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with app.app_context():
            job = db.session.get(ReportJob, job_id)
            if job.finished:
                return job
        time.sleep(0.3)
    raise AssertionError("the export did not finish")


def test_bulk_export_in_process_with_progress(app, seeded):
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    started = client.post(f"/admin/rounds/{seeded['round_id']}/reports/bulk", data={"lang": "zh_Hant", "merged": "1"})
    assert started.status_code == 302
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/admin/reports/jobs/{job_id}").get_data(as_text=True)
    assert "<progress" in page
    job = wait_for(app, job_id)
    assert job.status == JobStatus.DONE and job.done == 4 and job.failures == {}
    status = client.get(f"/admin/reports/jobs/{job_id}/status").get_json()
    assert status["finished"] and status["done"] == status["total"] == 4
    archive = client.get(f"/admin/reports/jobs/{job_id}/download")
    bundle = zipfile.ZipFile(io.BytesIO(archive.data))
    names = bundle.namelist()
    # Members named by code and department name (issue 18), with an index.
    expected = {member_name(code, name) for _, code, name in seeded["departments"]}
    assert set(names) == expected | {"index.csv"}
    index = list(csv.reader(io.StringIO(bundle.read("index.csv").decode("utf-8-sig"))))
    assert index[0] == ["code", "name", "index", "grade", "red_lines", "pages", "file"]
    assert sorted(row[0] for row in index[1:]) == sorted(code for _, code, _ in seeded["departments"])
    for row in index[1:]:
        assert float(row[2]) >= 0 and row[3] and int(row[4]) >= 0 and row[6] in expected
        with pikepdf.open(io.BytesIO(bundle.read(row[6]))) as part:
            assert int(row[5]) == len(part.pages)
    merged = client.get(f"/admin/reports/jobs/{job_id}/download?merged=1")
    with pikepdf.open(io.BytesIO(merged.data)) as pdf:
        assert len(pdf.pages) >= 4 * 5
        # One bookmark per department, titled with its name, at its first page.
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]

            def page_of(item):
                destination = item.destination
                if isinstance(destination, pikepdf.Array):
                    return pdf.pages.index(pikepdf.Page(destination[0]))
                return destination

            starts = [page_of(item) for item in outline.root]
            nested = [[page_of(child) for child in item.children] for item in outline.root]
        total, mode, doc_title = len(pdf.pages), str(pdf.Root.get("/PageMode")), str(pdf.docinfo.get("/Title", ""))
    # "name (code)": two departments may share a name. Each holds its scorecard's own bookmarks, within its pages;
    # the viewer opens on the bookmarks, the document is titled with the round; the index has one decimal.
    assert sorted(titles) == sorted(f"{name} ({code})" for _, code, name in seeded["departments"])
    assert starts[0] == 0 and starts == sorted(starts) and len(set(starts)) == 4
    ends = [*starts[1:], total]
    assert all(sections for sections in nested)
    for start, end, pages in zip(starts, ends, nested, strict=True):
        assert all(start <= page < end for page in pages), (start, end, pages)
    assert mode == "/UseOutlines" and doc_title
    assert all(len(row[2].split(".")[-1]) == 1 for row in index[1:])
    with app.app_context():
        actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"report.bulk_start", "report.export"} <= actions


def test_a_failing_department_is_reported_not_fatal(app, seeded, monkeypatch):
    from surveyapp.services import bulk

    real = bulk.department_scorecard_data
    broken_code = seeded["departments"][1][1]

    def flaky(context, department, lang):
        if department.code == broken_code:
            raise ValueError("broken data")
        return real(context, department, lang)

    monkeypatch.setattr(bulk, "department_scorecard_data", flaky)
    with app.app_context():
        from surveyapp.models import AssessmentRound

        job = ReportJob(round_id=seeded["round_id"], lang="en", total=4)
        db.session.add(job)
        db.session.commit()
        job = bulk.run_bulk_job(job.id, processes=2)
        assert job.status == JobStatus.DONE and job.failures == {broken_code: "ValueError: broken data"}
        names = zipfile.ZipFile(job.result_path).namelist()
        assert len([n for n in names if n.endswith(".pdf")]) == 3 and "FAILED.txt" in names
        assert db.session.get(AssessmentRound, seeded["round_id"]) is not None


def test_bulk_export_can_be_cancelled(app, seeded):
    from surveyapp.services import bulk

    with app.app_context():
        job = ReportJob(round_id=seeded["round_id"], lang="en", total=4, cancel_requested=True)
        db.session.add(job)
        db.session.commit()
        job = bulk.run_bulk_job(job.id, processes=1)
        assert job.status == JobStatus.CANCELLED and job.result_path is None and job.done < 4


REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available():
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.mark.skipif(not redis_available(), reason="Redis not reachable at 127.0.0.1:6379")
def test_bulk_export_on_rq_workers(app, seeded, monkeypatch):
    import redis
    from rq import Queue, SimpleWorker

    import surveyapp.jobs

    connection = redis.Redis.from_url(REDIS_URL)
    # A queue of this test's own: other test runs may share this Redis.
    queue_name = f"surveyapp-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("SURVEYAPP_RQ_QUEUE", queue_name)
    app.config["RQ_QUEUE"] = queue_name
    # The worker builds the app from the environment, as a real `rq worker` would.
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SURVEYAPP_REPORTS_DIR", app.config["REPORTS_DIR"])
    monkeypatch.setenv("SURVEYAPP_MIN_GROUP_SIZE", "3")
    monkeypatch.setenv("SECRET_KEY", "worker")
    monkeypatch.setattr(surveyapp.jobs, "_app", None)
    app.config["REDIS_URL"] = REDIS_URL
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    started = client.post(f"/admin/rounds/{seeded['round_id']}/reports/bulk", data={"lang": "en"})
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    queue = Queue(queue_name, connection=connection)
    assert len(queue) == 4
    SimpleWorker([queue], connection=connection).work(burst=True)
    job = wait_for(app, job_id, timeout=10)
    assert job.backend == "rq" and job.status == JobStatus.DONE and job.done == 4
    assert job.failures == {}
    assert len(zipfile.ZipFile(job.result_path).namelist()) == 5  # four scorecards and index.csv
    queue.delete(delete_jobs=True)


def test_cli_writes_one_scorecard_and_a_whole_round(app, runner, seeded, tmp_path):
    _, code, name = seeded["departments"][0]
    one = tmp_path / "one.pdf"
    result = runner.invoke(args=["report", "scorecard", "--department", code, "--round", str(seeded["round_id"]),
                                 "--lang", "zh-Hant", "--out", str(one)])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = pdftotext(one.read_bytes())
    assert squash(name) in text and all(d in text for d in DIMENSIONS_HANT)

    bundle = tmp_path / "round.zip"
    result = runner.invoke(args=["report", "bulk", "--round", str(seeded["round_id"]), "--lang", "zh-Hant",
                                 "--out", str(bundle), "--processes", "2", "--merged"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Rendering scorecards" in result.output and "Wrote" in result.output
    # The first department's file was already made by the command above and is reused, not rendered.
    assert "Rendered 3 (the others were unchanged and reused)" in result.output
    peak_mib = int(result.output.split("peak memory of a render worker: ")[1].split(" MiB")[0])
    assert 0 < peak_mib < 400
    names = zipfile.ZipFile(bundle).namelist()
    assert sorted(names) == sorted([member_name(c, n) for _, c, n in seeded["departments"]] + ["index.csv"])
    with pikepdf.open(bundle.with_suffix(".pdf")) as merged:
        assert len(merged.pages) >= 4 * 5
    unknown = runner.invoke(args=["report", "bulk", "--round", "999", "--out", str(tmp_path / "x.zip")])
    assert unknown.exit_code != 0 and "no round 999" in unknown.output
