"""Inspection use cases and ``flask inspect`` against a local fixture site: targets, runs, findings,
WARC evidence reproducible from its snapshot, availability probes, the JSON document."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import AvailabilityProbe, InspectionRun, InspectionSnapshot, InspectionTarget, Organisation
from surveyapp.services import inspection as service
from tests.helpers import inspector_settings
from tests.inspector.test_fixture_sites import AS_OF, build_site, serve


@pytest.fixture
def app_config(app_config, tmp_path):
    app_config |= inspector_settings(tmp_path)
    return app_config


@pytest.fixture
def department(create_org):
    agency = create_org("AG", kind="agency")
    return create_org("D1", parent=agency)


def test_run_stores_findings_and_reproducible_warc_evidence(app_ctx, department, httpserver):
    build_site(httpserver, columns={"/news/": ("工作动态", [1], True), "/tzgg/": ("通知公告", [300], True)},
               extra_home="<p>咨询电话 13812345678</p>")  # fmt: skip
    stale = AS_OF - timedelta(days=40)
    serve(httpserver, "/feed.xml", f"<rss version='2.0'><channel><item><pubDate>{stale:%a, %d %b %Y}"
          " 08:00:00 +0800</pubDate></item></channel></rss>", content_type="application/rss+xml")  # fmt: skip
    d1 = db.session.get(Organisation, department.id)
    service.add_target(d1, httpserver.url_for("/"), "website")
    service.add_target(d1, httpserver.url_for("/feed.xml"), "feed")
    run = service.run_inspection(d1, AS_OF)
    document = service.run_json(d1, run)
    assert document["department"] == "D1" and document["as_of"] == AS_OF.isoformat()
    by_check = {}
    for f in document["findings"]:
        assert set(f) == {"check", "status", "observed", "threshold", "url", "evidence"}
        by_check.setdefault(f["check"], []).append(f)
    assert by_check["feed_freshness"][0]["status"] == "fail"
    assert by_check["personal_data"][0]["status"] == "fail"
    assert by_check["availability"][0]["status"] == "unknown"  # no probe yet
    assert {f["status"] for f in by_check["column_freshness"]} == {"pass", "fail"}
    home = by_check["home_page_freshness"][0]
    assert home["status"] == "pass" and home["evidence"]["sha256"]
    snapshot = db.session.get(InspectionSnapshot, home["evidence"]["snapshot"])
    body = service.snapshot_payload(snapshot)  # read back from the WARC record, SHA-256 checked
    assert "首页" in body.decode("utf-8") and snapshot.url == httpserver.url_for("/")
    assert run.pages >= 8 and run.bytes > 0
    # The masked number is in the finding; the full one only in the evidence file, never in the JSON.
    assert "13812345678" not in json.dumps(document, ensure_ascii=False)


def test_tampered_warc_is_refused(app_ctx, department, httpserver, tmp_path):
    build_site(httpserver)
    d1 = db.session.get(Organisation, department.id)
    service.add_target(d1, httpserver.url_for("/"), "website")
    run = service.run_inspection(d1, AS_OF)
    snapshot = db.session.scalars(select(InspectionSnapshot).where(InspectionSnapshot.run_id == run.id)).first()
    snapshot.sha256 = "0" * 64
    with pytest.raises(service.InspectionError):
        service.snapshot_payload(snapshot)


def test_only_registered_hosts_and_valid_urls(app_ctx, department):
    d1 = db.session.get(Organisation, department.id)
    for url in (
        "ftp://example.org/",
        "javascript:alert(1)",
        "http://user:pw@example.org/",
        "not a url",
        "http://example.org:99999/",
        "http://[::1",
        "http://example.org:port/",
    ):
        with pytest.raises(service.InspectionError):
            service.add_target(d1, url, "website")
    with pytest.raises(service.InspectionError):
        service.add_target(d1, "http://a.example/", "website", columns=[{"url": "http://b.example/x", "name": "x"}])
    with pytest.raises(service.InspectionError):
        service.add_target(d1, "http://a.example/", "podcast")
    current_app.config["INSPECT_ALLOW_PRIVATE_HOSTS"] = False
    for loopback in ("http://127.0.0.1:8080/", "http://127.1:8080/", "http://0x7f000001/", "http://2130706433/",
                     "http://0177.0.0.1/"):  # fmt: skip
        with pytest.raises(service.InspectionError, match="private address 127.0.0.1"):
            service.add_target(d1, loopback, "website")
    with pytest.raises(service.InspectionError, match="private address 10.0.0.1"):
        service.add_target(d1, "http://10.1/", "website")
    assert db.session.scalar(select(func.count(InspectionTarget.id))) == 0
    assert service.parse_columns("http://a.example/n/ | 新闻 | news\n\nhttp://a.example/p/") == [
        {"url": "http://a.example/n/", "name": "新闻", "type": "news"},
        {"url": "http://a.example/p/", "name": "", "type": ""}]  # fmt: skip


def test_probes_make_the_availability_finding(app_ctx, department, httpserver):
    build_site(httpserver)
    d1 = db.session.get(Organisation, department.id)
    target = service.add_target(d1, httpserver.url_for("/"), "website")
    probes = service.probe_all()
    assert [p.ok for p in probes] == [True]
    today = probes[0].probed_at.date()
    # One probe is no week of monitoring: unknown, whatever it found.
    assert service.availability_finding(target, today).status == "unknown"
    # 19 more failed probes earlier in the week, on each of its other six days: 19 of 20 failed, a veto.
    noon = datetime.combine(today, datetime.min.time()) + timedelta(hours=12)
    db.session.add_all(AvailabilityProbe(target_id=target.id, ok=False, probed_at=noon - timedelta(days=1 + h % 6),
                                         error="timeout") for h in range(19))  # fmt: skip
    db.session.commit()
    finding = service.availability_finding(target, today)
    assert finding.status == "fail" and finding.veto and finding.observed == pytest.approx(19 / 20, abs=1e-4)


def test_a_probe_refused_by_robots_txt_is_not_an_outage(app_ctx, department, httpserver):
    """The crawler declining to fetch (robots.txt disallows the home page) says nothing about the site: the
    probe is not stored and availability stays unknown; old rows of such probes are not counted either."""
    serve(httpserver, "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    serve(httpserver, "/private/", "<html><body>home</body></html>")
    d1 = db.session.get(Organisation, department.id)
    target = service.add_target(d1, httpserver.url_for("/private/"), "website")
    skipped = []
    assert service.probe_all(skipped) == [] and skipped == [(target.id, "robots.txt")]
    assert db.session.scalar(select(func.count(AvailabilityProbe.id))) == 0
    noon = datetime.combine(AS_OF, datetime.min.time()) + timedelta(hours=12)
    db.session.add_all(AvailabilityProbe(target_id=target.id, ok=False, error="robots.txt",
                                         probed_at=noon - timedelta(days=d)) for d in range(7))  # fmt: skip
    db.session.commit()
    finding = service.availability_finding(target, AS_OF)
    assert (finding.status, finding.veto, finding.detail) == ("unknown", False, "no probe yet")


def test_cli_add_target_run_json_and_probe(app, department, httpserver, runner):
    build_site(httpserver, columns={f"/b{i}/": (f"栏目{i}", [], True) for i in range(5)})
    result = runner.invoke(args=["inspect", "add-target", "--department", "D1", "--url", httpserver.url_for("/"),
                                 "--kind", "website"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["inspect", "probe"]).exit_code == 0
    result = runner.invoke(args=["inspect", "run", "--department", "D1", "--as-of", AS_OF.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    blank = next(f for f in document["findings"] if f["check"] == "blank_columns")
    assert blank == {"check": "blank_columns", "status": "fail", "observed": 5, "threshold": "< 5 columns",
                     "url": None, "evidence": None}  # fmt: skip
    assert next(f for f in document["findings"] if f["check"] == "availability")["status"] == "unknown"  # 1 probe
    result = runner.invoke(args=["inspect", "run", "--all"])
    assert result.exit_code == 0 and "D1 as of" in result.output
    assert runner.invoke(args=["inspect", "run"]).exit_code != 0
    assert runner.invoke(args=["inspect", "add-target", "--department", "NOPE", "--url", "http://x.example/",
                               "--kind", "feed"]).exit_code != 0  # fmt: skip
    with app.app_context():
        assert db.session.scalar(select(func.count(InspectionRun.id))) == 2
        assert date.fromisoformat(document["as_of"]) == AS_OF


def test_schedule_on_rq_when_redis_is_set(app, runner):
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15").ping()
    except redis.RedisError:
        pytest.skip("Redis not reachable")
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    app.config["RQ_QUEUE"] = "surveyapp-test-inspect"
    result = runner.invoke(args=["inspect", "schedule"])
    assert result.exit_code == 0, result.output
    assert all(f"surveyapp-inspect-{what}" in result.output for what in ("run", "probe", "prune"))
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    queue = Queue("surveyapp-test-inspect", connection=redis.Redis.from_url("redis://127.0.0.1:6379/15"))
    jobs = {"surveyapp-inspect-run", "surveyapp-inspect-probe", "surveyapp-inspect-prune"}
    assert set(ScheduledJobRegistry(queue=queue).get_job_ids()) >= jobs
    for job_id in jobs:
        queue.fetch_job(job_id).delete()
    app.config["REDIS_URL"] = None
    assert runner.invoke(args=["inspect", "schedule"]).exit_code != 0


def test_a_probe_of_a_slow_or_failing_site_fails(app, app_ctx, department, httpserver):
    import time

    from werkzeug.wrappers import Response

    serve(httpserver, "/robots.txt", "", status=404)

    def slow(request):
        time.sleep(1.2)
        return Response("late")

    httpserver.expect_request("/").respond_with_handler(slow)
    serve(httpserver, "/down", "error", status=500)
    app.config["INSPECT_TIMEOUT_SECONDS"] = 0.4
    d1 = db.session.get(Organisation, department.id)
    service.add_target(d1, httpserver.url_for("/down"), "website")
    service.add_target(d1, httpserver.url_for("/"), "website")  # last: the fixture server answers one at a time
    probes = service.probe_all()
    assert [(p.ok, p.error, p.status_code) for p in probes] == [(False, None, 500), (False, "timeout", None)]
    target = db.session.get(InspectionTarget, probes[1].target_id)
    today = probes[1].probed_at.date()
    assert service.availability_finding(target, today).status == "unknown"  # not yet a week of probes
    noon = datetime.combine(today, datetime.min.time()) + timedelta(hours=12)
    db.session.add_all(AvailabilityProbe(target_id=target.id, ok=True, probed_at=noon - timedelta(days=d))
                       for d in range(1, 7))  # fmt: skip
    db.session.commit()
    finding = service.availability_finding(target, today)
    assert finding.status == "fail" and finding.veto  # 1 of 7 failed over the week
    time.sleep(1.0)  # the fixture server (shared by the next test) finishes the slow answer first


def test_a_day_of_check_after_today_is_refused(app, app_ctx, department, runner):
    """Pages are fetched now: a later --as-of (a typo such as 2062 for 2026) would judge today's site against a
    future calendar, raise false vetoes and stay the department's "latest" inspection. Refused, nothing kept."""
    d1 = db.session.get(Organisation, department.id)
    service.add_target(d1, "http://a.example/", "website")
    later = date.today() + timedelta(days=2)
    with pytest.raises(service.InspectionError, match="after today"):
        service.run_inspection(d1, later)
    result = runner.invoke(args=["inspect", "run", "--department", "D1", "--as-of", later.isoformat(), "--json"])
    assert result.exit_code == 1 and "after today" in result.output
    result = runner.invoke(args=["inspect", "run", "--all", "--as-of", later.isoformat()])
    assert result.exit_code == 1 and "after today" in result.output
    assert db.session.scalar(select(func.count(InspectionRun.id))) == 0
    assert service.check_as_of(date.today()) == date.today()
    # By default the agency's day (Asia/Shanghai here), which is the server's next day from 16:00 UTC.
    from surveyapp.localtime import to_local
    from surveyapp.models.base import utcnow

    assert service.check_as_of(None) == to_local(utcnow()).date()


