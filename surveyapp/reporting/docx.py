"""Word documents (python-docx): the department scorecard, and the rectification report as an official
document in the layout of GB/T 9704-2012 (党政机关公文格式).

No Flask here: texts come from the app's catalogues (``report.gettext_for``), the same msgids as the PDF,
so a translation serves both. Headings use Word's built-in heading styles (``Heading 1`` …), so a reader
can edit, renumber and rebuild a table of contents; charts are PNG images of the same matplotlib figures
the PDF shows (``charts.png_output``). The scorecard carries the PDF's data fingerprint, computed from the
same facts (``ScorecardData.fingerprint``).

GB/T 9704-2012 as applied to the rectification report:
  * A4; margins top 37 mm, bottom 35 mm, inside (left) 28 mm, outside (right) 26 mm (版心 156 mm × 225 mm);
  * 22 lines a page, 28 characters a line: body 三号 (16 pt) 仿宋_GB2312, exact line spacing 28.95 pt;
  * the issuing body's mark in red 小标宋 over a red rule (版头); title 二号 (22 pt) 方正小标宋简体, centred;
  * addressee flush left, ending with a full-width colon (主送机关); body paragraphs indented two characters;
  * first-level headings 「一、」 in 黑体, second-level 「（一）」 in 楷体_GB2312;
  * the issuing unit and the date (Arabic numerals, 2026年11月30日) right-aligned after the body;
  * page numbers 四号 (14 pt) 「— 1 —」 at the foot, odd pages right and even pages left, one character in.
Font names are written as the standard names them; where a machine lacks one, the document's font table
names a fallback (``w:altName``) and the family, so Word, WPS and LibreOffice substitute a serif or sans
face instead of an arbitrary one. Styles keep no theme-font attributes (a theme font would win over the
named one), and both documents declare their language (``w:lang``: zh-CN, zh-TW or en-US with zh-CN for
East Asian text), from which Word and LibreOffice choose Simplified or Traditional glyphs and punctuation.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from surveyapp.reporting import DOCX_MIMETYPE  # noqa: F401  (its home is light: views import it at start-up)
from surveyapp.reporting.report import gettext_for, scorecard_charts, stamp
from surveyapp.reporting.scorecard import ScorecardData, canonical_json

# GB/T 9704-2012 fonts, each with the fallback named in the font table and the generic family.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
FALLBACKS = {
    TITLE_FONT: ("Noto Serif CJK SC", "roman"),
    BODY_FONT: ("FangSong", "roman"),
    HEADING_FONT: ("Noto Sans CJK SC", "swiss"),
    SUBHEADING_FONT: ("KaiTi", "roman"),
    PAGE_NUMBER_FONT: ("Noto Serif CJK SC", "roman"),
    "Noto Sans CJK SC": ("Noto Sans CJK SC", "swiss"),
}
LATIN_FONT = "Times New Roman"
THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
#: The app's catalogue → (w:lang w:val, w:lang w:eastAsia).
LANGUAGE_TAGS = {"zh_Hans": ("zh-CN", "zh-CN"), "zh_Hant": ("zh-TW", "zh-TW"), "en": ("en-US", "zh-CN")}
RED = RGBColor(0xC0, 0x00, 0x00)
# 三号 16 pt, 二号 22 pt, 四号 14 pt; 22 lines on the 225 mm type area: 225 mm / 22 ≈ 28.95 pt.
BODY_PT, TITLE_PT, PAGE_NUMBER_PT, LINE_PT = 16, 22, 14, 28.95


# -- helpers ------------------------------------------------------------------------------------------------


def _set_fonts(target, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Name the East Asian and Latin fonts of a style or run (python-docx sets only the Latin one)."""
    target.font.name = latin
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in THEME_FONT_ATTRIBUTES:  # a theme font wins over a named one (ECMA-376 17.3.2.26)
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _language(document, lang: str) -> None:
    """The document's languages (``w:lang`` in the defaults): Word and LibreOffice choose glyphs, punctuation
    and line breaking from the East Asian one (zh-CN for Simplified, zh-TW for Traditional Chinese; an English
    document still sets Chinese names in Simplified glyphs), the spelling checker from ``w:val``."""
    val, east_asian = LANGUAGE_TAGS.get(lang, LANGUAGE_TAGS["zh_Hans"])
    rpr = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    tag = rpr.find(qn("w:lang"))
    if tag is None:
        tag = OxmlElement("w:lang")
        rpr.append(tag)
    tag.set(qn("w:val"), val)
    tag.set(qn("w:eastAsia"), east_asian)


