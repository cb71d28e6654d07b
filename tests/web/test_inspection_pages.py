"""The inspector's pages: registering targets (CSRF, scope), findings and history, in three languages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from surveyapp.extensions import db
from surveyapp.models import InspectionTarget, Organisation
from surveyapp.services import inspection as service
from tests.helpers import inspector_settings, sign_in
from tests.inspector.test_fixture_sites import AS_OF, build_site


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def app_config(app_config, tmp_path):
    app_config |= inspector_settings(tmp_path)
    return app_config


@pytest.fixture
def world(app, create_org, create_user):
    agency = create_org("AG", kind="agency")
    other_agency = create_org("BG", kind="agency")
    d1, d2 = create_org("D1", parent=agency), create_org("D2", parent=other_agency)
    create_user("coord@d1.example", "coordinator", organisation=d1)
    create_user("coord@d2.example", "coordinator", organisation=d2)
    create_user("admin@ag.example", "admin", organisation=agency)
    create_user("admin@bg.example", "admin", organisation=other_agency)
    create_user("staff@d1.example", "staff", organisation=d1)
    return {"d1": d1.id, "d2": d2.id}


def test_coordinator_registers_a_target_and_sees_findings(app, world, httpserver):
    build_site(httpserver, columns={"/tzgg/": ("通知公告", [300], True)})
    client = app.test_client()
    sign_in(client, "coord@d1.example", lang="en")
    url = f"/departments/{world['d1']}/inspection"
    assert client.get("/inspection").headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "No inspection yet" in page
    bad = client.post(url, data={"kind": "website", "url": "ftp://nope/", "columns": ""})
    assert bad.status_code == 400 and "Not an http or https address" in bad.get_data(as_text=True)
    bad = client.post(url, data={"kind": "website", "url": httpserver.url_for("/"), "list_item": "//li[",
                                 "columns": ""})  # fmt: skip
    assert bad.status_code == 400 and "Not an XPath expression" in bad.get_data(as_text=True)
    for odd in ("http://example.org:99999/", "http://[::1"):  # urllib's ValueError was a 500
        bad = client.post(url, data={"kind": "website", "url": odd, "columns": ""})
        assert bad.status_code == 400 and "Not an http or https address" in bad.get_data(as_text=True)
    bad = client.post(url, data={"kind": "website", "url": httpserver.url_for("/"), "columns": "http://[::1 | x"})
    assert bad.status_code == 400 and "Column line 1" in bad.get_data(as_text=True)
    ok = client.post(url, data={"kind": "website", "url": httpserver.url_for("/"), "label": "<b>site</b>",
                                "columns": f"{httpserver.url_for('/tzgg/')} | 通知公告 | notices"})  # fmt: skip
    assert ok.status_code == 302
    with app.app_context():
        target = db.session.query(InspectionTarget).one()
        target_id = target.id
        assert target.columns == [{"url": httpserver.url_for("/tzgg/"), "name": "通知公告", "type": "notices"}]
        service.run_inspection(db.session.get(Organisation, world["d1"]), AS_OF - timedelta(days=7))
    for lang, words in (("en", ("Latest findings", "Column updated", "fail")),
                        ("zh_Hans", ("最新发现", "栏目更新")), ("zh_Hant", ("最新發現", "欄目更新"))):  # fmt: skip
        client.get(f"/language/{lang}")
        html = client.get(url).get_data(as_text=True)
        for word in words:
            assert word in html, (lang, word)
    assert "&lt;b&gt;site&lt;/b&gt;" in html and "<b>site</b>" not in html
    with app.app_context():  # a second inspection a week later: the history shows both side by side
        service.run_inspection(db.session.get(Organisation, world["d1"]), AS_OF)
    client.get("/language/en")
    html = client.get(url).get_data(as_text=True)
    history = html.split('class="history"')[1].split("</table>")[0]
    assert AS_OF.isoformat() in history and (AS_OF - timedelta(days=7)).isoformat() in history
    assert "Column updated" in history and "fail" in history
    assert re.search(r"[0-9a-f]{12}…", html)  # evidence SHA-256
    link = re.search(r'href="(/departments/\d+/inspection/snapshots/(\d+))"', html)
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.mimetype == "application/octet-stream"
    assert "attachment" in download.headers["Content-Disposition"]
    import hashlib

    assert hashlib.sha256(download.data).hexdigest() == download.headers["X-SHA256"]
    other = app.test_client()
    sign_in(other, "coord@d2.example", lang="en")
    assert other.get(link.group(1)).status_code == 403
    assert client.get(f"/departments/{world['d2']}/inspection/snapshots/{link.group(2)}").status_code == 403
    removed = client.post(f"{url}/targets/{target_id}/remove")
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.get(InspectionTarget, target_id).active is False


def test_scope(app, world):
    cases = (("coord@d2.example", 403, 200), ("admin@bg.example", 403, 200), ("admin@ag.example", 200, 403),
             ("staff@d1.example", 403, 403))  # fmt: skip
    for email, d1, d2 in cases:
        client = app.test_client()
        sign_in(client, email, lang="en")
        assert client.get(f"/departments/{world['d1']}/inspection").status_code == d1, email
        assert client.get(f"/departments/{world['d2']}/inspection").status_code == d2, email
        assert client.post(f"/departments/{world['d1']}/inspection", data={"kind": "website",
                           "url": "http://x.example/"}).status_code == (d1 if d1 != 200 else 302)  # fmt: skip
    with app.app_context():
        assert db.session.query(InspectionTarget).count() == 1  # only the admin in scope registered one


def test_forms_need_the_csrf_token(app_config, world, app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.get("/language/en")
    from tests.helpers import PASSWORD

    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post("/login", data={"email": "coord@d1.example", "password": PASSWORD, "csrf_token": token})
    response = client.post(f"/departments/{world['d1']}/inspection", data={"kind": "website",
                           "url": "http://x.example/"})  # fmt: skip
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(InspectionTarget).count() == 0


def test_why_a_feed_or_page_was_not_read_is_translated(app):
    from flask_babel import force_locale

    from surveyapp.services import inspection_words as words

    details = ("not read: not a feed (text/html)", "not read", "home page not read: larger than 3 MB (cut)")
    expected = {
        "zh_Hans": ("未能读取：不是订阅源（text/html）", "未能读取", "首页未能读取：大于 3 MB（已按单页上限截断）"),
        "zh_Hant": ("未能讀取：不是訂閱源（text/html）", "未能讀取", "首頁未能讀取：大於 3 MB（已按單頁上限截斷）"),
        "en": ("not read: not a feed (text/html)", "not read",
               "home page not read: larger than 3 MB (cut at the page limit)"),
    }  # fmt: skip
    with app.test_request_context("/"):
        for lang, words_expected in expected.items():
            with force_locale(lang):
                assert tuple(words.detail_words("feed_freshness", d) for d in details) == words_expected


def test_the_crawlers_reasons_are_translated(app):
    from flask_babel import force_locale

    from surveyapp.services import inspection_words as words

    reasons = {
        "robots.txt unreachable: ConnectionError": "robots.txt 无法读取（ConnectionError），因此不抓取任何页面",
        "private address 127.0.0.1 refused": "已拒绝：内网地址 127.0.0.1",
        "redirect to unregistered host a.example (not followed)": "重定向到未登记的主机 a.example（未跟随）",
        "connection: ConnectionError": "无法连接（ConnectionError）",
        "robots.txt": "robots.txt 不允许抓取",
        "timeout": "在时限内无应答",
        "too many redirects": "重定向次数过多",
        "HTTP 500": "HTTP 500",
    }
    with app.test_request_context("/"), force_locale("zh_Hans"):
        for why, expected in reasons.items():
            assert words.detail_words("https", f"home page not read: {why}") == f"首页未能读取：{expected}"


def test_broken_link_reasons_are_translated(app):
    from flask_babel import force_locale

    from surveyapp.services import inspection_words as words

    detail = ("http://a.example/x (500); http://a.example/y (timeout); http://a.example/z (soft 404); "
              "http://a.example/w (redirect to unregistered host b.example (not followed))")  # fmt: skip
    with app.test_request_context("/"), force_locale("zh_Hans"):
        assert words.detail_words("broken_links", detail) == (
            "http://a.example/x (500); http://a.example/y (在时限内无应答); http://a.example/z (软 404); "
            "http://a.example/w (重定向到未登记的主机 b.example（未跟随）)")  # fmt: skip
    with app.test_request_context("/"), force_locale("en"):
        assert words.detail_words("broken_links", detail).startswith("http://a.example/x (500); http://a.example/y (no")


def test_why_a_column_was_not_read_is_shown_and_translated(app):
    from flask_babel import force_locale

    from surveyapp.domain import inspection as rules
    from surveyapp.services import inspection_words as words

    columns = [
        rules.ColumnFacts("http://a.example/x/", "通知公告", "notices", 0, reachable=False, why="robots.txt"),
        rules.ColumnFacts("http://a.example/y/", "工作动态", "news", 0, reachable=False, why="HTTP 500"),
    ]
    findings = rules.column_findings(columns, rules.date(2026, 11, 30))
    details = [f.detail for f in findings if f.check == "column_freshness"]
    assert details == ["通知公告: not read: robots.txt", "工作动态: not read: HTTP 500"]
    with app.test_request_context("/"), force_locale("zh_Hans"):
        assert [words.detail_words("column_freshness", d) for d in details] == [
            "通知公告: 未能读取：robots.txt 不允许抓取", "工作动态: 未能读取：HTTP 500"]  # fmt: skip
