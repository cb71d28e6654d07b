"""PDF scorecards: plain data → HTML (Jinja2, autoescaped) → PDF (WeasyPrint).

No Flask here: texts are translated with the app's Babel catalogues loaded directly, so the PDF
speaks the reader's language. Chinese uses the Noto Sans CJK face of the language (TC for
zh-Hant, SC for zh-Hans), embedded as a subset. The URL fetcher lets WeasyPrint load ``data:``
URIs and the package's own static files only, so nothing a user typed can make the renderer
read a local file or reach the network.
"""

from __future__ import annotations

import gc
import logging
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

from surveyapp.reporting.scorecard import (
    ComparisonReportData,
    ScorecardData,
    TrainingReportData,
    canonical_json,
    data_fingerprint,
)

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates" / "reports"
STATIC = PACKAGE / "static"
TRANSLATIONS = PACKAGE / "translations"


# -- rendering -----------------------------------------------------------------------------------


class RefusedURL(ValueError):
    pass


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class SafeURLFetcher(URLFetcher):
        """Only ``data:`` URIs and files under the package's ``static/`` folder."""

        def __init__(self, refused: list[str]):
            super().__init__(allowed_protocols={"data", "file"})
            self.refused = refused

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                path = Path(url[len("file://") :].split("?")[0]).resolve()
                if path.is_relative_to(STATIC.resolve()) and path.is_file():
                    return super().fetch(url, headers)
            self.refused.append(url)
            raise RefusedURL(f"refused to fetch {url}")

    return SafeURLFetcher


_font_config = None
_environments: dict[str, Environment] = {}
_translations: dict[str, Translations | NullTranslations] = {}


def font_config():
    """One WeasyPrint FontConfiguration per process, shared by every CSS and PDF."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def translations(lang: str):
    """The app's compiled catalogue for ``lang`` (the same texts as the web pages)."""
    if lang not in _translations:
        loaded = Translations.load(str(TRANSLATIONS), [lang], domain="messages")
        if not isinstance(loaded, Translations) and lang != "en":
            raise FileNotFoundError(f"no compiled catalogue for {lang} in {TRANSLATIONS}; run `make translations`")
        _translations[lang] = loaded
    return _translations[lang]


def gettext_for(lang: str):
    """Plain gettext (no %-formatting) for labels used outside templates, e.g. in charts."""
    return translations(lang).gettext


# The PDF documents' templates (in TEMPLATES), rendered by ``environment``, never by Flask's.
DOCUMENT_TEMPLATES = ("scorecard.html", "comparison.html", "training.html", "qr_sheet.html")


