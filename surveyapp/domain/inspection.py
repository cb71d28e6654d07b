"""Inspection rules: what an observer outside the agency checks on its website and feeds, with each
rule's threshold and basis.

Basis, unless a check says otherwise: 国务院办公厅秘书局《关于印发政府网站与政务新媒体检查指标、监管工作年度考核
指标的通知》(国办秘函〔2019〕19号), annex 1 *政府网站检查指标* and annex 2 *政务新媒体检查指标*. Their single-veto
items (单项否决) used here: a site that cannot be reached (站点无法访问: 5 % or more failed probes over a week of
monitoring, each probe waiting 15 seconds), a home page without an update in the two weeks before the check (网站不
更新), five or more columns not updated in time (栏目不更新: news/activity columns two weeks, notices and policy
documents six months), five or more blank columns (空白栏目) and a new-media account without an update in the two
weeks before the check (监测前2周内无更新).

Dates come from the page's own metadata first (GB/T 42147-2022 *政府网站网页设计规范* puts ``<meta
name="PubDate">``, ``ColumnName``, ``ColumnType`` … on government pages), then from the dates printed in a list,
then from a general extractor (htmldate, in ``definitions/webpages``). ``choose_date`` says which one won.

Pure: standard library, the scoring rules (``domain.scoring``) and the evidence reference format
(``domain.rectification``). Days are calendar days; ``as_of`` is the
day of the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from surveyapp.domain.rectification import snapshot_id_of
from surveyapp.domain.scoring import RedLineHit, ScoreCard, red_line_hits, score_response

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
STATUSES = (PASS, FAIL, UNKNOWN)

BASIS_WEBSITE = "国办秘函〔2019〕19号附件1《政府网站检查指标》"
BASIS_MEDIA = "国办秘函〔2019〕19号附件2《政务新媒体检查指标》"


@dataclass(frozen=True)
class Check:
    """A check's name, the threshold as printed, whether failing it is a single veto, and its basis."""

    name: str
    threshold: str
    veto: bool
    basis: str


#: Home page: the newest dated item must be at most this many days old.
HOME_PAGE_MAX_DAYS = 14
#: Columns by type: news 2 weeks; notices and policy documents 6 months (in months), plans/personnel a year.
COLUMN_MAX_DAYS = {"news": 14}
COLUMN_MAX_MONTHS = {"notices": 6, "policies": 6, "plans": 12}
#: This many overdue (or blank) columns or more is a single veto.
OVERDUE_COLUMNS_VETO = 5
BLANK_COLUMNS_VETO = 5
#: New-media accounts and feeds: the last post must be at most this many days old.
FEED_MAX_DAYS = 14
#: Availability: share of failed probes over the window that is a veto, the window, and the probe timeout.
AVAILABILITY_FAILURE_SHARE = 0.05
AVAILABILITY_WINDOW_DAYS = 7
PROBE_TIMEOUT_SECONDS = 15