def _style(document, name: str, east_asian: str, size: float, bold: bool = False, colour=None):
    style = document.styles[name]
    _set_fonts(style, east_asian)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = colour or RGBColor(0, 0, 0)
    return style


def _font_table_fallbacks(document) -> None:
    """Add each named font to the font table with its fallback (``w:altName``) and family."""
    from lxml import etree

    part = next((p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml"), None)
    if part is None:
        return
    fonts = etree.fromstring(part.blob)
    present = {f.get(qn("w:name")) for f in fonts.findall(qn("w:font"))}
    for name, (fallback, family) in FALLBACKS.items():
        if name in present:
            continue
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt = OxmlElement("w:altName")
        alt.set(qn("w:val"), fallback)
        font.append(alt)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.append(charset)
        fam = OxmlElement("w:family")
        fam.set(qn("w:val"), family)
        font.append(fam)
        fonts.append(font)
    part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number_field(paragraph) -> None:
    """「— PAGE —」 as a Word field, so numbers stay right after editing."""
    paragraph.add_run("— ")
    run = paragraph.add_run()
    begin, instr, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(instr)
    run._r.append(end)
    paragraph.add_run(" —")


def _bottom_rule(paragraph, colour: str = "C00000", size_eighths: int = 12) -> None:
    """A rule under a paragraph (the red separator of the 版头)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size_eighths)), ("w:space", "4"), ("w:color", colour)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def _to_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _core(document, title: str, lang: str, subject: str = "") -> None:
    props = document.core_properties
    props.title, props.subject, props.language = title, subject, lang.replace("_", "-")
    props.author = props.last_modified_by = "surveyapp"
    props.created = props.modified = datetime(2000, 1, 1)  # no wall-clock time: the data, not the moment


def _num(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _table(document, header: list[str], rows: list[list[str]], widths_mm: list[float] | None = None):
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)
    if widths_mm:
        table.autofit = False
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)  # the grid (LibreOffice reads it)
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(width)  # each cell (Word reads it)
    return table


# -- department scorecard --------------------------------------------------------------------------------------


def chart_images(data: ScorecardData, dpi: int = 200) -> dict[str, bytes]:
    """The scorecard's charts (the PDF's figures) as PNG bytes, by name (bars, radar, spread, trend)."""
    from surveyapp.reporting import charts

    with charts.png_output(dpi):
        uris = scorecard_charts(data)
    return {name: base64.b64decode(uri.split(",", 1)[1]) for name, uri in uris.items()}


def _version_trend_section(document, data: ScorecardData, images: dict[str, bytes], _) -> None:
    """The PDF's trend across versions: the change-of-version note, each dimension over rounds (chart and
    table) and the red-line and weak questions with whether each compares (issue 19)."""
    if data.trend_crosses_versions:
        note = _("The questionnaire changed version within this trend (dashed line). Its dimensions map one to one, "
                 "so the trend compares dimension scores and the overall index; individual questions changed, see "
                 "the version crosswalk.")  # fmt: skip
        space = "" if data.lang.startswith("zh") else " "
        document.add_paragraph(f"{note}{space}{data.trend_note}".strip())
    heads = [f"{name}\n{_('Version %(version)s', version=v)}"
             for name, v in zip(data.trend_rounds, data.trend_versions, strict=False)]  # fmt: skip
    if data.trend_dimensions:
        document.add_heading(_("Dimensions over rounds"), level=2)
        if "trend_dimensions" in images:
            document.add_picture(io.BytesIO(images["trend_dimensions"]), width=Mm(160))
        _table(document, [_("Dimension"), *heads],
               [[title, *(_num(v) if ok else _("not comparable") for v, ok in zip(values, comparable, strict=True))]
                for title, values, comparable in data.trend_dimensions])  # fmt: skip
    if data.trend_items:
        document.add_heading(_("Red-line and weak questions over rounds"), level=2)
        _table(document, ["#", _("Question"), *heads],
               [[str(row.number), f"{row.text}\n{row.comparability}",
                 *(_num(v, 0) if ok else "×" for v, ok in zip(row.values, row.comparable, strict=True))]
                for row in data.trend_items])  # fmt: skip
        document.add_paragraph(_(
            "A question's earlier results are shown only where the version crosswalk keeps it the same question; × "
            "marks a round whose version asked it differently or not at all. — means no result, or a staff mean "
            "withheld because fewer than %(n)d answered.", n=data.min_group_size))  # fmt: skip


def scorecard_docx(data: ScorecardData, generated_at: datetime, images: dict[str, bytes] | None = None) -> bytes:
    """The scorecard as a Word document with the PDF's content: cover facts, summary charts and table,
    peers and trend, one ``Heading 1`` section per dimension with its questions, the rectification section
    (``data.extra["since_last_round"]`` when given), the training plan, the methodology, and the data
    fingerprint (SHA-256 of the same canonical facts) in the footer and the appendix. Returns the .docx bytes."""
    gettext = gettext_for(data.lang)

    def _(msgid: str, **values) -> str:
        text = gettext(msgid)
        return text % values if values else text.replace("%%", "%")

    images = chart_images(data) if images is None else images
    document = Document()
    _core(document, f"{data.department} · {data.round_name}", data.lang, data.questionnaire_title)
    _language(document, data.lang)
    sans = FALLBACKS["Noto Sans CJK SC"][0]
    body_font = sans if data.lang != "zh_Hant" else "Noto Sans CJK TC"
    _style(document, "Normal", body_font, 10.5)
    for name, size in (("Title", 24), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11)):
        _style(document, name, body_font, size, bold=name != "Title")
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin, section.bottom_margin = Mm(18), Mm(18)
    fingerprint = data.fingerprint()
    footer = section.footer.paragraphs[0]
    footer.text = _("Generated %(time)s · data fingerprint (SHA-256) %(digest)s",
                    time=stamp(generated_at), digest=fingerprint)  # fmt: skip
    footer.runs[0].font.size = Pt(7)

    # Cover.
    document.add_paragraph(f"{data.questionnaire_title} · v{data.questionnaire_version}")
    document.add_heading(data.department, level=0)
    document.add_paragraph(data.agency)
    document.add_paragraph(data.round_name)
    _table(document, [_("Overall index"), _("Grade"), _("Staff n")],
           [[_num(data.overall), data.grade, str(data.respondents)]])  # fmt: skip
    if data.red_lines:
        document.add_heading(_("Red lines hit"), level=2)
        for text in data.red_lines:
            document.add_paragraph(text, style="List Bullet")
        document.add_paragraph(_('A red line makes the result "%(fail)s" whatever the number.',
                                 fail=data.grade_bands[-1][0]))  # fmt: skip

    # Summary.
    document.add_heading(_("Summary"), level=1)
    for name in ("radar", "bars"):
        if name in images:
            document.add_picture(io.BytesIO(images[name]), width=Mm(150))
    header = [_("Dimension"), _("Weight"), _("Score"), _("Grade"), _("Maturity")]
    if data.peer_count:
        header.append(_("Peer median"))
    rows = []
    for s in data.dimensions:
        row = [s.title, _num(s.weight), _num(s.score), s.grade, s.maturity]
        if data.peer_count:
            row.append(_num(s.peer_median))
        rows.append(row)
    _table(document, header, rows)
    if "spread" in images:
        document.add_heading(_("Where you sit among %(n)d peers", n=data.peer_count), level=1)
        document.add_picture(io.BytesIO(images["spread"]), width=Mm(160))
    if "trend" in images:
        document.add_heading(_("Trend over rounds"), level=1)
        document.add_picture(io.BytesIO(images["trend"]), width=Mm(160))
        _version_trend_section(document, data, images, _)

    # Since last round (rectification).
    since = data.extra.get("since_last_round")
    if since:
        _since_last_round_section(document, since, _)

    # Dimensions.
    for s in data.dimensions:
        document.add_heading(s.title, level=1)
        if s.description:
            document.add_paragraph(s.description)
        line = f"{_('Score')} {_num(s.score)} · {s.grade} · {s.maturity}"
        if data.variant == "department":
            if s.staff_suppressed:
                staff = _("suppressed (fewer than %(n)d respondents)", n=data.min_group_size)
            else:
                staff = f"{_num(s.staff_mean)} (n = {s.staff_n}"
                if s.staff_ci:
                    staff += f", {_('95%% CI')} {_num(s.staff_ci[0])}–{_num(s.staff_ci[1])}"
                staff += ")"
            line += f" · {_('Staff mean')} {staff} · {_('Checklist')} {_num(s.checklist)}"
        document.add_paragraph(line)
        item_rows = []
        for item in s.items:
            if item.part == "staff" and item.suppressed:
                answer = _("suppressed (fewer than %(n)d respondents)", n=data.min_group_size)
            else:
                answer = _("Mean of %(n)d staff", n=item.respondents) if item.part == "staff" else item.answer
            if item.evidence_url:
                answer = f"{answer} {_('Evidence')}: {item.evidence_url}".strip()
            text = item.text + (f"\n{item.basis}" if item.basis else "")
            item_rows.append([str(item.number), text, answer, _num(item.score, 0)])
        _table(document, ["#", _("Question"), _("Answer"), _("Points")], item_rows, [10, 95, 55, 14])
        if s.strengths:
            document.add_heading(_("Strengths"), level=3)
            for text in s.strengths:
                document.add_paragraph(text, style="List Bullet")
        if s.weaknesses:
            document.add_heading(_("To improve"), level=3)
            for text in s.weaknesses:
                document.add_paragraph(text, style="List Bullet")
        if s.recommendation:
            document.add_paragraph(f"{_('Recommendation')}: {s.recommendation}")

    if data.training:
        document.add_heading(_("Training plan"), level=1)
        document.add_paragraph(
            _("Modules for the weakest dimensions, with the staff levels and posts they are meant for.")
        )
        _table(document, [_("Module"), _("Dimensions"), _("For")],
               [[f"{r.title}\n{r.description}", r.dimensions, r.audience] for r in data.training])  # fmt: skip

    # Methodology and the fingerprint's text.
    document.add_heading(_("Methodology"), level=1)
    document.add_paragraph(_(
        "Scored against the questionnaire %(title)s, version %(version)s. Answers always score against the version "
        "they answered; a trend across versions compares each dimension through the version crosswalk, which maps "
        "them one to one, and a question's results only where the crosswalk keeps it the same question.",
        title=data.questionnaire_title, version=data.questionnaire_version))  # fmt: skip
    document.add_heading(_("How the score is computed"), level=2)
    for text in (
        _("Each scored question gets 0 to 100 points. On a five-point scale, answer x scores (x − 1) ÷ 4 × 100; for a "
          "reverse-worded question (5 − x) ÷ 4 × 100. Yes scores 100 and no 0, the other way round for a "
          "reverse-worded question. A choice scores the points its option carries; several choices add up to at "
          "most 100. A number scores by the band it falls in."),
        _("\"Not applicable\" and questions hidden by an earlier answer are left out of both the total and the count. "
          "Unanswered questions count only in the share answered."),
        _("A dimension's score is the weighted mean of its answered questions, shown only when at least %(share)d%% "
          "of the applicable weight is answered; otherwise \"insufficient data\".",
          share=round(data.min_answered_share * 100)),
        _("The overall index is the weighted mean of the dimension scores, with the dimension weights shown below."),
        _("Grades: %(bands)s. Any red line that is hit makes the result \"%(fail)s\" whatever the number.",
          bands=data.grade_bands_text, fail=data.grade_bands[-1][0]),
    ):  # fmt: skip
        document.add_paragraph(text, style="List Number")
    if data.variant == "department":
        document.add_paragraph(_(
            "Staff groups smaller than %(n)d respondents are shown as suppressed, to everyone, and do not count in "
            "the department score.", n=data.min_group_size))  # fmt: skip
    document.add_heading(_("Data fingerprint"), level=2)
    document.add_paragraph(_(
        "The data fingerprint in the footer is the SHA-256 of the text below, encoded as UTF-8: the scorecard's "
        "figures with codes instead of names (keys sorted, no spaces, numbers rounded to 6 decimals). It is the same "
        "in every language; the command \"flask report fingerprint\" prints the text and its SHA-256 from the "
        "database."))  # fmt: skip
    canonical = document.add_paragraph(canonical_json(data.facts))
    canonical.runs[0].font.size = Pt(7)
    document.add_paragraph(f"SHA-256 {fingerprint}")
    return _to_bytes(document)


def _since_last_round_section(document, since: dict, _) -> None:
    document.add_heading(_("Since last round"), level=1)
    intro = document.add_paragraph(
        _("Rectification items of %(round)s and their state now.", round=since["previous_round"])
    )
    intro.paragraph_format.keep_with_next = True  # the heading, this line and the counts stay on one page
    counts = _table(document, [_("Closed"), _("Open"), _("Overdue")],
                    [[str(since["closed"]), str(since["open"]), str(since["overdue"])]])  # fmt: skip
    for row in counts.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True
    if since.get("items"):
        _table(
            document, [_("Rectification item"), _("Status")], [[title, label] for title, _key, label in since["items"]]
        )


# -- rectification report (GB/T 9704) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportItem:
    title: str
    source: str  # label
    detail: str
    status: str  # label
    status_key: str
    due: str
    measures: tuple[tuple[str, str, str], ...] = ()  # (date, what was done, evidence)
    result: str = ""  # e.g. "accepted on 2026-03-02"
    found_in: str = ""  # the earlier round it was found in, for an item carried into the report's round


@dataclass(frozen=True)
class RectificationReportData:
    """Everything the rectification report says, in its language (built by ``services/rectification``)."""

    lang: str
    issuer: str  # the department writing the report
    addressee: str  # the agency it reports to
    round_name: str
    issued_on: date
    items: tuple[ReportItem, ...]
    counts: dict[str, int] = field(default_factory=dict)  # {"closed": …, "open": …, "overdue": …}


CHINESE_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals as GB/T 9704 ordinals use them: 一, 十, 十一, 二十, 九十九 (others as digits)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    text = "" if tens == 0 else ("十" if tens == 1 else CHINESE_DIGITS[tens] + "十")
    return text + (CHINESE_DIGITS[ones] if ones else "")


def second_level(n: int, lang: str) -> str:
    """The second-level ordinal of GB/T 9704-2012 7.3.3 (一、 → （一） → 1. → （1））: 「（一）」 in Chinese; in
    English "(a)", kept apart from the first level (I., II.) and from the numbered lists (1.)."""
    if lang == "en":
        return f"({chr(ord('a') + n - 1)}) " if n <= 26 else f"({n}) "
    return f"（{chinese_number(n)}）"


def _date_words(day: date, lang: str) -> str:
    """GB/T 9704-2012 7.3.5.1: the date in Arabic numerals, year, month and day in full (2026年11月30日)."""
    if lang == "en":
        return f"{day.day} {day.strftime('%B')} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def rectification_report_docx(data: RectificationReportData) -> bytes:
    """The rectification report (整改情况报告) as an official document in the GB/T 9704-2012 layout (see the
    module's docstring): 版头 with the issuer in red over a red rule, title, addressee, body (findings, measures,
    results, open items), the issuing unit and date, page numbers. Returns the .docx bytes."""
    gettext = gettext_for(data.lang)

    def _(msgid: str, **values) -> str:
        text = gettext(msgid)
        return text % values if values else text

    document = Document()
    title = _("Report of %(department)s on the rectification after %(round)s", department=data.issuer,
              round=data.round_name)  # fmt: skip
    _core(document, title, data.lang, _("Rectification report"))
    _language(document, data.lang)
    _font_table_fallbacks(document)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(22)
    section.start_type = WD_SECTION.NEW_PAGE

    normal = _style(document, "Normal", BODY_FONT, BODY_PT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.first_line_indent = Pt(BODY_PT * 2)  # two characters
    for name, font in (("Title", TITLE_FONT), ("Heading 1", HEADING_FONT), ("Heading 2", SUBHEADING_FONT)):
        style = _style(document, name, font, TITLE_PT if name == "Title" else BODY_PT)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(LINE_PT if name != "Title" else 36)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.first_line_indent = Pt(0 if name == "Title" else BODY_PT * 2)
        style.paragraph_format.keep_with_next = True
    document.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # Word's Title style draws a blue rule under it; an official title has none.
    title_ppr = document.styles["Title"].element.get_or_add_pPr()
    for border in title_ppr.findall(qn("w:pBdr")):
        title_ppr.remove(border)

    # 版头: the issuer's mark in red, then the red separator.
    mark = document.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.paragraph_format.first_line_indent = Pt(0)
    mark.paragraph_format.line_spacing = Pt(60)
    run = mark.add_run(data.issuer)
    _set_fonts(run, TITLE_FONT)
    run.font.size, run.font.color.rgb = Pt(36), RED
    _bottom_rule(mark)
    document.add_paragraph().paragraph_format.first_line_indent = Pt(0)

    # Title, addressee.
    document.add_paragraph(title, style="Title")
    document.add_paragraph().paragraph_format.first_line_indent = Pt(0)
    addressee = document.add_paragraph(data.addressee + ("：" if data.lang != "en" else ":"))
    addressee.paragraph_format.first_line_indent = Pt(0)

    counts = data.counts or {}
    document.add_paragraph(_(
        "Following the findings of %(round)s, %(department)s opened %(total)d rectification items. %(closed)d are "
        "closed, %(open)d are still open and %(overdue)d are overdue. The rectification is reported as follows.",
        round=data.round_name, department=data.issuer, total=len(data.items), closed=counts.get("closed", 0),
        open=counts.get("open", 0), overdue=counts.get("overdue", 0)))  # fmt: skip

    numerals = _("1. |2. |3. |4. ").split("|")  # 一、二、三、四、 in Chinese (GB/T 9704 7.3.3)
    headings = (_("Findings"), _("Measures taken"), _("Rectification results"), _("Open items and next steps"))
    document.add_heading(numerals[0] + headings[0], level=1)
    chinese = data.lang != "en"
    colon, semicolon = ("：", "；") if chinese else (": ", "; ")
    for n, item in enumerate(data.items, start=1):
        notes = semicolon.join(x for x in (item.source, item.detail, item.found_in) if x)
        document.add_paragraph(f"{n}. {item.title}" + (f"（{notes}）" if chinese else f" ({notes})"))
    if not data.items:
        document.add_paragraph(_("No rectification items."))

    document.add_heading(numerals[1] + headings[1], level=1)
    reported = [item for item in data.items if item.measures]
    for n, item in enumerate(reported, start=1):
        document.add_heading(second_level(n, data.lang) + item.title, level=2)
        for day, text, evidence in item.measures:
            line = f"{day}{colon}{text}"
            if evidence:
                line += f" {_('Evidence')}{colon}{evidence}"
            document.add_paragraph(line)
    if not reported:
        document.add_paragraph(_("No measures have been reported yet."))

    document.add_heading(numerals[2] + headings[2], level=1)
    finished = [item for item in data.items if item.result]
    for n, item in enumerate(finished, start=1):
        document.add_paragraph(f"{n}. {item.title}{colon}{item.result}")
    if not finished:
        document.add_paragraph(_("No item is finished yet."))

    document.add_heading(numerals[3] + headings[3], level=1)
    still_open = [item for item in data.items if not item.result]
    for n, item in enumerate(still_open, start=1):
        document.add_paragraph(f"{n}. {item.title}{colon}{item.status}{semicolon}" + _("due %(date)s", date=item.due))
    if not still_open:
        document.add_paragraph(_("Every item is finished.") if data.items else _("No rectification items."))

    # Issuing unit and date: right-aligned, four characters from the right margin (7.3.5.1).
    document.add_paragraph().paragraph_format.first_line_indent = Pt(0)
    for text in (data.issuer, _date_words(data.issued_on, data.lang)):
        signature = document.add_paragraph(text)
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signature.paragraph_format.first_line_indent = Pt(0)
        signature.paragraph_format.right_indent = Pt(BODY_PT * 4)

    # Page numbers (7.5): odd pages on the right, even pages on the left, one character in from the edge.
    document.settings.odd_and_even_pages_header_footer = True
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if side == "right" else WD_ALIGN_PARAGRAPH.LEFT
        paragraph.paragraph_format.first_line_indent = Pt(0)
        if side == "right":
            paragraph.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
        else:
            paragraph.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
        _page_number_field(paragraph)
        for run in paragraph.runs:
            _set_fonts(run, PAGE_NUMBER_FONT)
            run.font.size = Pt(PAGE_NUMBER_PT)
    return _to_bytes(document)