def environment(lang: str) -> Environment:
    if lang not in _environments:
        env = Environment(
            loader=FileSystemLoader([str(TEMPLATES), str(PACKAGE / "templates")]),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(translations(lang), newstyle=True)
        env.filters["num"] = lambda value, digits=1: "—" if value is None else f"{value:.{digits}f}"
        env.globals["maturity_text"] = maturity_text
        _environments[lang] = env
    return _environments[lang]


_layout_fingerprint: str | None = None


def layout_fingerprint() -> str:
    """SHA-256 (first 16 hex digits) of what lays a scorecard out: its templates, the report stylesheet
    and the chart and renderer code. Part of the cached PDF's name, so a new layout is never served
    from a file rendered by the old one."""
    global _layout_fingerprint
    if _layout_fingerprint is None:
        import hashlib

        digest = hashlib.sha256()
        files = [*sorted(TEMPLATES.glob("*.html")), *sorted((PACKAGE / "templates" / "partials").glob("*.html")),
                 STATIC / "css" / "report.css", Path(__file__), Path(__file__).with_name("charts.py")]  # fmt: skip
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        _layout_fingerprint = digest.hexdigest()[:16]
    return _layout_fingerprint


def maturity_text(bands) -> str:
    """Maturity levels with their bounds, lowest first, written as the grade bands are
    (``scoring.grade_bands_text``): "Initial < 20 · Managed ≥ 20 · … · Optimising ≥ 80"."""
    bands = list(bands)
    parts = []
    for index, (label, minimum) in enumerate(bands):
        if index == 0 and len(bands) > 1:
            parts.append(f"{label} < {bands[1][1]:g}")
        else:
            parts.append(f"{label} ≥ {minimum:g}")
    return " · ".join(parts)


def stamp(moment: datetime) -> str:
    """A footer's time, zone named: ``2026-11-30 17:05 Asia/Shanghai (UTC+08:00)`` for an aware ``moment`` in
    its own zone (the IANA name when it has one); a naive ``moment`` is UTC (``… UTC``)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    name = getattr(moment.tzinfo, "key", None) or moment.tzname() or ""
    offset = moment.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}"
    if name in ("UTC", "Etc/UTC") or offset == "UTC+00:00" and not name:
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"{moment:%Y-%m-%d %H:%M} {name} ({offset})"


def render_html(data: ScorecardData, charts: dict[str, str], generated_at: datetime) -> str:
    template = environment(data.lang).get_template("scorecard.html")
    return template.render(
        d=data,
        charts=charts,
        digest=data.fingerprint(),
        canonical=canonical_json(data.facts),
        generated_at=stamp(generated_at),
        html_lang=data.lang.replace("_", "-"),
    )


def scorecard_charts(data: ScorecardData) -> dict[str, str]:
    """The charts of a scorecard as data URIs, labelled in the reader's language."""
    from surveyapp.reporting import charts

    gettext = gettext_for(data.lang)
    labels = [d.title for d in data.dimensions]
    scores = [d.score for d in data.dimensions]
    if not labels:
        return {}
    result = {
        "bars": charts.data_uri(
            charts.bar_chart(
                labels,
                scores,
                data.lang,
                bands=[(m, label) for label, m in data.grade_bands],
                missing_label=gettext("insufficient data"),
            )
        ),
    }
    peers = [d.peer_median for d in data.dimensions]
    result["radar"] = charts.data_uri(
        charts.radar_chart(
            labels, scores, data.lang, peer=peers if any(p is not None for p in peers) else None,
            value_label=gettext("This department") if data.variant == "department" else gettext("You"),
            peer_label=gettext("Peer median"),
        )
    )  # fmt: skip
    if data.peer_values and any(data.peer_values):
        result["spread"] = charts.data_uri(
            charts.spread_chart(labels, data.peer_values, scores, data.lang, you_label=gettext("You are here"))
        )
    if len(data.trend_rounds) >= 2:
        series = {gettext("Overall index"): list(data.trend_values)}
        if any(v is not None for v in data.trend_peer):
            # Over every department of each round, this one included (the page-2 peer median leaves it out).
            series[gettext("Median of all departments")] = list(data.trend_peer)
        versions = [gettext("Version %(version)s") % {"version": v} for v in data.trend_versions] or None
        result["trend"] = charts.data_uri(charts.trend_chart(list(data.trend_rounds), series, data.lang, versions))
        if data.trend_dimensions:
            result["trend_dimensions"] = charts.data_uri(charts.dimension_trend_chart(
                list(data.trend_rounds), {title: values for title, values, _ in data.trend_dimensions}, data.lang,
                [gettext("Version %(version)s") % {"version": v} for v in data.trend_versions],
            ))  # fmt: skip
    return result


class FontFallbackWarning(RuntimeError):
    """WeasyPrint had to subset fonts with fontTools: libharfbuzz-subset0 is missing."""


class _SubsetWarningWatcher(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record):
        message = record.getMessage()
        if "fontTools instead of HarfBuzz" in message:
            self.seen.append(message)


def render_pdf(
    data: ScorecardData,
    generated_at: datetime,
    archival: bool = False,
    refused: list[str] | None = None,
    strict_fonts: bool = False,
) -> bytes:
    """Render a scorecard to PDF bytes (PDF/A-3u when ``archival``); tagged for screen readers.

    ``refused`` collects every URL the fetcher turned away. With ``strict_fonts`` the fontTools
    fallback (slow, and a sign that libharfbuzz-subset0 is missing) raises ``FontFallbackWarning``.
    """
    from surveyapp.reporting import charts

    with _cyclic_gc_paused():  # the charts too: matplotlib's short-lived objects, a tenth of their time
        with charts.pdf_output():
            drawn = scorecard_charts(data)
        html = render_html(data, drawn, generated_at)
        return html_to_pdf(html, archival=archival, refused=refused, strict_fonts=strict_fonts)


@contextmanager
def _cyclic_gc_paused():
    """Rendering creates many short-lived objects; the cyclic collector's passes over them (and over the
    rest of a worker's heap) cost more than they free while rendering, so it waits until the document
    is written. Nested use keeps it paused until the outermost block ends."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


_stylesheet = None
_stylesheet_key: tuple[int, int] | None = None


def report_stylesheet():
    """The report stylesheet, parsed once per process (and again when the file changes): parsing it and
    compiling its selectors was about 6 % of a scorecard's time. A WeasyPrint ``CSS`` is read-only
    once built and holds nothing of a document, so every render shares it. It fetches nothing (no
    ``url()`` or ``@import``); were it to, the safe fetcher refuses it here and the stylesheet is not kept."""
    global _stylesheet, _stylesheet_key
    from weasyprint import CSS

    path = STATIC / "css" / "report.css"
    status = path.stat()
    key = (status.st_mtime_ns, status.st_size)
    if _stylesheet is None or _stylesheet_key != key:
        refused: list[str] = []
        stylesheet = CSS(filename=str(path), font_config=font_config(), url_fetcher=_fetcher_class()(refused))
        if refused:
            raise RefusedURL(f"the report stylesheet fetches {refused[0]}")
        _stylesheet, _stylesheet_key = stylesheet, key
    return _stylesheet


# The rules of WeasyPrint's user-agent stylesheet that report documents leave out, and what each becomes. They
# match every element (a selector of a pseudo-element alone), so WeasyPrint computes a style for each of them on
# every element: six styles per element, about seven thousand per scorecard, and three quarters of the objects a
# render leaves to the cyclic collector. Reports use no footnotes or notes (no ``float: footnote``, no notes
# area), so those rules never apply; only list items (``li``) have markers, so the marker rule keeps to them.
_UA_RULES_LEFT_OUT = {
    "::footnote-call {": None,
    "::footnote-marker {": None,
    "::note-call {": None,
    "::note-marker {": None,
    "::note-callback {": None,
    "::marker {": "li::marker {",
}
_report_html_class = None


def _report_ua_text(ua: str) -> str | None:
    """WeasyPrint's user-agent stylesheet ``ua`` without the rules of ``_UA_RULES_LEFT_OUT`` (the marker rule for
    list items only); None when ``ua`` does not have each of them exactly once as a line of its own (another
    WeasyPrint: the stock stylesheet is then used as it is)."""
    lines = ua.splitlines(keepends=True)
    kept = []
    found = dict.fromkeys(_UA_RULES_LEFT_OUT, 0)
    for line in lines:
        start = next((s for s in _UA_RULES_LEFT_OUT if line.startswith(s)), None)
        if start is None:
            kept.append(line)
            continue
        found[start] += 1
        if not line.rstrip().endswith("}"):
            return None
        if _UA_RULES_LEFT_OUT[start] is not None:
            kept.append(_UA_RULES_LEFT_OUT[start] + line[len(start) :])
    if any(count != 1 for count in found.values()):
        return None
    return "".join(kept)


def report_html_class():
    """WeasyPrint's ``HTML`` with the user-agent stylesheet of ``_report_ua_text`` (built once per process): the
    same layout and the same PDF for report documents, with a style computed for each element instead of seven.
    WeasyPrint's own ``HTML`` when its stylesheet is not the one expected."""
    global _report_html_class
    if _report_html_class is None:
        from weasyprint import CSS, HTML
        from weasyprint.css.counters import CounterStyle
        from weasyprint.html import UA, UA_FORM_STYLESHEET

        text = _report_ua_text(UA)
        if text is None:
            logging.getLogger(__name__).warning("WeasyPrint's user-agent stylesheet is not the one expected")
            _report_html_class = HTML
        else:
            # The counter styles of a document come from WeasyPrint's own stylesheet (HTML._ua_counter_style).
            stylesheet = CSS(string=text, counter_style=CounterStyle())

            class ReportHTML(HTML):
                def _ua_stylesheets(self, forms=False):
                    return [stylesheet, UA_FORM_STYLESHEET] if forms else [stylesheet]

            _report_html_class = ReportHTML
    return _report_html_class


