"""The inspector against local fixture sites (pytest-httpserver on 127.0.0.1; never the network):
every check passing and failing, pages without metadata, GBK pages, redirects to unregistered hosts,
robots.txt, slow hosts, budgets and the rate limit."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from werkzeug.wrappers import Response

from surveyapp.definitions.webpages import parse_page
from surveyapp.inspector.crawler import Crawler, host_of
from surveyapp.inspector.run import Inspection, TargetSpec

AS_OF = date(2026, 11, 30)
UA = "surveyapp-inspector/test"
ENTRANCES = ('<a href="/guide.html">政府信息公开指南</a><a href="/catalogue.html">政府信息公开目录</a>'
             '<a href="/report.html">政府信息公开年度报告</a><a href="/message.html">我要留言</a>')  # fmt: skip


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


def page(title: str, body: str = "", meta: dict | None = None, charset: str = "utf-8", nav: str = "") -> bytes:
    metas = "".join(f'<meta name="{k}" content="{v}">' for k, v in (meta or {}).items())
    html = (f'<html><head><meta charset="{charset}"><title>{title}</title>{metas}</head><body>'
            f'<nav class="nav">{nav}</nav><main>{body}</main><footer>{ENTRANCES}</footer></body></html>')  # fmt: skip
    return html.encode(charset)


def listing(path: str, days: list[int], with_date=True) -> str:
    items = "".join(f'<li><a href="{path}{i}.html">第{i}条</a> <span>{ago(d) if with_date else ""}</span></li>'
                    for i, d in enumerate(days))  # fmt: skip
    return f'<ul class="list">{items}</ul>'


def serve(server, path: str, body: bytes | str, status: int = 200, content_type="text/html; charset=utf-8"):
    server.expect_request(path).respond_with_data(body, status=status, content_type=content_type)


def crawler_for(*servers, **kwargs) -> Crawler:
    options = {"timeout": 3.0, "min_interval": 0.0, "allow_private": True} | kwargs
    return Crawler({f"{s.host}:{s.port}" for s in servers}, UA, **options)


def run(server, spec_kwargs=None, crawler=None, **kwargs):
    crawler = crawler or crawler_for(server)
    spec = TargetSpec("website", server.url_for("/"), **(spec_kwargs or {}))
    findings = Inspection(crawler, AS_OF).target(spec)
    return (
        {f.check: f for f in findings if f.check != "column_freshness"},
        [f for f in findings if f.check == "column_freshness"],
        crawler,
    )


def build_site(server, home_days=3, columns=None, extra_home="", charset="utf-8"):
    """A site with a home page (dated by metadata) and columns {path: (name, [ages], metadata?)}."""
    columns = columns or {"/news/": ("工作动态", [1, 5], True)}
    nav = "".join(f'<a href="{path}">{name}</a>' for path, (name, _d, _m) in columns.items())
    serve(server, "/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    serve(server, "/", page("首页", extra_home, {"PubDate": f"{ago(home_days)} 09:00"}, charset, nav),
          content_type=f"text/html; charset={charset}")  # fmt: skip
    for path, (name, days, with_meta) in columns.items():
        serve(server, path, page(name, listing(path, days), {"ColumnName": name}, charset, nav),
              content_type=f"text/html; charset={charset}")  # fmt: skip
        for i, d in enumerate(days):
            meta = {"PubDate": f"{ago(d)} 10:00"} if with_meta else {}
            serve(server, f"{path}{i}.html", page(f"第{i}条", "<p>正文</p>", meta, charset, nav),
                  content_type=f"text/html; charset={charset}")  # fmt: skip
    for path in ("/guide.html", "/catalogue.html", "/report.html", "/message.html"):
        serve(server, path, page("政务公开", "<p>" + "内容" * 100 + "</p>", charset=charset),
              content_type=f"text/html; charset={charset}")  # fmt: skip


# --- website checks ------------------------------------------------------------------------------------------------


def test_a_well_kept_site_passes_every_check(httpserver):
    build_site(httpserver)
    checks, columns, _ = run(httpserver)
    for name in ("home_page_freshness", "required_entrances", "overdue_columns", "blank_columns", "broken_links",
                 "personal_data"):  # fmt: skip
        assert checks[name].status == "pass", (name, checks[name])
    assert checks["home_page_freshness"].observed == ago(3).isoformat()  # the home page's own PubDate
    assert checks["https"].status == "fail"  # the fixture server speaks http
    assert [c.status for c in columns] == ["pass"]


def test_stale_home_page_fails_with_a_veto(httpserver):
    build_site(httpserver, home_days=20, columns={"/news/": ("工作动态", [30], True)})
    checks, _, _ = run(httpserver)
    assert checks["home_page_freshness"].status == "fail" and checks["home_page_freshness"].veto


def test_pages_without_metadata_use_the_list_dates(httpserver):
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, "/", page("首页", listing("/a/", [20, 40])))
    checks, _, _ = run(httpserver)
    finding = checks["home_page_freshness"]
    assert (finding.status, finding.observed) == ("fail", ago(20).isoformat())
    assert "(list)" in finding.detail


def test_pages_with_neither_metadata_nor_list_dates_use_htmldate(httpserver):
    serve(httpserver, "/robots.txt", "", status=404)
    body = f"<article><h1>通知</h1><p>Published {ago(3):%B %d, %Y}.</p><p>{'正文' * 50}</p></article>"
    serve(httpserver, "/", page("首页", body))
    checks, _, _ = run(httpserver)
    assert checks["home_page_freshness"].status == "pass"
    assert "(extractor)" in checks["home_page_freshness"].detail


def test_gbk_pages_are_read(httpserver):
    columns = {"/tzgg/": ("通知公告", [300], False), "/news/": ("工作动态", [2], True)}
    build_site(httpserver, columns=columns, extra_home="<p>联系电话：13912345678</p>", charset="gbk")
    checks, cols, _ = run(httpserver)
    by_name = {c.detail.split(":")[0]: c for c in cols}
    assert by_name["通知公告"].status == "fail" and "notices" in by_name["通知公告"].threshold
    assert by_name["工作动态"].status == "pass"
    assert checks["required_entrances"].status == "pass"  # link texts decoded from GBK
    assert checks["personal_data"].status == "fail" and "139****5678" in checks["personal_data"].detail
    raw = page("首页", "<p>政府信息公开</p>", charset="gbk")
    assert "政府信息公开" in parse_page(raw, "http://x/", "text/html").text  # charset from <meta>


def test_five_overdue_columns_and_five_blank_columns_are_vetoes(httpserver):
    columns = {f"/d{i}/": (f"动态{i}", [30], True) for i in range(5)}
    columns |= {f"/b{i}/": (f"栏目{i}", [], True) for i in range(5)}
    build_site(httpserver, columns=columns)
    checks, cols, _ = run(httpserver)
    assert (checks["overdue_columns"].status, checks["overdue_columns"].observed) == ("fail", 5)
    assert (checks["blank_columns"].status, checks["blank_columns"].observed) == ("fail", 5)
    assert checks["overdue_columns"].veto and checks["blank_columns"].veto
    assert sum(c.status == "fail" for c in cols) == 10


def test_registered_columns_with_types_and_selectors(httpserver):
    build_site(httpserver)
    body = '<div class="rows"><p class="row"><a href="/x/0.html">旧文件</a><i>2026年01月05日</i></p></div>'
    serve(httpserver, "/files/", page("文件", body))
    serve(httpserver, "/x/0.html", page("旧文件", "<p>正文</p>"))
    spec = {"columns": [{"url": httpserver.url_for("/files/"), "name": "文件库", "type": "policies"}],
            "selectors": {"list_item": "//p[@class='row']", "date": ".//i"}}  # fmt: skip
    _checks, cols, _ = run(httpserver, spec)
    assert len(cols) == 1 and cols[0].status == "fail" and cols[0].observed == "2026-01-05"
    assert "policies" in cols[0].threshold


def test_personal_data_with_a_wrong_check_digit_is_not_reported(httpserver):
    build_site(httpserver, extra_home="<p>身份证号110105194912310021（校验位错误）</p>")
    checks, _, _ = run(httpserver)
    assert checks["personal_data"].status == "pass"
    httpserver.clear()
    build_site(httpserver, extra_home="<p>身份证号11010519491231002X</p>")
    checks, _, _ = run(httpserver)
    assert checks["personal_data"].status == "fail"
    assert "110105********002X" in checks["personal_data"].detail and "19491231" not in checks["personal_data"].detail


def test_personal_data_is_reported_by_the_target_whose_pages_hold_it(httpserver):
    """Several targets on one host share the run's page cache, not their findings: each target's
    personal_data counts its own pages' numbers, with its own page as URL and evidence."""
    serve(httpserver, "/robots.txt", "", status=404)
    for path, text in (("/a/", "联系电话 13812345678"), ("/b/", "无"), ("/c/", "身份证号11010519491231002X")):
        serve(httpserver, path, page("站点", f"<p>{text}</p>", {"PubDate": f"{ago(1)} 09:00"}))
    inspection = Inspection(crawler_for(httpserver), AS_OF, record=lambda fetch: fetch.url)
    found = {}
    for path in ("/a/", "/b/", "/c/", "/a/"):
        spec = TargetSpec("website", httpserver.url_for(path))
        [finding] = [f for f in inspection.target(spec) if f.check == "personal_data"]
        found.setdefault(path, []).append((finding.status, finding.observed, finding.url, finding.evidence))
    a, c = httpserver.url_for("/a/"), httpserver.url_for("/c/")
    assert found == {"/a/": [("fail", 1, a, a), ("fail", 1, a, a)], "/b/": [("pass", 0, None, None)],
                     "/c/": [("fail", 1, c, c)]}  # fmt: skip


