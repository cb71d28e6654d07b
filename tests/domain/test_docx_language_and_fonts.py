"""Word documents name their fonts so that Word and LibreOffice use them, and say which language they are in.

A style's ``w:rFonts`` that keeps python-docx's theme attributes (``w:asciiTheme``, ``w:eastAsiaTheme`` …) is
shown in the theme's fonts: by ECMA-376 §17.3.2.26 a theme attribute wins over the named font. Without an
East Asian language (``w:lang w:eastAsia``) LibreOffice sets Chinese with Japanese glyphs and punctuation.
"""

import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest

from surveyapp.reporting import docx as words
from surveyapp.reporting.scorecard import ScorecardData

THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
EXPECTED = {"zh_Hans": ("zh-CN", "zh-CN"), "zh_Hant": ("zh-TW", "zh-TW"), "en": ("en-US", "zh-CN")}


def _report(lang: str) -> bytes:
    item = words.ReportItem(title="网站栏目更新", source="手动开启", detail="", status="进行中", status_key="open",
                            due="2026-12-30")  # fmt: skip
    data = words.RectificationReportData(lang=lang, issuer="教育局", addressee="市政府", round_name="2026",
                                         issued_on=date(2026, 11, 30), items=(item,))  # fmt: skip
    return words.rectification_report_docx(data)


def _scorecard(lang: str) -> bytes:
    data = ScorecardData(
        lang=lang, variant="department", questionnaire_title="政务公开", questionnaire_version="2", agency="市政府",
        department="教育局", round_name="2026", subject="", overall=70.0, grade="合格", grade_key="pass",
        grade_bands=(("合格", 60.0), ("不合格", 0.0)), red_lines=(), dimensions=(), peer_count=0,
    )  # fmt: skip
    return words.scorecard_docx(data, datetime(2026, 11, 30, tzinfo=UTC), images={})


def _styles(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("word/styles.xml").decode()


@pytest.mark.parametrize("build", [_report, _scorecard], ids=["rectification report", "scorecard"])
@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_named_fonts_win_and_the_language_is_set(build, lang):
    styles = _styles(build(lang))
    for fonts in re.findall(r"<w:rFonts [^>]*>", styles):
        if "w:eastAsia=" in fonts:  # a font the document names: no theme attribute may override it
            assert not any(f'{attribute}="' in fonts for attribute in THEME_ATTRIBUTES), fonts
    defaults = re.search(r"<w:docDefaults>.*?</w:docDefaults>", styles, re.S).group(0)
    language = re.search(r"<w:lang [^>]*>", defaults).group(0)
    val, east_asian = EXPECTED[lang]
    assert f'w:val="{val}"' in language and f'w:eastAsia="{east_asian}"' in language


def test_report_headings_use_the_named_fonts():
    styles = _styles(_report("zh_Hans"))
    for style_id, font in (("Title", "方正小标宋简体"), ("Heading1", "黑体"), ("Heading2", "楷体_GB2312")):
        style = re.search(rf'<w:style [^>]*w:styleId="{style_id}".*?</w:style>', styles, re.S).group(0)
        assert f'w:eastAsia="{font}"' in style


def test_report_follows_gbt_9704_ordinals_and_page_numbers():
    import docx

    assert [words.chinese_number(n) for n in (1, 9, 10, 11, 20, 23, 99)] == [
        "一", "九", "十", "十一", "二十", "二十三", "九十九"]  # fmt: skip
    measured = words.ReportItem(title="栏目更新", source="手动开启", detail="", status="已提交", status_key="submitted",
                                due="2026-12-30", measures=(("2026-12-01", "已更新", ""),))  # fmt: skip
    data = words.RectificationReportData(lang="zh_Hans", issuer="教育局", addressee="市政府", round_name="2026",
                                         issued_on=date(2026, 11, 30), items=(measured,))  # fmt: skip
    document = docx.Document(io.BytesIO(words.rectification_report_docx(data)))
    level2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert level2 == ["（一）栏目更新"]  # the second level is （一）, not （1）
    section = document.sections[0]
    assert document.settings.odd_and_even_pages_header_footer
    assert section.footer.paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert section.even_page_footer.paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT
    empty = words.RectificationReportData(lang="zh_Hans", issuer="教育局", addressee="市政府", round_name="2026",
                                          issued_on=date(2026, 11, 30), items=())  # fmt: skip
    texts = [p.text for p in docx.Document(io.BytesIO(words.rectification_report_docx(empty))).paragraphs]
    assert "全部事项均已完成。" not in texts  # nothing to finish is not "everything finished"


def test_since_last_round_heading_stays_with_its_figures():
    import docx

    data = ScorecardData(
        lang="en", variant="department", questionnaire_title="T", questionnaire_version="2", agency="A",
        department="D", round_name="2027", subject="", overall=70.0, grade="Pass", grade_key="pass",
        grade_bands=(("Pass", 60.0), ("Fail", 0.0)), red_lines=(), dimensions=(), peer_count=0,
        extra={"since_last_round": {"previous_round": "2026", "closed": 1, "open": 2, "overdue": 0,
                                    "items": [("A", "open", "open")]}},
    )  # fmt: skip
    document = docx.Document(io.BytesIO(words.scorecard_docx(data, datetime(2026, 11, 30, tzinfo=UTC), images={})))
    paragraphs = document.paragraphs
    heading = next(i for i, p in enumerate(paragraphs) if p.text == "Since last round")
    assert paragraphs[heading].paragraph_format.keep_with_next is not False  # Heading 1 keeps with next
    assert paragraphs[heading + 1].paragraph_format.keep_with_next