def test_a_cut_page_is_marked_truncated_in_its_warc_record(app, app_ctx, department, httpserver):
    """The evidence of a page cut at the page budget does not claim to be the page as published."""
    from warcio.archiveiterator import ArchiveIterator

    build_site(httpserver)
    serve(httpserver, "/big.xml", "<rss version='2.0'><channel>" + "<!-- x -->" * 5_000 + "</channel></rss>",
          content_type="application/rss+xml")  # fmt: skip
    app.config["INSPECT_MAX_PAGE_BYTES"] = 20_000
    d1 = db.session.get(Organisation, department.id)
    service.add_target(d1, httpserver.url_for("/"), "website")
    service.add_target(d1, httpserver.url_for("/big.xml"), "feed")
    run = service.run_inspection(d1, AS_OF)
    feed = next(f for f in run.findings if f.check == "feed_freshness")
    assert (feed.status, feed.veto) == ("unknown", False)
    headers = {}
    for snapshot in db.session.scalars(select(InspectionSnapshot).where(InspectionSnapshot.run_id == run.id)):
        with open(service.inspections_dir() / snapshot.warc_path, "rb") as stream:
            stream.seek(snapshot.warc_offset)
            record = next(iter(ArchiveIterator(stream)))
            headers[snapshot.url] = record.rec_headers.get_header("WARC-Truncated")
    assert headers.pop(httpserver.url_for("/big.xml")) == "length"
    assert set(headers.values()) == {None}  # the whole pages are not marked