def html_to_pdf(
    html: str, archival: bool = False, refused: list[str] | None = None, strict_fonts: bool = False
) -> bytes:
    """Lay out report HTML with the report stylesheet and the safe fetcher; returns PDF bytes."""
    refused = refused if refused is not None else []
    fetcher = _fetcher_class()(refused)
    stylesheet = report_stylesheet()
    watcher = _SubsetWarningWatcher()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watcher)
    try:
        with _cyclic_gc_paused():
            document = report_html_class()(string=html, base_url=str(STATIC) + "/", url_fetcher=fetcher).render(
                stylesheets=[stylesheet], font_config=font_config()
            )
            options = {"pdf_tags": True}
            if archival:
                options["pdf_variant"] = "pdf/a-3u"
            pdf = document.write_pdf(**options)
    finally:
        logger.removeHandler(watcher)
    if strict_fonts and watcher.seen:
        raise FontFallbackWarning(watcher.seen[0])
    return pdf


def render_comparison_pdf(data: ComparisonReportData, generated_at: datetime, strict_fonts: bool = False) -> bytes:
    """The comparison as a PDF: heatmap of the first departments and the full ranking table."""
    from surveyapp.reporting import charts

    shown = [r for r in data.rows if not r[3]][:40]
    heatmap = ""
    if shown:
        with charts.pdf_output():
            heatmap = charts.data_uri(charts.heatmap_chart([r[0] for r in shown], list(data.dimension_titles),
                                                           [list(r[2]) for r in shown], data.lang))  # fmt: skip
    template = environment(data.lang).get_template("comparison.html")
    html = template.render(d=data, heatmap=heatmap, html_lang=data.lang.replace("_", "-"),
                           generated_at=stamp(generated_at),
                           digest=data_fingerprint(data.facts))  # fmt: skip
    return html_to_pdf(html, strict_fonts=strict_fonts)


def render_training_pdf(data: TrainingReportData, generated_at: datetime, strict_fonts: bool = False) -> bytes:
    """The training-needs matrix as a landscape A4 PDF: one table whose header repeats on every page,
    rows never split across pages, long names wrapped inside their cells."""
    template = environment(data.lang).get_template("training.html")
    html = template.render(d=data, html_lang=data.lang.replace("_", "-"),
                           generated_at=stamp(generated_at))  # fmt: skip
    return html_to_pdf(html, strict_fonts=strict_fonts)
