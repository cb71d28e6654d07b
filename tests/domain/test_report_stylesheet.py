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