def test_an_address_registered_twice_is_refused(app_ctx, department, create_org):
    """Every run fetched it twice and listed each finding twice."""
    d1 = db.session.get(Organisation, department.id)
    first = service.add_target(d1, "http://example.gov.cn/", "website")
    for again in ("http://example.gov.cn/", "HTTP://EXAMPLE.GOV.CN", " http://example.gov.cn:80/ "):
        with pytest.raises(
            service.InspectionError, match=f"already registered for this department \\(target {first.id}\\)"
        ):
            service.add_target(d1, again, "website")
    service.add_target(d1, "https://example.gov.cn/", "website")  # another address
    service.add_target(d1, "http://example.gov.cn/feed.xml", "feed")
    service.remove_target(first)
    service.add_target(d1, "http://example.gov.cn/", "website")  # no longer inspected: may be registered again
    other = create_org("D2", parent=d1.parent)
    service.add_target(other, "http://example.gov.cn/", "website")  # another department's registration
    assert db.session.scalar(select(func.count(InspectionTarget.id))) == 5


def test_snapshots_and_probes_keep_the_time_they_were_taken(app, app_ctx, department, httpserver):
    """Not the time of the final commit (every snapshot of a 40-second run had the same fetched_at)."""
    build_site(httpserver)
    app.config["INSPECT_MIN_INTERVAL_SECONDS"] = 0.05
    d1 = db.session.get(Organisation, department.id)
    service.add_target(d1, httpserver.url_for("/"), "website")
    service.add_target(d1, httpserver.url_for("/guide.html"), "website")
    run = service.run_inspection(d1, AS_OF)
    times = [s.fetched_at for s in db.session.scalars(select(InspectionSnapshot).where(
        InspectionSnapshot.run_id == run.id).order_by(InspectionSnapshot.id))]  # fmt: skip
    assert len(times) > 3 and times == sorted(times) and len(set(times)) == len(times)
    assert times[-1] - times[0] >= timedelta(seconds=0.05 * (len(times) - 2))
    probes = service.probe_all()
    assert len(probes) == 2 and probes[0].probed_at < probes[1].probed_at