def test_malformed_links_on_a_published_page_do_not_stop_the_run(httpserver):
    """A government page may hold ``http://[::1`` or a port above 65535: the link is skipped, never an exception
    that fails the department's whole inspection."""
    bad = ('<a href="http://127.0.0.1:99999/">端口</a><a href="http://[::1/x">地址</a>'
           '<a href="/jump">跳转</a>')  # fmt: skip
    build_site(httpserver, extra_home=f"<nav>{bad}</nav><ul class='list'><li>{bad} {ago(1)}</li></ul>")
    serve(httpserver, "/jump", "gone", status=404)
    checks, columns, _ = run(httpserver)
    assert checks["home_page_freshness"].status == "pass"
    assert (checks["broken_links"].status, checks["broken_links"].observed) == ("fail", 1)  # /jump only
    assert all("[::1" not in c.url and "99999" not in c.url for c in columns)


def test_a_redirect_to_an_invalid_address_is_reported_not_raised():
    """A Location header such as ``http://[::1/y`` (which no test server sends) ends the fetch with a reason."""

    class Answer:
        def __init__(self, status, location=None):
            self.status_code, self.reason = status, ""
            self.headers = {"Location": location} if location else {}
            self.is_redirect = location is not None
            self.content = b""

        def iter_content(self, size):
            return iter([b""])

        def close(self):
            pass

    import requests

    class Session(requests.Session):
        def send(self, request, **kwargs):  # the crawler prepares each request and sends it (pinned address)
            if request.url.endswith("/robots.txt"):
                return Answer(404)  # no robots.txt
            return Answer(302, "http://[::1/y")

    crawler = Crawler({"a.example"}, UA, min_interval=0.0, session=Session(), allow_private=True)
    fetch = crawler.fetch("http://a.example/jump")
    assert (fetch.ok, fetch.error) == (False, "redirect to an invalid address (not followed)")
    assert not crawler.allowed("http://a.example:99999/") and host_of("http://[::1/x") == ""


