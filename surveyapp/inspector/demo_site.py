"""A small local government-style website for trying the inspector offline (``flask demo site``) and for
the benchmark: a home page with GB/T 42147 metadata, a fresh news column, a notices column not updated for
eight months (overdue), a blank personnel column, a policy column without metadata (list dates only), the
disclosure entrances, an RSS feed and a stale Atom feed. Dates are relative to the day the page is served.

``/bulk/<n>.html`` serves any number of article pages (for the benchmark). A WSGI app; no Flask.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from werkzeug.wrappers import Request, Response

COLUMNS = (
    # path, name, ColumnType, ages of its items in days, metadata on articles
    ("xwdt", "工作动态", "动态要闻", (2, 9, 20), True),
    ("tzgg", "通知公告", "通知公告", (240, 300), True),
    ("zcwj", "政策文件", "政策文件", (45, 120), False),
    ("rsxx", "人事信息", "人事信息", (), True),
)


def _page(title: str, body: str, meta: dict[str, str] | None = None) -> str:
    metas = "".join(f'<meta name="{escape(k)}" content="{escape(v)}">' for k, v in (meta or {}).items())
    nav = "".join(f'<li><a href="/{path}/">{name}</a></li>' for path, name, *_ in COLUMNS)
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="SiteName" content="示范市人民政府"><meta name="SiteIDCode" content="0000000001">{metas}'
            f'</head><body><header><h1>示范市人民政府</h1><nav class="nav"><ul><li><a href="/">首页</a></li>{nav}'
            f'</ul></nav></header><main>{body}</main><footer><a href="/gongkai/guide.html">政府信息公开指南</a> '
            f'<a href="/gongkai/catalogue.html">政府信息公开目录</a> '
            f'<a href="/gongkai/report.html">政府信息公开年度报告</a> '
            f'<a href="/hudong/">领导信箱 · 我要留言</a> <a href="/feed.xml">RSS</a>'
            "</footer></body></html>")  # fmt: skip


def _list(path: str, ages, today: date) -> str:
    if not ages:
        return '<ul class="list"></ul><p>暂无信息</p>'
    items = "".join(f'<li><a href="/{path}/{i}.html">第{i}号信息</a><span>{today - timedelta(days=age)}</span></li>'
                    for i, age in enumerate(ages, start=1))  # fmt: skip
    return f'<ul class="list">{items}</ul>'


def render(path: str, today: date | None = None) -> tuple[int, str, str]:
    """(status, content type, body) for ``path`` on ``today``."""
    today = today or date.today()
    if path == "/robots.txt":
        return 200, "text/plain", "User-agent: *\nDisallow: /private/\n"
    if path == "/":
        news = COLUMNS[0]
        body = "<h2>要闻</h2>" + _list(news[0], news[3], today)
        return 200, "text/html; charset=utf-8", _page("示范市人民政府", body, {
            "ColumnName": "首页", "ColumnType": "首页", "PubDate": f"{today - timedelta(days=2)} 09:00"})  # fmt: skip
    for column, name, ctype, ages, meta in COLUMNS:
        if path == f"/{column}/":
            return 200, "text/html; charset=utf-8", _page(name, f"<h2>{name}</h2>" + _list(column, ages, today),
                                                          {"ColumnName": name, "ColumnType": ctype})  # fmt: skip
        for i, age in enumerate(ages, start=1):
            if path == f"/{column}/{i}.html":
                pub = today - timedelta(days=age)
                extra = {"ColumnName": name, "ArticleTitle": f"第{i}号信息", "PubDate": f"{pub} 10:00"} if meta else {}
                body = f"<h2>第{i}号信息</h2><p>正文。</p>"
                return 200, "text/html; charset=utf-8", _page(f"第{i}号信息", body, extra)
    if path.startswith("/gongkai/") or path == "/hudong/":
        return 200, "text/html; charset=utf-8", _page("政务公开", "<p>政务公开专栏。</p>")
    if path.startswith("/bulk/") and path.endswith(".html") and path[6:-5].isdigit():
        n = int(path[6:-5])
        pub = today - timedelta(days=n % 30)
        text = "".join(f"<p>第{n}号信息第{k}段正文，关于政务公开与新媒体工作的说明。</p>" for k in range(20))
        return 200, "text/html; charset=utf-8", _page(f"第{n}号信息", text, {"PubDate": f"{pub} 10:00"})
    if path == "/feed.xml":
        items = "".join(f"<item><title>第{i}条</title><link>http://example.invalid/{i}</link>"
                        f"<pubDate>{(today - timedelta(days=d)).strftime('%a, %d %b %Y')} 08:00:00 +0800</pubDate>"
                        "</item>"
                        for i, d in enumerate((3, 10), start=1))  # fmt: skip
        return (
            200,
            "application/rss+xml; charset=utf-8",
            (
                f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>示范市发布</title>'
                f"<link>http://example.invalid/</link><description>政务新媒体</description>{items}</channel></rss>"
            ),
        )
    if path == "/stale-feed.xml":
        updated = f"{today - timedelta(days=40)}T08:00:00+08:00"
        return (
            200,
            "application/atom+xml; charset=utf-8",
            (
                '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>示范市某局</title>'
                f"<id>urn:demo:stale</id><updated>{updated}</updated><entry><title>旧消息</title><id>urn:demo:1</id>"
                f"<updated>{updated}</updated><published>{updated}</published></entry></feed>"
            ),
        )
    return 404, "text/html; charset=utf-8", _page("页面不存在", "<p>404 页面不存在</p>")


def app(environ, start_response):
    """The WSGI application."""
    request = Request(environ)
    status, content_type, body = render(request.path)
    return Response(body, status=status, content_type=content_type)(environ, start_response)