def test_schedule_with_an_unreachable_redis_says_so(app, runner):
    import socket

    with socket.socket() as spare:  # a port nothing listens on
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    result = runner.invoke(args=["inspect", "schedule"])
    assert result.exit_code == 1 and "Cannot reach Redis at REDIS_URL" in result.output
    assert "Traceback" not in result.output


def test_stopping_a_target_twice_is_recorded_once(app_ctx, department):
    from surveyapp.models import AuditEvent

    d1 = db.session.get(Organisation, department.id)
    target = service.add_target(d1, "http://example.gov.cn/", "website")
    service.remove_target(target)
    service.remove_target(target)
    removals = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "inspection.target_remove")).all()
    assert len(removals) == 1 and not target.active


def test_a_run_that_fetches_nothing_leaves_no_empty_evidence_file(app_ctx, department, httpserver):
    """Every page kept out by robots.txt: the run is recorded (its findings say why nothing was read) but no
    0-byte .warc.gz is left behind."""
    from surveyapp.services.inspection import inspections_dir

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n",
                                                               content_type="text/plain")  # fmt: skip
    d1 = db.session.get(Organisation, department.id)
    service.add_target(d1, httpserver.url_for("/"), "website")
    run = service.run_inspection(d1, AS_OF)
    assert run.id and run.pages == 0 and run.warc_path is None
    assert not [p for p in inspections_dir().rglob("*.warc.gz") if p.stat().st_size == 0]


def test_each_checks_basis_reads_in_the_readers_language(app):
    """The basis of each check is the rules' own zh_Hans text (domain/inspection.py) on zh_Hans pages, in
    Traditional characters on zh_Hant pages and in English on English ones (a fresh tester found the
    zh_Hans text on every page)."""
    import re

    from flask_babel import force_locale

    from surveyapp.domain.inspection import CHECKS
    from surveyapp.services.inspection_words import BASIS_WORDS

    assert set(BASIS_WORDS) == set(CHECKS)
    with app.test_request_context():
        for name, check in CHECKS.items():
            with force_locale("zh_Hans"):
                assert str(BASIS_WORDS[name]) == check.basis
            with force_locale("zh_Hant"):
                traditional = str(BASIS_WORDS[name])
            with force_locale("en"):
                english = str(BASIS_WORDS[name])
            assert traditional != check.basis and re.search(r"[\u4e00-\u9fff]", traditional)
            assert not re.search(r"[\u3000-\u9fff\uff00-\uffef]", english), english
