"""Reading what the inspector fetched: HTML pages (any charset, GBK included), feeds (RSS, Atom, JSON
Feed) and CSV exports of post dates; and keeping each fetched page as a WARC record.

Pure: no Flask, no database, no network. htmldate is given a parsed tree, never a URL, so it cannot fetch.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser
import lxml.html
from charset_normalizer import from_bytes
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from surveyapp.domain.inspection import dates_in_text, metadata_date, parse_meta_date

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
# GB2312 and GBK pages are decoded as GB18030, their superset (characters a page mislabels still decode).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}
_EMPTY_NOTICES = ("暂无信息", "暫無信息", "暂无内容", "暫無內容", "暂无数据", "暫無數據", "no content", "nothing yet")
DEFAULT_LIST_ITEM = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' list ') or contains(@class, 'list') or @id='list']//li"
)


def charset_of(body: bytes, content_type: str | None) -> str:
    """The page's charset: the HTTP header's, else the ``<meta charset>``'s, else detected; GBK → GB18030."""
    found = None
    if content_type and "charset=" in content_type.lower():
        found = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
    if not found:
        m = _META_CHARSET.search(body[:4096])
        found = m.group(1).decode("ascii").lower() if m else None
    if not found:
        best = from_bytes(body[:65536]).best()
        found = best.encoding if best else "utf-8"
    found = found.lower().replace("_", "-") if found else "utf-8"
    try:
        "".encode(found)
    except LookupError:
        found = "utf-8"
    return _SUPERSETS.get(found, found)


def decode(body: bytes, content_type: str | None) -> str:
    """The page's text, undecodable bytes replaced (a mislabelled page still yields text)."""
    return body.decode(charset_of(body, content_type), errors="replace")


