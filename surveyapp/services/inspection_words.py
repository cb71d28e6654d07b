"""The inspector's findings in words, in the reader's language: check names, statuses, thresholds, details
and entrance names. The domain writes thresholds and details in fixed English forms (CLI and JSON keep
them); pages show them translated through the forms below."""

from __future__ import annotations

import re

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveyapp.domain.kinds import list_separator

CHECK_WORDS = {
    "home_page_freshness": _l("Home page updated"),
    "column_freshness": _l("Column updated"),
    "overdue_columns": _l("Overdue columns"),
    "blank_columns": _l("Blank columns"),
    "feed_freshness": _l("Feed or account updated"),
    "personal_data": _l("Personal data published"),
    "broken_links": _l("Broken links"),
    "https": _l("HTTPS"),
    "required_entrances": _l("Required entrances"),
    "availability": _l("Availability"),
}
# The basis of each check (domain/inspection.py CHECKS: the rules' own words, in zh_Hans) in the reader's
# language; the zh_Hans catalogue holds the domain's text exactly (tests/services/test_inspection.py).
BASIS_WORDS = {
    "home_page_freshness": _l(
        "State Council General Office Secretariat Letter [2019] No. 19, Annex 1 (Government Website "
        "Inspection Indicators), single veto: website not updated (home page not updated in the 2 weeks "
        "before monitoring)"
    ),
    "column_freshness": _l(
        "State Council General Office Secretariat Letter [2019] No. 19, Annex 1 (Government Website "
        "Inspection Indicators): columns updated (news 2 weeks; notices and policy documents 6 months)"
    ),
    "overdue_columns": _l(
        "State Council General Office Secretariat Letter [2019] No. 19, Annex 1 (Government Website "
        "Inspection Indicators), single veto: columns not updated (5 or more)"
    ),
    "blank_columns": _l(
        "State Council General Office Secretariat Letter [2019] No. 19, Annex 1 (Government Website "
        "Inspection Indicators), single veto: blank columns (5 or more)"
    ),
    "feed_freshness": _l(
        "State Council General Office Secretariat Letter [2019] No. 19, Annex 2 (Government New Media "
        "Inspection Indicators), single veto: no update in the 2 weeks before monitoring"
    ),
    "personal_data": _l(
        "Personal Information Protection Law (2021) Art. 34; Regulation on Government Information Disclosure "
        "(2019) Art. 15: disclosure must not infringe personal privacy"
    ),
    "broken_links": _l(
        "State Council General Office Secretariat Letter [2019] No. 19, Annex 1 (Government Website "
        "Inspection Indicators): availability (broken links)"
    ),
    "https": _l(
        "Provisions on the Security Management of Internet Government Applications of Party and Government "
        "Organs (2024): encrypted transmission (this tool checks HTTPS)"
    ),
    "required_entrances": _l(
        "Regulation on Government Information Disclosure (2019) Art. 12 (disclosure guide, disclosure catalogue) "
        "and Art. 49 (annual report); State Council General Office Secretariat Letter [2019] No. 19, Annex 1 "
        "(Government Website Inspection Indicators): interaction"
    ),
    "availability": _l(
        "State Council General Office Secretariat Letter [2019] No. 19, Annex 1 (Government Website "
        "Inspection Indicators), single veto: site cannot be reached"
    ),
}
STATUS_WORDS = {"pass": _l("pass"), "fail": _l("fail"), "unknown": _l("unknown")}
KIND_WORDS = {"website": _l("Website"), "feed": _l("Feed"), "csv": _l("CSV export")}
COLUMN_WORDS = {"news": _l("news"), "notices": _l("notices"), "policies": _l("policies"), "plans": _l("plans"),
                "other": _l("other")}  # fmt: skip
SOURCE_WORDS = {"metadata": _l("page metadata"), "list": _l("list dates"), "extractor": _l("date extractor")}
ENTRANCE_WORDS = {
    "disclosure_guide": _l("disclosure guide"),
    "disclosure_catalogue": _l("disclosure catalogue"),
    "annual_report": _l("annual report"),
    "interaction": _l("message or interaction entrance"),
}

_AGE = re.compile(r"^(?:(?P<name>.*): )?(?P<days>\d+) days old \((?P<source>\w+)\)$")
_COLUMN_THRESHOLD = re.compile(r"^≤ (?P<n>\d+) (?P<unit>days|months) \((?P<kind>\w+)\)$")


def _separator() -> str:
    """The list separator of the language being rendered (、 in Chinese)."""
    return list_separator(str(get_locale() or "zh_Hans"))


def entrance_word(name: str) -> str:
    return str(ENTRANCE_WORDS.get(name, name))


def threshold_words(check: str, threshold: str | None) -> str:
    """The threshold as the reader's language says it."""
    threshold = threshold or ""
    if check == "column_freshness":
        m = _COLUMN_THRESHOLD.match(threshold)
        if m:
            kind = str(COLUMN_WORDS.get(m["kind"], m["kind"]))
            if m["unit"] == "days":
                return _("at most %(n)s days (%(kind)s)", n=m["n"], kind=kind)
            return _("at most %(n)s months (%(kind)s)", n=m["n"], kind=kind)
        return _("no update rule")
    fixed = {
        "home_page_freshness": _("at most %(n)s days", n=14),
        "feed_freshness": _("at most %(n)s days", n=14),
        "overdue_columns": _("fewer than %(n)s columns", n=5),
        "blank_columns": _("fewer than %(n)s columns", n=5),
        "personal_data": _("none"),
        "broken_links": _("none"),
        "https": "https",
        "availability": _("fewer than %(share)s failed probes over 7 days (15 s timeout)", share="5%"),
    }
    if check == "required_entrances":
        return _separator().join(entrance_word(name.strip()) for name in threshold.split(",") if name.strip())
    return fixed.get(check, threshold)