def test_broken_links_and_soft_404(httpserver):
    build_site(httpserver, extra_home='<a href="/gone.html">旧链接</a><a href="/soft.html">另一个</a>'
                                      '<a href="/moved.html">第三个</a>')  # fmt: skip
    serve(httpserver, "/gone.html", "not here", status=404)
    serve(httpserver, "/soft.html", page("页面不存在", "<p>对不起，您访问的页面不存在</p>"))
    httpserver.expect_request("/moved.html").respond_with_response(Response(status=302, headers={"Location": "/"}))
    checks, _, _ = run(httpserver)
    finding = checks["broken_links"]
    assert finding.status == "fail" and finding.observed == 3
    assert "/moved.html (soft 404)" in finding.detail
    assert "soft 404" in finding.detail and "404)" in finding.detail


def test_missing_entrances(httpserver):
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, "/", f"<html><head><title>首页</title><meta name=PubDate content='{ago(1)}'></head>"
                           "<body><a href='/guide.html'>政府信息公开指南</a></body></html>")  # fmt: skip
    serve(httpserver, "/guide.html", page("指南", "内容" * 300))
    checks, _, _ = run(httpserver)
    assert checks["required_entrances"].status == "fail"
    assert checks["required_entrances"].observed == ["disclosure_catalogue", "annual_report", "interaction"]
    checks, _, _ = run(httpserver, {"entrances": ["disclosure_guide"]})
    assert checks["required_entrances"].status == "pass"


