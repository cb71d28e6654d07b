"""One inspection of a department's targets: fetch (``crawler``), read (``definitions/webpages``), judge
(``domain/inspection``). Returns plain findings; every fetched page goes to ``record`` (the service keeps it
as a WARC record and returns its evidence key).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from surveyapp.definitions.webpages import NotAFeed, Page, csv_post_dates, feed_dates, parse_page
from surveyapp.domain import inspection as rules
from surveyapp.inspector.crawler import Crawler, Fetch

#: Article pages read per list for their metadata date (the list's newest items come first).
ARTICLES_PER_LIST = 2
#: Columns discovered from the home page's navigation when none are registered, at most.
MAX_COLUMNS = 30
#: Links of the home page checked for broken links, at most.
MAX_LINKS = 60


@dataclass
class TargetSpec:
    """What a registered target says: kind (website | feed | csv), URL, optional columns
    ([{"url", "name", "type"}]), selectors ({"list_item", "date"}) and required entrances."""

    kind: str
    url: str
    columns: Sequence[dict] = ()
    selectors: dict = field(default_factory=dict)
    entrances: Sequence[str] = ()
    target_id: int | None = None


Recorder = Callable[[Fetch], "str | None"]


class Inspection:
    """Inspects targets with one crawler; pages fetched once per run (cached by URL)."""

    def __init__(self, crawler: Crawler, as_of: date, record: Recorder | None = None):
        self.crawler = crawler
        self.as_of = as_of
        self.record = record or (lambda fetch: None)
        self._fetched: dict[str, tuple[Fetch, str | None]] = {}
        self._pages: dict[str, Page] = {}
        self._read: list[str] = []  # pages read for the current target (the cache is shared by all targets)

    def get(self, url: str) -> tuple[Fetch, str | None]:
        if url not in self._fetched:
            fetch = self.crawler.fetch(url)
            evidence = self.record(fetch) if fetch.status is not None else None
            self._fetched[url] = (fetch, evidence)
        return self._fetched[url]

    def page(self, url: str, selectors: dict | None = None) -> tuple[Fetch, Page | None, str | None]:
        fetch, evidence = self.get(url)
        if not fetch.ok or fetch.truncated:  # a page cut at the budget is not judged as if it were whole
            return fetch, None, evidence
        if url not in self._pages:
            self._pages[url] = parse_page(fetch.body, fetch.final_url or url, fetch.content_type, selectors,
                                          self.as_of)  # fmt: skip
        if url not in self._read:
            self._read.append(url)
        return fetch, self._pages[url], evidence

    def _article_dates(self, page: Page) -> list[date]:
        dates = []
        for link in [u for u in page.item_links if self.crawler.allowed(u)][:ARTICLES_PER_LIST]:
            _fetch, article, _ev = self.page(link)
            if article is not None and article.meta_date is not None:
                dates.append(article.meta_date)
        return dates

    # --- targets ----------------------------------------------------------------------------------------------------

    def website(self, target: TargetSpec) -> list[rules.Finding]:
        self._read = []
        home_fetch, home, evidence = self.page(target.url, target.selectors)
        findings: list[rules.Finding] = []
        if home is None:
            why = home_fetch.error or f"HTTP {home_fetch.status}"
            if home_fetch.ok and home_fetch.truncated:
                why = _too_large(self.crawler)
            for check in ("home_page_freshness", "https", "required_entrances", "broken_links", "personal_data"):
                findings.append(rules.Finding(check, rules.UNKNOWN, None, rules.CHECKS[check].threshold,
                                              target.url, evidence, f"home page not read: {why}"))  # fmt: skip
            return findings
        meta_dates = [d for d in [home.meta_date] if d] + self._article_dates(home)
        findings.append(rules.home_page_freshness(target.url, meta_dates, home.list_dates, home.extracted,
                                                  self.as_of, evidence))  # fmt: skip
        findings.append(rules.https_finding(target.url, home_fetch.final_url, evidence))
        findings.append(rules.required_entrances(target.url, home.links, list(target.entrances) or None, evidence))
        findings += rules.column_findings(self._columns(target, home), self.as_of)
        findings.append(self._broken_links(target.url, home, evidence))
        # This target's own pages only: other targets' pages (even on the same host) are theirs to report.
        texts = [(url, self._pages[url].text, self._fetched[url][1]) for url in self._read]
        findings.append(rules.personal_data(texts))
        return findings

    def _columns(self, target: TargetSpec, home: Page) -> list[rules.ColumnFacts]:
        wanted = [dict(c) for c in target.columns] or [
            {"url": href, "name": text} for href, text in dict(home.nav_links).items()
            if self.crawler.allowed(href) and href.rstrip("/") != home.url.rstrip("/")
        ][:MAX_COLUMNS]  # fmt: skip
        columns = []
        for spec in wanted:
            fetch, page, evidence = self.page(spec["url"], target.selectors)
            name = spec.get("name") or (page.column_name if page else None) or spec["url"]
            if page is None:
                why = fetch.error or (_too_large(self.crawler) if fetch.ok else f"HTTP {fetch.status}")
                columns.append(rules.ColumnFacts(spec["url"], name, rules.column_type(name, spec.get("type")), 0,
                                                 evidence=evidence, reachable=False, why=why))  # fmt: skip
                continue
            kind = rules.column_type(name, spec.get("type") or page.column_type)
            columns.append(rules.ColumnFacts(
                spec["url"], name, kind, page.list_items, self._article_dates(page), page.list_dates,
                page.extracted, evidence, True, page.empty_notice))  # fmt: skip
        return columns

    def _broken_links(self, url: str, home: Page, evidence) -> rules.Finding:
        links = list(dict.fromkeys(href for href, _t in home.links if self.crawler.allowed(href)))[:MAX_LINKS]
        results = []
        for link in links:
            fetch, link_evidence = self.get(link)
            if fetch.error in ("robots.txt", "page budget", "byte budget") or (fetch.error or "").startswith("robots"):
                continue  # not checked, not broken
            title, text = "", ""
            if fetch.ok and "html" in (fetch.content_type or "html"):
                page = self._pages.get(link) or parse_page(fetch.body, link, fetch.content_type, extract=False)
                title, text = page.title, page.text
            home_again = (
                bool(fetch.redirects) and _same_page(fetch.final_url, home.url) and not _same_page(link, home.url)
            )
            results.append(rules.LinkResult(link, fetch.status, title, text, fetch.error, link_evidence, home_again))
        return rules.broken_links(url, results, evidence)

    def feed(self, target: TargetSpec) -> list[rules.Finding]:
        fetch, evidence = self.get(target.url)
        if not fetch.ok:
            return [rules.feed_freshness(target.url, [], self.as_of, evidence, reachable=False)]
        if fetch.truncated:
            return [rules.feed_freshness(target.url, [], self.as_of, evidence, reachable=False,
                                         why=_too_large(self.crawler))]  # fmt: skip
        reader = csv_post_dates if target.kind == "csv" else feed_dates
        try:
            dates = reader(fetch.body, fetch.content_type)
        except NotAFeed as exc:  # a wrong address or an error page: nothing observed, not an account without posts
            return [rules.feed_freshness(target.url, [], self.as_of, evidence, reachable=False, why=str(exc))]
        return [rules.feed_freshness(target.url, dates, self.as_of, evidence)]

    def target(self, target: TargetSpec) -> list[rules.Finding]:
        return self.website(target) if target.kind == "website" else self.feed(target)


def _too_large(crawler: Crawler) -> str:
    return f"larger than {crawler.max_page_bytes // (1024 * 1024) or 1} MB (cut)"


def _same_page(a: str | None, b: str | None) -> bool:
    return (a or "").rstrip("/") == (b or "").rstrip("/")