def detail_words(check: str, detail: str | None) -> str:
    """A finding's detail in the reader's language where its form is known; the text itself otherwise
    (column names, masked numbers and URLs are data)."""
    detail = detail or ""
    if check == "broken_links" and detail:  # "URL (reason); URL (reason)": the reasons in the reader's language
        return "; ".join(_link_words(part) for part in detail.split("; "))
    m = _AGE.match(detail)
    if m:
        words = _("%(days)s days old (%(source)s)", days=m["days"], source=SOURCE_WORDS.get(m["source"], m["source"]))
        return f"{m['name']}: {words}" if m["name"] else words
    m = re.match(r"^(.*): not read: (.+)$", detail)
    if m and check == "column_freshness":
        return f"{m[1]}: " + _("not read: %(why)s", why=why_words(m[2]))
    for suffix, word in (
        (": blank", _("blank")),
        (": no date found", _("no date found")),
        (": not read", _("not read")),
    ):
        if detail.endswith(suffix):
            return f"{detail[: -len(suffix)]}: {word}"
    m = re.match(r"^(\d+) days old$", detail)
    if m:
        return _("%(days)s days old", days=m[1])
    if detail == "no dated post":
        return _("no dated post")
    if detail == "only posts dated after the day of the check":
        return _("only posts dated after the day of the check")
    if detail == "no date found":
        return _("no date found")
    m = re.match(r"^(\d+) of (\d+) probes failed; monitored on (\d+) of (\d+) days$", detail)
    if m:
        return _(
            "%(failed)s of %(total)s probes failed so far; monitored on %(days)s of %(window)s days (a week is needed)",
            failed=m[1],
            total=m[2],
            days=m[3],
            window=m[4],
        )
    m = re.match(r"^(\d+) of (\d+) probes failed$", detail)
    if m:
        return _("%(failed)s of %(total)s probes failed", failed=m[1], total=m[2])
    if detail == "no probe yet":
        return _("no probe yet")
    if detail.startswith("home page not read: "):
        return _("home page not read: %(why)s", why=why_words(detail.split(": ", 1)[1]))
    if detail == "not read":
        return _("not read")
    if detail.startswith("not read: "):
        return _("not read: %(why)s", why=why_words(detail.split(": ", 1)[1]))
    return detail


def _link_words(part: str) -> str:
    m = re.match(r"^(\S+) \((.+)\)$", part)
    if not m:
        return part
    reason = m[2]
    if reason == "soft 404":
        reason = _("soft 404")
    elif not reason.isdigit():  # an HTTP status stays a number
        reason = why_words(reason)
    return f"{m[1]} ({reason})"


def why_words(why: str) -> str:
    """Why a page or feed was not read, in the reader's language where its form is known."""
    m = re.match(r"^not a feed \((.*)\)$", why)
    if m:
        return _("not a feed (%(type)s)", type=m[1])
    m = re.match(r"^not a CSV export \((.*)\)$", why)
    if m:
        return _("not a CSV export (%(type)s)", type=m[1])
    m = re.match(r"^larger than (\d+) MB \(cut\)$", why)
    if m:
        return _("larger than %(mb)s MB (cut at the page limit)", mb=m[1])
    # The crawler's reasons (``inspector.crawler.Fetch.error``); technical names (HTTP 500, ConnectionError) stay.
    m = re.match(r"^robots\.txt unreachable: (.*)$", why)
    if m:
        return _("robots.txt could not be read (%(problem)s), so nothing is fetched", problem=m[1])
    m = re.match(r"^private address (.*) refused$", why)
    if m:
        return _("refused: private address %(address)s", address=m[1])
    m = re.match(r"^redirect to unregistered host (.*) \(not followed\)$", why)
    if m:
        return _("redirect to the unregistered host %(host)s (not followed)", host=m[1])
    m = re.match(r"^connection: (.*)$", why)
    if m:
        return _("no connection (%(problem)s)", problem=m[1])
    fixed = {
        "robots.txt": _("robots.txt does not allow it"),
        "timeout": _("no answer within the time limit"),
        "too many redirects": _("too many redirects"),
        "not registered": _("not a registered host"),
        "page budget": _("page limit of the run reached"),
        "byte budget": _("byte limit of the run reached"),
        "redirect to an invalid address (not followed)": _("redirect to an invalid address (not followed)"),
    }
    return fixed.get(why, why)


def observed_words(check: str, observed) -> str:
    if observed is None:
        return "—"
    if check == "required_entrances" and isinstance(observed, list):
        return _separator().join(entrance_word(name) for name in observed) or "—"
    if check == "availability" and isinstance(observed, int | float):
        return f"{observed:.1%}"
    return str(observed)