# --- feeds and CSV exports --------------------------------------------------------------------------------------------


def rss(days):
    items = "".join(f"<item><title>{i}</title><pubDate>{ago(d):%a, %d %b %Y} 08:00:00 +0800</pubDate></item>"
                    for i, d in enumerate(days))  # fmt: skip
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


@pytest.mark.parametrize(("kind", "path", "fresh", "stale", "ctype"), [
    ("feed", "/rss.xml", rss([3, 30]), rss([20, 40]), "application/rss+xml"),
    ("feed", "/atom.xml",
     f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>a</title><updated>{ago(1)}T08:00:00Z'
     "</updated></entry></feed>",
     f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>a</title><updated>{ago(15)}T08:00:00Z'
     "</updated></entry></feed>", "application/atom+xml"),
    ("feed", "/feed.json", f'{{"version": "https://jsonfeed.org/version/1.1", "items": [{{"date_published": '
     f'"{ago(0)}T08:00:00+08:00"}}]}}', '{"version": "https://jsonfeed.org/version/1.1", "items": []}',
     "application/feed+json"),
    ("csv", "/posts.csv", f"标题,发布时间\n甲,{ago(2)} 10:00\n乙,{ago(9)}\n".encode("gbk"),
     f"标题,发布时间\n甲,{ago(60)}\n".encode("gbk"), "text/csv; charset=gbk"),
])  # fmt: skip
def test_feed_freshness_pass_and_fail(httpserver, kind, path, fresh, stale, ctype):
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, path, fresh, content_type=ctype)
    spec = TargetSpec(kind, httpserver.url_for(path))
    [finding] = Inspection(crawler_for(httpserver), AS_OF).target(spec)
    assert finding.check == "feed_freshness" and finding.status == "pass"
    httpserver.clear()
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, path, stale, content_type=ctype)
    [finding] = Inspection(crawler_for(httpserver), AS_OF).target(spec)
    assert finding.status == "fail" and finding.veto


@pytest.mark.parametrize(("kind", "body", "ctype", "why"), [
    ("feed", "<html><body><h1>首页</h1><p>2026-11-29</p></body></html>", "text/html; charset=utf-8",
     "not a feed (text/html)"),
    ("feed", '{"error": "login required"}', "application/json", "not a feed (application/json)"),
    ("csv", "<!DOCTYPE html><html><body>登录</body></html>", "text/plain", "not a CSV export (text/plain)"),
])  # fmt: skip
def test_a_feed_address_that_answers_no_feed_is_unknown_not_a_veto(httpserver, kind, body, ctype, why):
    """A wrongly registered address, or a platform's login or error page answered with 200, says nothing about
    the account's posts: unknown with the reason, never "no dated post" and a single veto."""
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, "/feed", body, content_type=ctype)
    [finding] = Inspection(crawler_for(httpserver), AS_OF).target(TargetSpec(kind, httpserver.url_for("/feed")))
    assert (finding.status, finding.veto, finding.detail) == ("unknown", False, f"not read: {why}")
    httpserver.clear()  # a real feed without any post is still a feed without a post
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, "/feed", rss([]), content_type="application/rss+xml")
    [finding] = Inspection(crawler_for(httpserver), AS_OF).target(TargetSpec("feed", httpserver.url_for("/feed")))
    assert (finding.status, finding.veto, finding.detail) == ("fail", True, "no dated post")