@dataclass
class Page:
    """What one HTML page says: title, visible text, (absolute href, text) links, ``<meta>`` tags,
    the items its list shows with their dates, the metadata date and an extractor's date."""

    url: str
    title: str = ""
    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    nav_links: list[tuple[str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    list_items: int = 0
    item_links: list[str] = field(default_factory=list)
    list_dates: list[date] = field(default_factory=list)
    meta_date: date | None = None
    extracted: date | None = None
    empty_notice: bool = False

    @property
    def column_name(self) -> str | None:
        return self.meta.get("columnname") or None

    @property
    def column_type(self) -> str | None:
        return self.meta.get("columntype") or None


def _text(element) -> str:
    return " ".join(element.text_content().split())


def parse_page(
    body: bytes,
    url: str,
    content_type: str | None = None,
    selectors: dict | None = None,
    as_of: date | None = None,
    extract: bool = True,
) -> Page:
    """Parse an HTML page. ``selectors``: optional XPath ``list_item`` (items of the page's list) and
    ``date`` (relative to an item) for sites whose lists the defaults miss. Scripts are never run; their
    text is dropped."""  # fmt: skip
    selectors = selectors or {}
    page = Page(url=url)
    text = decode(body, content_type)
    if not text.strip():
        return page
    try:
        tree = lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError):
        return page
    for bad in tree.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    title = tree.find(".//title")
    page.title = _text(title) if title is not None else ""
    for meta in tree.xpath("//meta[@name or @property]"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        if name and name not in page.meta:
            page.meta[name] = (meta.get("content") or "").strip()
    body_el = tree.find(".//body")
    page.text = _text(body_el) if body_el is not None else _text(tree)
    for a in tree.xpath("//nav//a[@href] | //*[contains(@class,'nav') or contains(@class,'menu')]//a[@href]"):
        href = absolute_url(url, a.get("href"))
        if href is not None:
            page.nav_links.append((href, _text(a)))
    for a in tree.xpath("//a[@href]"):
        href = a.get("href").strip()
        if href.lower().startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        href = absolute_url(url, href)
        if href is not None:
            page.links.append((href, _text(a)))
    items = [i for i in _xpath(tree, selectors.get("list_item") or DEFAULT_LIST_ITEM) if hasattr(i, "xpath")]
    if not items and not selectors.get("list_item"):  # no list markup: list items that show a date
        items = [li for li in tree.xpath("//li") if dates_in_text(_text(li))]
    page.list_items = len(items)
    for item in items:
        if selectors.get("date"):
            parts = _xpath(item, selectors["date"])
            raw = " ".join(p if isinstance(p, str) else _text(p) for p in parts)
        else:
            raw = _text(item)
        page.list_dates += dates_in_text(raw)
        for a in item.xpath(".//a[@href]"):
            href = absolute_url(url, a.get("href"))
            if href is not None:
                page.item_links.append(href)
    page.meta_date = metadata_date(page.meta)
    page.empty_notice = any(w in page.text.lower() for w in _EMPTY_NOTICES)
    if extract and page.meta_date is None and not page.list_dates:
        page.extracted = extracted_date(tree, as_of)
    return page


def _xpath(node, path: str) -> list:
    """A user-given XPath's results as a list (a number, text or a malformed expression: what it can give)."""
    try:
        found = node.xpath(path)
    except lxml.etree.XPathError:
        return []
    if isinstance(found, list):
        return found
    return [str(found)] if isinstance(found, str) else []


def extracted_date(tree, as_of: date | None) -> date | None:
    """htmldate's publication date of a parsed page (original date, not after ``as_of``); None if none."""
    from htmldate import find_date

    kwargs = {"original_date": True, "outputformat": "%Y-%m-%d", "extensive_search": True}
    if as_of is not None:
        kwargs["max_date"] = as_of.isoformat()
    try:
        found = find_date(tree, **kwargs)
    except Exception:  # noqa: BLE001 - the extractor is a last resort; its failure means "no date"
        return None
    return parse_meta_date(found) if found else None


# --- feeds and CSV exports ----------------------------------------------------------------------------------------


def absolute_url(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base``, without its fragment; None for an address that cannot be one
    (a published page may hold ``http://[::1``, a port above 65535, …: such a link is skipped, not fatal)."""
    try:
        resolved = urldefrag(urljoin(base, (href or "").strip()))[0]
        urlsplit(resolved).port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    return resolved


class NotAFeed(ValueError):
    """The document is not the feed (or CSV export) it was registered as: an HTML page, a login or error page
    answered with 200, … Nothing about the account's posts can be read from it."""


def feed_dates(body: bytes, content_type: str | None = None) -> list[date]:
    """Post dates of an RSS, Atom or JSON Feed document (published, else updated); an empty feed gives no
    date. Raises ``NotAFeed`` for anything else."""
    stripped = body.lstrip()
    kind = (content_type or "unknown type").split(";")[0].strip()
    if stripped.startswith(b"{"):
        try:
            doc = json.loads(decode(body, content_type))
        except ValueError:
            raise NotAFeed(f"not a feed ({kind})") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("items", []), list) or "version" not in doc:
            raise NotAFeed(f"not a feed ({kind})")
        found = []
        for item in doc.get("items", []) if isinstance(doc, dict) else []:
            value = item.get("date_published") or item.get("date_modified") if isinstance(item, dict) else None
            parsed = parse_meta_date(str(value)) if value else None
            if parsed:
                found.append(parsed)
        return found
    parsed = feedparser.parse(body, response_headers={"content-type": content_type or "application/xml"})
    if not parsed.get("version"):  # feedparser recognised no RSS or Atom document (an HTML page, say)
        raise NotAFeed(f"not a feed ({kind})")
    found = []
    for entry in parsed.entries:
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if stamp:
            found.append(date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday))
    return found


_CSV_DATE_COLUMNS = (
    "date", "published", "pubdate", "post_date", "time", "发布时间", "发布日期", "發布時間", "日期", "时间",
)  # fmt: skip


def csv_post_dates(body: bytes, content_type: str | None = None) -> list[date]:
    """Post dates of a platform's CSV export: the first column whose header names a date, else any date cell.
    Raises ``NotAFeed`` for an HTML (or XML) page."""
    kind = (content_type or "unknown type").split(";")[0].strip()
    if "html" in kind.lower() or body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise NotAFeed(f"not a CSV export ({kind})")
    text = decode(body, content_type).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    index = next((i for i, h in enumerate(header) if h in _CSV_DATE_COLUMNS), None)
    found = []
    for row in rows[1:]:
        cells = [row[index]] if index is not None and index < len(row) else row
        for cell in cells:
            found += dates_in_text(cell)[:1]
    return found


# --- WARC ----------------------------------------------------------------------------------------------------------


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class WarcFile:
    """Appends response records to one gzip WARC file; ``add`` returns the record's byte offset."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = open(self.path, "ab")  # noqa: SIM115 - closed by close()
        self._writer = WARCWriter(self._stream, gzip=True)

    def add(self, url: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
            truncated: bool = False) -> int:  # fmt: skip
        """A response record; ``truncated``: the body was cut at the page budget (``WARC-Truncated: length``,
        so the record does not claim to be the whole page)."""
        offset = self._stream.tell()
        http_headers = StatusAndHeaders(f"{status} {reason or ''}".strip(), headers, protocol="HTTP/1.1")
        extra = {"WARC-Truncated": "length"} if truncated else None
        record = self._writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                 http_headers=http_headers, warc_headers_dict=extra)  # fmt: skip
        self._writer.write_record(record)
        self._stream.flush()
        return offset

    def close(self) -> None:
        self._stream.close()


def read_record(path: Path, offset: int) -> tuple[str, int, bytes]:
    """The (URL, HTTP status, payload) of the record at ``offset``: the page as it was fetched."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream):
            status = int(record.http_headers.get_statuscode()) if record.http_headers else 0
            return record.rec_headers.get_header("WARC-Target-URI"), status, record.content_stream().read()
    raise LookupError(f"no WARC record at {path}:{offset}")
