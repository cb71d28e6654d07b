"""The report stylesheet is parsed once per process and shared by every render (reporting.report.report_stylesheet)."""

from __future__ import annotations

import shutil

import pytest

from surveyapp.reporting import report


@pytest.fixture
def static_copy(tmp_path, monkeypatch):
    """The package's static folder copied, so a test may edit the stylesheet."""
    copy = tmp_path / "static"
    (copy / "css").mkdir(parents=True)
    shutil.copy(report.STATIC / "css" / "report.css", copy / "css" / "report.css")
    monkeypatch.setattr(report, "STATIC", copy)
    monkeypatch.setattr(report, "_stylesheet", None)
    monkeypatch.setattr(report, "_stylesheet_key", None)
    return copy / "css" / "report.css"


def test_parsed_once_and_shared(static_copy):
    first = report.report_stylesheet()
    assert report.report_stylesheet() is first


def test_parsed_again_when_the_file_changes(static_copy):
    first = report.report_stylesheet()
    static_copy.write_text(static_copy.read_text(encoding="utf-8") + "\nh1 { color: #000000; }\n", encoding="utf-8")
    second = report.report_stylesheet()
    assert second is not first
    assert report.report_stylesheet() is second


def test_a_stylesheet_that_fetches_is_refused_and_not_kept(static_copy):
    static_copy.write_text('@import url("https://example.org/x.css");\n' + static_copy.read_text(encoding="utf-8"),
                           encoding="utf-8")  # fmt: skip
    with pytest.raises(report.RefusedURL):
        report.report_stylesheet()
    assert report._stylesheet is None


def test_the_shared_stylesheet_lays_out_as_a_fresh_one():
    """Two documents in a row with the shared stylesheet: the second is laid out as the first (nothing of a
    document stays in the stylesheet)."""
    import io

    import pikepdf

    html = '<html lang="zh-Hans"><body><section class="cover"><h1>部门</h1></section><p>第二页</p></body></html>'
    first, second = report.html_to_pdf(html), report.html_to_pdf(html)
    pages = [len(pikepdf.open(io.BytesIO(pdf)).pages) for pdf in (first, second)]
    assert pages == [2, 2]  # .cover breaks the page: the report stylesheet was applied both times
    assert first == second


def test_the_cyclic_collector_is_paused_while_rendering_and_back_after():
    import gc

    assert gc.isenabled()
    with report._cyclic_gc_paused():
        with report._cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still renders
    assert gc.isenabled()
    with pytest.raises(ValueError), report._cyclic_gc_paused():
        raise ValueError
    assert gc.isenabled()
    report.html_to_pdf("<p>x</p>")
    assert gc.isenabled()


# -- the user-agent stylesheet of reports (reporting.report.report_html_class) -------------------------------------

LEFT_OUT = ("::footnote-call {", "::footnote-marker {", "::note-call {", "::note-marker {", "::note-callback {")


def test_reports_use_weasyprints_user_agent_stylesheet_without_the_rules_they_never_apply():
    """The pseudo-element rules that match every element (footnotes, notes, markers of any element) are left out,
    markers kept for list items: WeasyPrint then computes one style per element instead of seven."""
    from weasyprint import HTML
    from weasyprint.html import UA, UA_STYLESHEET

    report_html = report.report_html_class()
    assert report_html is not HTML, "WeasyPrint's stylesheet is not the one expected: see _UA_RULES_LEFT_OUT"
    assert report_html(string="<p>x</p>")._ua_stylesheets() != [UA_STYLESHEET]
    text = report._report_ua_text(UA)
    assert not any(line.startswith(LEFT_OUT) or line.startswith("::marker") for line in text.splitlines())
    assert "\nli::marker { font-variant-numeric: tabular-nums;" in text
    assert len(text.splitlines()) == len(UA.splitlines()) - len(LEFT_OUT)


def test_a_user_agent_stylesheet_not_as_expected_is_used_as_it_is():
    from weasyprint.html import UA

    assert report._report_ua_text(UA.replace("::note-callback {", "::note-back {")) is None  # a rule missing
    assert report._report_ua_text(UA + "::marker { color: red }\n") is None  # a rule twice
    assert report._report_ua_text(UA.replace("::note-marker {", "::note-marker {\n")) is None  # over two lines


def test_reports_lay_out_with_the_trimmed_stylesheet_exactly_as_with_the_stock_one(monkeypatch):
    """Lists (their markers), tables with a header over two pages, headings (bookmarks), links, a definition list
    and preformatted text: the same PDF, byte for byte, as with WeasyPrint's own stylesheet."""
    from weasyprint import HTML

    rows = "".join(f"<tr><td>{i}</td><td>第{i}項<div class='basis'>依據</div></td></tr>" for i in range(60))
    html = (
        '<html lang="zh-Hans"><head><title>報告</title></head><body><footer class="running-footer">頁腳</footer>'
        "<section class='cover'><h1>部门</h1><ol class='priorities'><li>一</li><li>二<ul><li>甲</li></ul></li></ol>"
        "</section><h2>表</h2><table class='items'><thead><tr><th>#</th><th>題目</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><dl class='glossary'><dt>α</dt><dd>一致性</dd></dl>"
        "<p><a href='https://example.org/'>鏈接</a> <strong>粗</strong></p><pre class='fingerprint'>{\"a\":1}</pre>"
        "</body></html>"
    )
    trimmed = report.html_to_pdf(html)
    monkeypatch.setattr(report, "_report_html_class", HTML)
    assert report.html_to_pdf(html) == trimmed