def test_a_page_cut_at_the_page_budget_is_not_judged_as_whole(httpserver):
    """A page larger than the per-page budget is read only in part: its column is "not read" (not blank),
    a feed that large is unknown (not "no dated post"), a home page that large is not read."""
    build_site(httpserver, columns={"/news/": ("工作动态", [1], True)})
    serve(httpserver, "/big/", page("通知公告", "<p>" + "x" * 30_000 + "</p>" + listing("/big/", [2])))
    columns = [{"url": httpserver.url_for(path), "name": name} for path, name in (("/news/", "工作动态"),
                                                                                  ("/big/", "通知公告"))]  # fmt: skip
    serve(httpserver, "/big.xml", rss([1]).replace("<channel>", "<channel>" + "<!--" + "x" * 30_000 + "-->"),
          content_type="application/rss+xml")  # fmt: skip
    crawler = crawler_for(httpserver, max_page_bytes=20_000)
    checks, found, _ = run(httpserver, {"columns": columns}, crawler=crawler)
    big = next(c for c in found if c.url.endswith("/big/"))
    assert (big.status, big.detail) == ("unknown", "通知公告: not read: larger than 1 MB (cut)")
    assert checks["blank_columns"].observed == 0
    [feed] = Inspection(crawler, AS_OF).target(TargetSpec("feed", httpserver.url_for("/big.xml")))
    assert (feed.status, feed.veto, feed.detail) == ("unknown", False, "not read: larger than 1 MB (cut)")
    tiny = crawler_for(httpserver, max_page_bytes=200)
    checks, _, _ = run(httpserver, crawler=tiny)
    assert checks["home_page_freshness"].status == "unknown"
    assert checks["home_page_freshness"].detail == "home page not read: larger than 1 MB (cut)"


# --- safe crawling ---------------------------------------------------------------------------------------------------