CHECKS: dict[str, Check] = {
    c.name: c
    for c in (
        Check("home_page_freshness", f"≤ {HOME_PAGE_MAX_DAYS} days", True,
              BASIS_WEBSITE + "单项否决：网站不更新（监测前2周内首页无更新）"),
        Check("column_freshness", "news ≤ 14 days; notices, policies ≤ 6 months; plans ≤ 12 months", False,
              BASIS_WEBSITE + "：栏目更新（动态要闻类2周，通知公告、政策文件类6个月）"),
        Check("overdue_columns", f"< {OVERDUE_COLUMNS_VETO} columns", True,
              BASIS_WEBSITE + "单项否决：栏目不更新（5个及以上）"),
        Check("blank_columns", f"< {BLANK_COLUMNS_VETO} columns", True,
              BASIS_WEBSITE + "单项否决：空白栏目（5个及以上）"),
        Check("feed_freshness", f"≤ {FEED_MAX_DAYS} days", True,
              BASIS_MEDIA + "单项否决：监测前2周内无更新"),
        Check("personal_data", "0 numbers", False,
              "《个人信息保护法》（2021）第34条；政府信息公开条例（2019）第15条：公开不得侵犯个人隐私"),
        Check("broken_links", "0 links", False, BASIS_WEBSITE + "：可用性（不可用链接）"),
        Check("https", "https", False, "《党政机关互联网政务应用安全管理规定》（2024）：加密传输（本工具按HTTPS检查）"),
        Check("required_entrances", "all present", False,
              "政府信息公开条例（2019）第12条（公开指南、公开目录）、第49条（年度报告）；"
              + BASIS_WEBSITE + "：互动交流"),
        Check("availability", f"< {AVAILABILITY_FAILURE_SHARE:.0%} failed probes over {AVAILABILITY_WINDOW_DAYS} days "
              f"({PROBE_TIMEOUT_SECONDS} s timeout)", True, BASIS_WEBSITE + "单项否决：站点无法访问"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One check's outcome. ``observed`` is a number, a date (ISO text) or a short list; ``evidence`` is the
    key of the fetched page that shows it (the service maps it to a WARC snapshot)."""

    check: str
    status: str
    observed: object
    threshold: str
    url: str | None = None
    evidence: str | None = None
    detail: str = ""
    veto: bool = False

    def __post_init__(self):
        if self.check not in CHECKS:
            raise ValueError(f"unknown check {self.check!r}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")


def _finding(check: str, status: str, observed, url=None, evidence=None, detail="", threshold=None) -> Finding:
    spec = CHECKS[check]
    return Finding(check, status, observed, threshold or spec.threshold, url, evidence, detail,
                   veto=spec.veto and status == FAIL)  # fmt: skip


# --- dates -------------------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"(?<!\d)(20\d{2}|19\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(20\d{2}|19\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
)
#: GB/T 42147-2022 and common CMS spellings of the publication date meta tag, in order of preference.
PUBDATE_META_NAMES = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "dc.date",
                      "dcterms.issued", "maketime")  # fmt: skip


def dates_in_text(text: str) -> list[date]:
    """Every plausible calendar date written in ``text`` (2024-05-01, 2024/5/1, 2024.05.01, 2024年5月1日)."""
    found = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text or ""):
            try:
                found.append(date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
            except ValueError:
                continue
    return found


def parse_meta_date(value: str | None) -> date | None:
    """The date of a metadata value such as ``2024-05-01 09:30`` or ``2024-05-01T09:30:00+08:00``; None if none."""
    dates = dates_in_text(value or "")
    return dates[0] if dates else None


def metadata_date(meta: dict[str, str]) -> date | None:
    """The publication date from a page's ``<meta>`` tags (names compared case-insensitively), GB/T 42147
    ``PubDate`` first."""
    lowered = {k.lower(): v for k, v in meta.items()}
    for name in PUBDATE_META_NAMES:
        found = parse_meta_date(lowered.get(name))
        if found:
            return found
    return None


def choose_date(
    meta_dates: Iterable[date | None], list_dates: Iterable[date], extracted: date | None, as_of: date
) -> tuple[date | None, str]:
    """The newest date by the first source that has one: ``("metadata" | "list" | "extractor" | "none")``.
    Dates after ``as_of`` (typos, event dates) are ignored."""  # fmt: skip
    for source, dates in (("metadata", meta_dates), ("list", list_dates), ("extractor", [extracted])):
        usable = [d for d in dates if d is not None and d <= as_of]
        if usable:
            return max(usable), source
    return None, "none"


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it has fewer days)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- columns ---------------------------------------------------------------------------------------------------

_COLUMN_WORDS = (
    ("news", ("动态", "要闻", "新闻", "工作动态", "動態", "要聞", "新聞", "news", "updates")),
    ("notices", ("通知", "公告", "公示", "notice", "announcement")),
    ("policies", ("政策", "文件", "法规", "规章", "解读", "法規", "規章", "解讀", "polic", "regulation")),
    ("plans", ("规划", "计划", "人事", "規劃", "計劃", "plan", "personnel")),
)


def column_type(name: str, declared: str | None = None) -> str:
    """``news | notices | policies | plans | other``: a configured type wins, then the GB/T 42147
    ``ColumnType`` meta or the column's name, by keyword."""
    for text in (declared or "", name or ""):
        lowered = text.lower()
        if lowered in COLUMN_MAX_DAYS or lowered in COLUMN_MAX_MONTHS or lowered == "other":
            return lowered
        for kind, words in _COLUMN_WORDS:
            if any(w in lowered for w in words):
                return kind
    return "other"


def column_deadline(kind: str, as_of: date) -> date | None:
    """The oldest acceptable date of a column's newest item; None for a column without an update rule."""
    if kind in COLUMN_MAX_DAYS:
        return as_of - timedelta(days=COLUMN_MAX_DAYS[kind])
    if kind in COLUMN_MAX_MONTHS:
        return months_before(as_of, COLUMN_MAX_MONTHS[kind])
    return None


def _column_threshold(kind: str) -> str:
    if kind in COLUMN_MAX_DAYS:
        return f"≤ {COLUMN_MAX_DAYS[kind]} days ({kind})"
    if kind in COLUMN_MAX_MONTHS:
        return f"≤ {COLUMN_MAX_MONTHS[kind]} months ({kind})"
    return "no update rule (other)"


@dataclass(frozen=True)
class ColumnFacts:
    """What was read from a column's list page: its name, type, the number of items listed and their
    dates by source, the extractor's date, and the page's evidence key."""

    url: str
    name: str
    kind: str
    items: int
    meta_dates: Sequence[date] = ()
    list_dates: Sequence[date] = ()
    extracted: date | None = None
    evidence: str | None = None
    reachable: bool = True
    empty_notice: bool = False  # "暂无信息" and the like
    why: str = ""  # why an unreachable column was not read (the crawler's reason)


def is_blank(column: ColumnFacts) -> bool:
    """A blank column (空白栏目): reachable, and lists no item (or says it has none) and shows no date."""
    if not column.reachable:
        return False
    return (column.items == 0 or column.empty_notice) and not column.meta_dates and not column.list_dates


def home_page_freshness(url: str, meta_dates, list_dates, extracted, as_of: date, evidence=None) -> Finding:
    """The newest dated item on the home page, at most ``HOME_PAGE_MAX_DAYS`` old (single veto)."""
    newest, source = choose_date(meta_dates, list_dates, extracted, as_of)
    if newest is None:
        return _finding("home_page_freshness", UNKNOWN, None, url, evidence, "no date found")
    age = (as_of - newest).days
    status = PASS if age <= HOME_PAGE_MAX_DAYS else FAIL
    return _finding("home_page_freshness", status, newest.isoformat(), url, evidence, f"{age} days old ({source})")


def column_findings(columns: Sequence[ColumnFacts], as_of: date) -> list[Finding]:
    """``column_freshness`` per column, then ``overdue_columns`` and ``blank_columns`` (5 or more: veto).
    A blank column is counted as blank, not as overdue; a column that could not be read is unknown."""
    findings, overdue, blank = [], [], []
    for column in columns:
        threshold = _column_threshold(column.kind)
        if not column.reachable:
            why = f": {column.why}" if column.why else ""
            findings.append(_finding("column_freshness", UNKNOWN, None, column.url, column.evidence,
                                     f"{column.name}: not read{why}", threshold))  # fmt: skip
            continue
        if is_blank(column):
            blank.append(column.name)
            findings.append(_finding("column_freshness", FAIL, None, column.url, column.evidence,
                                     f"{column.name}: blank", threshold))  # fmt: skip
            continue
        newest, source = choose_date(column.meta_dates, column.list_dates, column.extracted, as_of)
        deadline = column_deadline(column.kind, as_of)
        if newest is None:
            status, detail = UNKNOWN, f"{column.name}: no date found"
        elif deadline is None:
            status, detail = PASS, f"{column.name}: {source}"
        else:
            status = PASS if newest >= deadline else FAIL
            detail = f"{column.name}: {(as_of - newest).days} days old ({source})"
            if status == FAIL:
                overdue.append(column.name)
        findings.append(_finding("column_freshness", status, newest.isoformat() if newest else None, column.url,
                                 column.evidence, detail, threshold))  # fmt: skip
    if columns:
        read = [c for c in columns if c.reachable]
        status = (FAIL if len(overdue) >= OVERDUE_COLUMNS_VETO else PASS) if read else UNKNOWN
        findings.append(_finding("overdue_columns", status, len(overdue), None, None, "、".join(overdue)))
        status = (FAIL if len(blank) >= BLANK_COLUMNS_VETO else PASS) if read else UNKNOWN
        findings.append(_finding("blank_columns", status, len(blank), None, None, "、".join(blank)))
    return findings


def feed_freshness(url: str, post_dates: Iterable[date], as_of: date, evidence=None, reachable=True,
                   why: str = "") -> Finding:  # fmt: skip
    """A feed's (or a CSV export's) last post at most ``FEED_MAX_DAYS`` old (single veto). Not ``reachable``
    (no answer, an error, a body cut at the page budget, a document that is no feed: ``why``) is unknown: only
    a feed that was read whole and lists no dated post fails for having none."""
    dated = [d for d in post_dates if d is not None]
    usable = [d for d in dated if d <= as_of]
    if not reachable:
        return _finding("feed_freshness", UNKNOWN, None, url, evidence, f"not read: {why}" if why else "not read")
    if not usable and dated:  # posts only after the day of the check (a past --as-of, or dates set in the future)
        return _finding("feed_freshness", UNKNOWN, None, url, evidence, "only posts dated after the day of the check")
    if not usable:
        return _finding("feed_freshness", FAIL, None, url, evidence, "no dated post")
    newest = max(usable)
    age = (as_of - newest).days
    status = PASS if age <= FEED_MAX_DAYS else FAIL
    return _finding("feed_freshness", status, newest.isoformat(), url, evidence, f"{age} days old")


# --- personal data -------------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
# Not inside a longer code or number: no ASCII letter or digit next to it (document and order numbers such as
# ABC13812345678XYZ), and no decimal part (an amount such as 13812345678.00).
_MOBILE_RE = re.compile(r"(?<![0-9A-Za-z.])(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?![0-9A-Za-z]|\.\d)")


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of a resident ID number: ISO 7064 MOD 11-2 over the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_resident_id(number: str) -> bool:
    """An 18-character resident ID number (GB 11643-1999): a real birth date and a valid check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1900:
        return False
    return id_check_digit(number[:17]) == number[17].upper()


def mask_id(number: str) -> str:
    """``110105********003X``: region and last four only."""
    return number[:6] + "*" * 8 + number[-4:]


def mask_mobile(number: str) -> str:
    """``138****5678``."""
    digits = re.sub(r"\D", "", number)[-11:]
    return digits[:3] + "****" + digits[-4:]


def personal_data_in_text(text: str) -> list[str]:
    """Resident ID numbers (valid check character only) and mainland mobile numbers in ``text``, masked,
    each once, in order of appearance."""
    found: list[str] = []
    id_spans = []
    for m in _ID_RE.finditer(text or ""):
        if is_resident_id(m.group(1)):
            id_spans.append(m.span(1))
            found.append(mask_id(m.group(1).upper()))
    for m in _MOBILE_RE.finditer(text or ""):
        if any(a <= m.start(1) < b for a, b in id_spans):
            continue
        found.append(mask_mobile(m.group(1)))
    return list(dict.fromkeys(found))


def personal_data(pages: Sequence[tuple[str, str, str | None]]) -> Finding:
    """``pages``: (url, visible text, evidence). Fails on any published ID or mobile number, reported masked."""
    hits, first_url, first_evidence = [], None, None
    for url, text, evidence in pages:
        found = personal_data_in_text(text)
        if found and first_url is None:
            first_url, first_evidence = url, evidence
        hits += [f"{number} ({url})" for number in found]
    if not pages:
        return _finding("personal_data", UNKNOWN, None)
    return _finding("personal_data", FAIL if hits else PASS, len(hits), first_url, first_evidence,
                    "; ".join(hits[:20]))  # fmt: skip


# --- links, https, entrances, availability ------------------------------------------------------------------------

_SOFT_404_WORDS = ("404", "页面不存在", "頁面不存在", "找不到", "页面未找到", "頁面未找到", "not found",
                   "page does not exist", "无法找到", "已删除", "已刪除")  # fmt: skip


def is_soft_404(status: int | None, title: str, text: str) -> bool:
    """A page answered 200 that says it does not exist: a not-found phrase in the title, or in a short body."""
    if status is None or status >= 400:
        return False
    title_l, text_l = (title or "").lower(), (text or "").lower()
    if any(w in title_l for w in _SOFT_404_WORDS):
        return True
    return len(text_l.strip()) < 400 and any(w in text_l for w in _SOFT_404_WORDS if w != "404")


@dataclass(frozen=True)
class LinkResult:
    url: str
    status: int | None
    title: str = ""
    text: str = ""
    error: str | None = None
    evidence: str | None = None
    redirected_home: bool = False  # a deep link sent to the home page: a missing page in disguise


def broken_links(page_url: str, results: Sequence[LinkResult], evidence=None) -> Finding:
    """Links of ``page_url`` (fetched within registered hosts) that fail: an error, 4xx/5xx, or a soft 404."""
    broken = []
    for r in results:
        if r.error or r.status is None or r.status >= 400:
            broken.append(f"{r.url} ({r.error or r.status})")
        elif r.redirected_home or is_soft_404(r.status, r.title, r.text):
            broken.append(f"{r.url} (soft 404)")
    if not results:
        return _finding("broken_links", UNKNOWN, None, page_url, evidence, "no link checked")
    return _finding("broken_links", FAIL if broken else PASS, len(broken), page_url, evidence,
                    "; ".join(broken[:20]))  # fmt: skip


def https_finding(url: str, final_url: str | None, evidence=None) -> Finding:
    """The home page is served over HTTPS (directly or after a redirect within the registered hosts)."""
    if final_url is None:
        return _finding("https", UNKNOWN, None, url, evidence, "not reached")
    secure = final_url.lower().startswith("https://")
    return _finding("https", PASS if secure else FAIL, final_url.split(":", 1)[0], url, evidence)


#: Default required entrances: name → words any of which in a link's text (or URL) marks the entrance.
DEFAULT_ENTRANCES: dict[str, tuple[str, ...]] = {
    "disclosure_guide": ("信息公开指南", "公开指南", "公開指南", "disclosure guide"),
    "disclosure_catalogue": ("信息公开目录", "公开目录", "公開目錄", "法定主动公开", "disclosure catalogue"),
    "annual_report": ("年度报告", "年度報告", "annual report"),
    "interaction": ("留言", "咨询", "諮詢", "互动", "互動", "信箱", "投诉", "message", "contact us"),
}


def required_entrances(
    url: str, links: Sequence[tuple[str, str]], wanted: Sequence[str] | None = None, evidence=None
) -> Finding:
    """Entrances missing from the home page's links ((href, text) pairs). ``wanted``: names of
    ``DEFAULT_ENTRANCES`` or free words (each its own entrance), configurable per agency; default all."""  # fmt: skip
    wanted = list(wanted or DEFAULT_ENTRANCES)
    haystack = [(href.lower(), (text or "").lower()) for href, text in links]
    missing = []
    for name in wanted:
        words = DEFAULT_ENTRANCES.get(name, (name,))
        if not any(w.lower() in text or w.lower() in href for href, text in haystack for w in words):
            missing.append(name)
    return _finding("required_entrances", FAIL if missing else PASS, missing, url, evidence,
                    threshold=", ".join(wanted))  # fmt: skip


def availability(url: str, outcomes: Sequence[bool], days_probed: int) -> Finding:
    """Probe outcomes (True: reached within the timeout) over the window; 5 % or more failed: veto.
    The rule monitors for a week, so the outcome is judged only when ``days_probed`` (the window's days with
    at least one probe) is the whole window; before that it is unknown, however many probes failed (one
    failed probe an hour after registering a site is no week of monitoring, and no single veto)."""
    if not outcomes:
        return _finding("availability", UNKNOWN, None, url, None, "no probe yet")
    failed = sum(1 for ok in outcomes if not ok)
    if days_probed < AVAILABILITY_WINDOW_DAYS:
        return _finding("availability", UNKNOWN, None, url, None,
                        f"{failed} of {len(outcomes)} probes failed; monitored on {days_probed} of "
                        f"{AVAILABILITY_WINDOW_DAYS} days")  # fmt: skip
    share = failed / len(outcomes)
    status = FAIL if share >= AVAILABILITY_FAILURE_SHARE else PASS
    return _finding("availability", status, round(share, 4), url, None, f"{failed} of {len(outcomes)} probes failed")


# --- declared vs observed ---------------------------------------------------------------------------------------

#: How observation and declaration combine (setting ``INSPECT_COMBINE``): "observed" (default): an observed
#: veto raises the red line (source "observed") and the score uses the observation where one exists;
#: "declared": both are shown, the score and red lines come from the declaration alone.
COMBINE_MODES = ("observed", "declared")
ANSWER_WAYS = ("days", "count", "yes_when_fail")


@dataclass(frozen=True)
class Observation:
    """An item's answer as observed: ``value`` in the item's unit (None: nothing usable observed), the
    statuses it came from, whether any finding was a veto, and the first failing (or first) finding's URL."""

    item: str
    check: str
    value: object
    status: str
    veto: bool
    url: str | None = None


def observe_item(item: str, check: str, answer: str, findings: Sequence[Finding], as_of: date) -> Observation:
    """The observation of one item from the findings of its ``check`` (one per target). ``answer``: one of
    ``ANSWER_WAYS``. Unknown findings are ignored; none left gives value None and status unknown."""
    known = [f for f in findings if f.check == check and f.status != UNKNOWN]
    if not known:
        return Observation(item, check, None, UNKNOWN, False)
    status = FAIL if any(f.status == FAIL for f in known) else PASS
    veto = any(f.veto for f in known)
    url = next((f.url for f in known if f.status == FAIL), known[0].url)
    if answer == "days":
        ages = [(as_of - date.fromisoformat(str(f.observed))).days for f in known if f.observed is not None]
        value = max(ages) if ages else None
    elif answer == "count":
        counts = [f.observed for f in known if isinstance(f.observed, int | float)]
        value = max(counts) if counts else None
    elif answer == "yes_when_fail":
        value = "yes" if status == FAIL else "no"
    else:
        raise ValueError(f"unknown answer way {answer!r}")
    return Observation(item, check, value, status, veto, url)


def gap(declared, observed, answer: str) -> tuple[float | None, bool | None]:
    """(observed − declared for numbers, whether they agree); (None, None) when either is missing."""
    if declared is None or observed is None or isinstance(declared, str) and answer != "yes_when_fail":
        return None, None
    if answer == "yes_when_fail":
        return None, str(declared) == str(observed)
    try:
        difference = float(observed) - float(declared)
    except (TypeError, ValueError):
        return None, None
    return difference, difference == 0


def combined_answers(declared: dict, observations: Sequence[Observation], mode: str) -> dict:
    """The answers the score uses: in mode "observed", each observed value replaces the declared answer;
    in mode "declared", the declared answers unchanged."""
    if mode not in COMBINE_MODES:
        raise ValueError(f"unknown combine mode {mode!r} (one of {', '.join(COMBINE_MODES)})")
    answers = dict(declared)
    if mode == "observed":
        answers.update({o.item: o.value for o in observations if o.value is not None})
    return answers


def observation_raises_red_line(item, value) -> bool:
    """Whether ``value`` observed for ``item`` (a questionnaire Item) meets the item's red-line condition."""
    return value is not None and bool(red_line_hits([item], {item.key: value}))


def combined_checklist(questionnaire, part_key: str, declared: dict | None, observations: Sequence[Observation],
                       mode: str) -> tuple[ScoreCard | None, tuple[RedLineHit, ...]]:  # fmt: skip
    """The one rule for a department's checklist under ``INSPECT_COMBINE``: (its scorecard, its red lines).

    ``declared``: the submitted checklist's answers (None when no checklist is submitted: no card). Mode
    "observed": the card scores the observation where one exists (``combined_answers``) and every observation
    that meets an item's red-line condition raises that red line, a checklist submitted or not. Mode
    "declared": the declared checklist alone. Pages, PDFs, exports, the API and the ranking all take a
    department's checklist figures and red lines from here (through ``services.scores.department_result_for``)."""
    if mode not in COMBINE_MODES:
        raise ValueError(f"unknown combine mode {mode!r} (one of {', '.join(COMBINE_MODES)})")
    card = None
    hits: list[RedLineHit] = []
    if declared is not None:
        card = score_response(questionnaire, part_key, combined_answers(declared, observations, mode))
        hits = list(card.red_lines)
    if mode == "observed":
        items = {item.key: item for item in questionnaire.items}
        present = {hit.item for hit in hits}
        for observation in observations:
            item = items.get(observation.item)
            if item is None or observation.item in present:
                continue
            if observation_raises_red_line(item, observation.value):
                hits += red_line_hits([item], {item.key: observation.value})
                present.add(item.key)
    return card, tuple(hits)


# --- evidence retention -----------------------------------------------------------------------------------------

_SNAPSHOT_ID = re.compile(r"snap(?:shot)?\s*[/:#-]?\s*0*(\d+)", re.IGNORECASE)
_RUN_ID = re.compile(r"\brun/(\d+)\b")
_SHA256 = re.compile(r"\b[0-9a-f]{64}\b", re.IGNORECASE)


def evidence_referred_to(reference: str) -> tuple[set[int], set[str], set[int]]:
    """(snapshot ids, SHA-256 digests, run ids) an evidence reference on a rectification event may mean.
    The format's home is ``domain.rectification`` (``snapshot/<id>``, ``snapshot_id_of``; a finding without a
    snapshot is referred to as ``run/<id>``); looser spellings (``snapshot:41``, ``snap-041``) and any 64-hex
    digest count too. Generous on purpose: what it matches is kept by retention, and keeping too much is the
    safe mistake."""
    reference = reference or ""
    ids = {int(match) for match in _SNAPSHOT_ID.findall(reference)}
    exact = snapshot_id_of(reference)
    if exact is not None:
        ids.add(exact)
    digests = {match.lower() for match in _SHA256.findall(reference)}
    runs = {int(match) for match in _RUN_ID.findall(reference)}
    return ids, digests, runs


def evidence_expires(fetched_on: date, today: date, keep_days: int) -> bool:
    """Whether evidence fetched on ``fetched_on`` is older than ``keep_days`` days on ``today``."""
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    return (today - fetched_on).days > keep_days
