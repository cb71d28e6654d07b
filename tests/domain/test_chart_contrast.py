"""Every text drawn in every chart reaches 4.5:1 against the colour actually behind it (issue 18, WCAG 1.4.3).

Each chart is drawn twice with the Agg renderer: once to place its text, once with every glyph transparent
(a text's own background box stays). Every colour that covers at least 2 % of a text's box in the second
picture (a grade band, a heatmap cell, a data line, a grid or band line, the text's own box) must contrast
4.5:1 with the text's colour. The data are chosen so that lines and bars run through the labels.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from surveyapp.reporting import charts

BANDS = [(90.0, "优秀"), (75.0, "良好"), (60.0, "合格"), (0.0, "不合格")]
BANDS_EN = [(90.0, "Excellent"), (75.0, "Good"), (60.0, "Pass"), (0.0, "Fail")]
LABELS = [
    "工作人員形象意識",
    "網路公關與輿情回應",
    "新媒體融合與平台維運",
    "培訓體系",
    "網路治理與問責",
    "公眾參與",
    "主動公開",
]
LABELS_EN = [f"Dimension {i}: media integration and platform operations" for i in range(7)]
COVERAGE = 0.02


def _drawings():
    """(name, call) pairs: every chart kind with data that puts lines, bars and band edges under its text."""
    for value in (0, 24, 40, 58, 60, 62, 74, 88, 89, 99, 100):
        yield f"bars-{value}", lambda v=value: charts.bar_chart(LABELS, [v, None, *[v] * 5], "zh_Hans", BANDS, "无")
    yield "bars-en", lambda: charts.bar_chart(LABELS_EN, [58, 88, None, 12, 100, 73, 0], "en", BANDS_EN, "no data")
    for value in (20, 24, 40, 45, 60, 62, 80, 85, 100):
        yield (
            f"radar-{value}",
            lambda v=value: charts.radar_chart(
                LABELS, [v] * 7, "zh_Hans", peer=[v - 3] * 7, value_label="本部门", peer_label="中位数"
            ),
        )
    for value in (0, 50, 61, 97, 100):
        yield (
            f"spread-{value}",
            lambda v=value: charts.spread_chart(
                LABELS_EN, [[0, 40, 50, 60, 100]] * 7, [v] * 7, "en", you_label="You are here", target=60
            ),
        )
    for value in (3, 50, 95, 97, 100):
        yield (
            f"trend-{value}",
            lambda v=value: charts.trend_chart(
                ["2024", "2025", "2026"], {"Index": [v, v, v], "Peer median": [v - 2, v - 1, v]}, "en", ["1", "2", "2"]
            ),
        )
    rows = [[float(v) for v in range(start, start + 7)] for start in range(0, 100, 7)]
    yield "heatmap", lambda: charts.heatmap_chart([f"部门{i}" for i in range(len(rows))], LABELS, rows, "zh_Hans")
    yield "empty", lambda: charts.empty_chart("No data yet", "en")


DRAWINGS = dict(_drawings())


def _figure(draw, monkeypatch):
    """The matplotlib figure a chart function builds (captured where it would be written to SVG)."""
    figures = []
    monkeypatch.setattr(charts, "_svg", lambda figure: figures.append(figure) or b"")
    draw()
    (figure,) = figures
    return figure


def _text_backgrounds(figure):
    """For every drawn text: (text, colour, [(background colour, share of the text's box), …])."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_hex
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(figure)
    with rc_context({"font.family": ["Noto Sans CJK SC"]}):
        canvas.draw()
        renderer = canvas.get_renderer()
        texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
        placed = [(t, to_hex(t.get_color()), t.get_window_extent(renderer)) for t in texts]
        for text in texts:
            text.set_color((0, 0, 0, 0))  # glyphs gone, the text's own box (if any) stays
        canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[:, :, :3]
    height, width = pixels.shape[:2]
    for text, colour, box in placed:
        x0, x1 = int(max(0, box.x0)), int(min(width, box.x1))
        y0, y1 = int(max(0, height - box.y1)), int(min(height, height - box.y0))
        if x1 <= x0 or y1 <= y0:
            continue  # a tick outside the canvas (not drawn)
        region = pixels[y0:y1, x0:x1].reshape(-1, 3)
        colours, counts = np.unique(region, axis=0, return_counts=True)
        shares = [(to_hex(c / 255), n / len(region)) for c, n in zip(colours, counts, strict=True)]
        yield text.get_text(), colour, [(c, share) for c, share in shares if share >= COVERAGE]


@pytest.mark.parametrize("name", list(DRAWINGS))
def test_every_chart_text_reaches_4_5_to_1_against_what_is_behind_it(name, monkeypatch):
    figure = _figure(DRAWINGS[name], monkeypatch)
    checked = 0
    failures = []
    for text, colour, backgrounds in _text_backgrounds(figure):
        assert backgrounds, text
        for background, share in backgrounds:
            ratio = charts.contrast_ratio(colour, background)
            if ratio < 4.5:
                failures.append(f"{text!r} {colour} on {background} ({share:.0%} of its box): {ratio:.2f}:1")
        checked += 1
    assert checked >= 1
    assert not failures, "\n".join(failures)


def test_the_check_sees_a_line_through_a_label(monkeypatch):
    """The check itself can fail: a data-coloured line drawn over grey text is found."""

    def crossed():
        rc_context, Figure = charts._matplotlib()
        with rc_context(charts._settings("en")):
            figure = Figure(figsize=(2, 1))
            axes = figure.add_subplot()
            axes.set_xlim(0, 1)
            axes.set_ylim(0, 1)
            axes.text(0.5, 0.5, "Version 2", ha="center", va="center", color=charts.MUTED, zorder=1)
            axes.plot([0, 1], [0.5, 0.5], color=charts.ACCENT, linewidth=3, zorder=2)
            return charts._svg(figure)

    figure = _figure(crossed, monkeypatch)
    found = {text: backgrounds for text, _, backgrounds in _text_backgrounds(figure)}
    assert any(charts.contrast_ratio(charts.MUTED, b) < 4.5 for b, _ in found["Version 2"])


def test_pdf_text_colours_reach_4_5_to_1_on_the_pdf_backgrounds():
    """The PDFs' own text (scorecard, training-needs matrix): every text colour of report.css on white and on
    every background colour it sets."""
    css = (Path(charts.__file__).parents[1] / "static" / "css" / "report.css").read_text(encoding="utf-8")
    foregrounds = set(re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", css))
    backgrounds = set(re.findall(r"background:\s*(#[0-9a-fA-F]{6})", css)) | {"#ffffff"}
    assert len(foregrounds) >= 5 and len(backgrounds) >= 2
    for foreground in foregrounds:
        for background in backgrounds:
            assert charts.contrast_ratio(foreground, background) >= 4.5, (foreground, background)