@pytest.fixture
def other_server():
    """A second local server reached under another host name ("localhost"): not registered."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="localhost", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_redirect_to_an_unregistered_host_is_not_followed(httpserver, other_server):
    serve(httpserver, "/robots.txt", "", status=404)
    target = other_server.url_for("/elsewhere")
    httpserver.expect_request("/").respond_with_response(Response(status=302, headers={"Location": target}))
    other_server.expect_request("/elsewhere").respond_with_data("should not be fetched")
    crawler = crawler_for(httpserver)
    assert host_of(target) not in crawler.allowed_hosts
    fetch = crawler.fetch(httpserver.url_for("/"))
    assert fetch.error == f"redirect to unregistered host {host_of(target)} (not followed)"
    assert fetch.status == 302 and len(other_server.log) == 0
    assert crawler.fetch(target).error == "not registered" and len(other_server.log) == 0
    checks, _, _ = run(httpserver, crawler=crawler_for(httpserver))
    assert checks["home_page_freshness"].status == "unknown"


def test_redirect_within_the_registered_host_is_followed(httpserver):
    serve(httpserver, "/robots.txt", "", status=404)
    httpserver.expect_request("/old").respond_with_response(Response(status=301, headers={"Location": "/new"}))
    serve(httpserver, "/new", page("新", "<p>ok</p>"))
    fetch = crawler_for(httpserver).fetch(httpserver.url_for("/old"))
    assert fetch.ok and fetch.final_url == httpserver.url_for("/new") and fetch.redirects


def test_robots_txt_disallow_is_obeyed(httpserver):
    serve(httpserver, "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    serve(httpserver, "/private/page.html", page("秘密", "<p>x</p>"))
    serve(httpserver, "/public.html", page("公开", "<p>x</p>"))
    crawler = crawler_for(httpserver)
    assert crawler.fetch(httpserver.url_for("/private/page.html")).error == "robots.txt"
    assert crawler.fetch(httpserver.url_for("/public.html")).ok
    paths = [request.path for request, _response in httpserver.log]
    assert "/private/page.html" not in paths and paths.count("/robots.txt") == 1
    assert all(request.headers["User-Agent"] == UA for request, _r in httpserver.log)


def test_robots_txt_that_fails_means_disallow_all(httpserver):
    serve(httpserver, "/robots.txt", "oops", status=503)
    serve(httpserver, "/", page("首页"))
    assert crawler_for(httpserver).fetch(httpserver.url_for("/")).error == "robots.txt unreachable: HTTP 503"
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]


def test_a_slow_host_times_out(httpserver):
    serve(httpserver, "/robots.txt", "", status=404)

    def slow(request):
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/").respond_with_handler(slow)
    started = time.monotonic()
    fetch = crawler_for(httpserver, timeout=0.5).fetch(httpserver.url_for("/"))
    assert fetch.error == "timeout" and fetch.status is None
    assert time.monotonic() - started < 1.4
    time.sleep(1.2)  # the fixture server (shared by the next test) finishes the slow answer first


def test_page_and_byte_budgets(httpserver):
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, "/big", b"x" * 50_000)
    crawler = crawler_for(httpserver, max_pages=2, max_page_bytes=10_000, max_bytes=15_000)
    first = crawler.fetch(httpserver.url_for("/big"))
    assert first.ok and first.truncated and len(first.body) == 10_000
    assert crawler.fetch(httpserver.url_for("/big")).ok
    assert crawler.fetch(httpserver.url_for("/big")).error == "page budget"
    crawler = crawler_for(httpserver, max_page_bytes=10_000, max_bytes=15_000)
    crawler.fetch(httpserver.url_for("/big"))
    crawler.fetch(httpserver.url_for("/big"))
    assert crawler.fetch(httpserver.url_for("/big")).error == "byte budget"


def test_per_host_rate_limit(httpserver):
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, "/p", "x")
    crawler = crawler_for(httpserver, min_interval=0.2)
    crawler.fetch(httpserver.url_for("/p"))  # robots.txt, then the page: two turns
    started = time.monotonic()
    # The interval runs from one request's start to the next: the first fetch below may start at once
    # (the previous one took its time on a busy machine), each later one waits its 0.2 s.
    for _ in range(3):
        crawler.fetch(httpserver.url_for("/p"))
    assert time.monotonic() - started >= 0.4


def test_scripts_are_never_run(httpserver):
    body = f"<script>document.write('<meta name=PubDate content={ago(1)}>')</script>{listing('/a/', [40])}"
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, "/", page("首页", body))
    checks, _, _ = run(httpserver)
    assert checks["home_page_freshness"].observed == ago(40).isoformat()


@pytest.fixture
def https_server(tmp_path):
    """A local https server with a self-signed certificate for 127.0.0.1 (openssl, a test dependency of the
    Debian base), and the certificate to trust."""
    import shutil
    import ssl
    import subprocess

    from pytest_httpserver import HTTPServer

    if shutil.which("openssl") is None:
        pytest.skip("openssl is missing")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    yield server, cert
    server.clear()
    server.stop()


def test_https_passes_on_a_site_served_over_https(https_server):
    import requests

    server, cert = https_server
    build_site(server)
    session = requests.Session()
    session.verify = str(cert)
    crawler = Crawler({f"{server.host}:{server.port}"}, UA, timeout=3.0, min_interval=0.0, session=session,
                      allow_private=True)  # fmt: skip
    assert server.url_for("/").startswith("https://")
    checks, _, _ = run(server, crawler=crawler)
    assert checks["https"].status == "pass" and checks["https"].observed == "https"
    assert checks["home_page_freshness"].status == "pass"


def test_private_addresses_are_refused_by_default(httpserver):
    serve(httpserver, "/robots.txt", "", status=404)
    serve(httpserver, "/", page("首页"))
    crawler = crawler_for(httpserver, allow_private=False)
    fetch = crawler.fetch(httpserver.url_for("/"))
    assert fetch.error == "private address 127.0.0.1 refused" and len(httpserver.log) == 0
    for url in ("http://localhost/", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"):
        assert Crawler({host_of(url)}, UA).private_address(url) is not None, url


def test_selectors_that_return_no_elements_do_not_break_a_run(httpserver):
    build_site(httpserver)
    checks, _, _ = run(httpserver, {"selectors": {"list_item": "count(//li)", "date": "string(.)"}})
    assert checks["home_page_freshness"].status == "pass"  # the page's metadata still dates it
