import re

import pytest

from surveyapp.reporting import charts

LABELS = [
    "工作人員形象意識",
    "網路公關與輿情回應",
    "新媒體融合與平台維運",
    "培訓體系",
    "網路治理與問責",
    "公眾參與與監督",
    "主動公開",
]
VALUES = [50.0, 68.6, None, 61.1, 29.6, 65.7, 56.8]


@pytest.mark.parametrize(
    "draw",
    [
        lambda lang: charts.radar_chart(LABELS, VALUES, lang, peer=[55] * 7, value_label="本部門", peer_label="中位數"),
        lambda lang: charts.bar_chart(LABELS, VALUES, lang, bands=[(85, "優秀"), (60, "合格"), (0, "不合格")]),
        lambda lang: charts.spread_chart(LABELS, [[40, 50, 60, 70]] * 7, VALUES, lang, you_label="本部門"),
        lambda lang: charts.trend_chart(["2025", "2026"], {"綜合指數": [55, 62]}, lang),
        lambda lang: charts.heatmap_chart(["甲", "乙"], LABELS, [VALUES, list(reversed(VALUES))], lang),
    ],
    ids=["radar", "bars", "spread", "trend", "heatmap"],
)
def test_charts_are_deterministic_vector_svg_in_the_reader_font(draw):
    first, second = draw("zh_Hant"), draw("zh_Hant")
    assert first == second, "the same data must give the same SVG"
    svg = first.decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<image" not in svg, "no raster image inside a chart"
    assert "Noto Sans CJK TC" in svg
    assert "Noto Sans CJK SC" in draw("zh_Hans").decode("utf-8")


def test_chart_labels_are_text_in_the_svg():
    svg = charts.radar_chart(LABELS, VALUES, "zh_Hant").decode("utf-8")
    for label in ("培訓體系", "網路治理與問責"):
        assert label in svg


def test_data_uri_embeds_nothing_external():
    uri = charts.data_uri(charts.trend_chart(["a", "b"], {"x": [1, 2]}, "en"))
    assert uri.startswith("data:image/svg+xml;base64,")
    assert not re.search(r"https?://(?!www\.w3\.org)", uri)


# -- issue 18: labels, legends, contrast -----------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    ["网络公关与舆情回应", "主动公开、依申请公开与数据开放", "新媒体融合与平台运维", "工作人員形象意識", "市" * 61],
)
def test_chinese_labels_wrap_by_characters_without_an_orphan(label):
    lines = charts.wrap_lines(label, 16)
    assert "".join(lines) == label, "every character kept, in order"
    assert all(charts.text_width(line) <= 18 for line in lines)
    if len(lines) > 1:
        assert min(len(line) for line in lines) >= 2, lines
        assert not any(line[0] in "、，。" for line in lines[1:])
    assert charts.wrap_lines("网络公关与舆情回应", 16) == ["网络公关", "与舆情回应"]


def test_english_labels_wrap_between_words_and_long_words_break():
    lines = charts.wrap_lines("New-media integration and platform operations", 24)
    assert lines == ["New-media integration", "and platform operations"]
    word = "Supercalifragilisticexpialidocious" * 2
    lines = charts.wrap_lines(f"a {word} b", 24)
    assert "".join(lines).replace(" ", "") == f"a{word}b" and all(len(line) <= 26 for line in lines)
    assert charts.wrap_lines("Online governance and a", 21)[-1] != "a", "no lone character on the last line"


@pytest.mark.parametrize("values", [[50.0, 68.6, None, 61.1, 29.6, 65.7, 99.0], [100.0] * 7, [0.0] * 7])
@pytest.mark.parametrize("lang", ["en", "zh_Hant"])
def test_spread_legend_never_covers_a_box_or_a_marker(values, lang):
    """The legend's box intersects no data point: markers, boxes, whiskers and caps (issue 18)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    labels = LABELS if lang != "en" else [f"Dimension number {i} with a long English title" for i in range(7)]
    peers = [[0.0, 40.0, 50.0, 60.0, 100.0]] * 7
    with rc_context(charts._settings(lang)):
        figure = charts.spread_figure(labels, peers, values, lang, you_label="You are here")
        renderer = FigureCanvasAgg(figure).get_renderer()
        figure.draw(renderer)
        axes = figure.axes[0]
        legend = axes.get_legend().get_window_extent(renderer)
        points = []
        for collection in axes.collections:  # the markers
            points.extend(axes.transData.transform(collection.get_offsets()))
        for line in axes.lines:  # medians, whiskers, caps
            points.extend(axes.transData.transform(line.get_xydata()))
        for patch in axes.patches:  # the boxes
            points.extend(patch.get_window_extent(renderer).get_points())
        assert len(points) > 7 * 4
        for x, y in points:
            assert not legend.contains(x, y), (x, y, legend)
        # and the legend is wholly outside the axes
        assert not legend.overlaps(axes.get_window_extent(renderer))


def test_heatmap_cell_text_and_muted_text_reach_4_5_to_1():
    from matplotlib import colormaps

    colormap = colormaps["RdYlGn"]
    for value in range(0, 101):
        background = colormap(value / 100)
        assert charts.contrast_ratio(charts.text_colour_on(background), background) >= 4.5, value
    for band in (*charts.BAND_COLOURS, "#ffffff"):
        assert charts.contrast_ratio(charts.MUTED, band) >= 4.5, band
    assert charts.contrast_ratio(charts.INK, "#ffffff") >= 4.5


def test_user_text_in_charts_is_literal_and_whole():
    """A 60+ character name with ``$``, ``<`` and an emoji: wrapped into lines, every character kept."""
    import html

    name = "市$x$ <b>🙂应急管理局网络安全与信息化综合执法支队新媒体融合平台运维中心第三科室ABCDEFGHIJKLMNOPQ"
    assert len(name) >= 60
    svg = charts.heatmap_chart([name], ["D1"], [[50.0]], "zh_Hans").decode("utf-8")
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]
    label = [t for t in texts if t not in ("D1", "50")]
    assert len(label) > 1, "wrapped"
    assert label[0] == "市$x$" and "".join(label[1:]) == name.split(" ", 1)[1]


# -- charts for the PDF renderer (charts.pdf_output, charts.lean_svg) ----------------------------------------------

EVERY_CHART = {
    "radar": lambda: charts.radar_chart(LABELS, VALUES, "zh_Hant", peer=[55] * 7, value_label="本部門",
                                        peer_label="中位數"),
    "bars": lambda: charts.bar_chart(LABELS, VALUES, "zh_Hant", bands=[(85, "優秀"), (60, "合格"), (0, "不合格")],
                                     missing_label="資料不足"),
    "spread": lambda: charts.spread_chart(LABELS, [[40, 50, 60, 70]] * 7, VALUES, "zh_Hant", you_label="本部門",
                                          target=75),
    "trend": lambda: charts.trend_chart(["2024", "2025", "2026"], {"綜合指數": [55, None, 62], "中位數": [50, 52, 58]},
                                        "zh_Hant", ["第1版", "第1版", "第2版"]),
    "dimension trend": lambda: charts.dimension_trend_chart(["2025", "2026"], {t: [40, 60] for t in LABELS[:4]},
                                                            "zh_Hant", ["第1版", "第2版"]),
    "heatmap": lambda: charts.heatmap_chart(["甲", "乙"], LABELS, [VALUES, list(reversed(VALUES))], "zh_Hant"),
    "empty": lambda: charts.empty_chart("沒有資料", "zh_Hant"),
}  # fmt: skip


def test_charts_for_the_pdf_come_lean_inside_pdf_output_only():
    plain = charts.radar_chart(LABELS, VALUES, "zh_Hant")
    with charts.pdf_output():
        lean = charts.radar_chart(LABELS, VALUES, "zh_Hant")
        with charts.png_output(50):
            assert charts.radar_chart(LABELS, VALUES, "zh_Hant").startswith(b"\x89PNG")  # PNG stays PNG
    assert lean == charts.lean_svg(plain) != plain
    assert charts.radar_chart(LABELS, VALUES, "zh_Hant") == plain  # outside the block: matplotlib's SVG as it is
    assert b"style=" in plain and b"<metadata>" in plain
    assert b"style=" not in lean and b"<metadata>" not in lean and b"<style" not in lean
    assert b'stroke-linejoin="round" stroke-linecap="butt">' in lean  # the stylesheet's rule, on the root
    for label in ("培訓體系", "網路治理與問責"):
        assert label in lean.decode("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EVERY_CHART))
def test_a_lean_chart_gives_the_same_pdf_as_matplotlibs_svg(name):
    """Every kind of chart, drawn in a PDF from matplotlib's SVG and from the lean one: the same PDF, byte for
    byte (the same drawing, text and fonts)."""
    from surveyapp.reporting import report

    plain = EVERY_CHART[name]()
    lean = charts.lean_svg(plain)
    assert lean != plain and b"style=" not in lean

    def pdf(svg: bytes) -> bytes:
        return report.html_to_pdf(f'<html lang="zh-Hant"><body><img src="{charts.data_uri(svg)}"></body></html>')

    assert pdf(lean) == pdf(plain)


RULE = '\n <defs>\n  <style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>\n </defs>'


@pytest.mark.parametrize(
    "svg",
    [
        '<svg version="1.1">\n <path d="M 0 0" style="fill: #fff"/>\n</svg>',  # no stylesheet rule
        '<svg version="1.1">' + RULE.replace("*{", "path{") + '\n <path d="M 0 0"/>\n</svg>',  # another rule
        # a group whose children would inherit its own line cap instead of the rule's
        '<svg version="1.1">' + RULE + '\n <g style="stroke-linecap: square">\n  <path d="M 0 0"/>\n </g>\n</svg>',
        '<svg version="1.1">' + RULE + '\n <path d="M 0 0" fill="#000" style="fill: #fff"/>\n</svg>',  # set twice
        '<svg version="1.1">' + RULE + '\n <text style="font-family: &apos;A&apos;">x</text>\n</svg>',  # entity
        '<svg version="1.1">' + RULE + '\n <path d="M 0 0" style="fill: #fff !important"/>\n</svg>',
    ],
    ids=["no rule", "another rule", "group sets the cap", "set twice", "entity", "important"],
)
def test_an_svg_lean_svg_cannot_rewrite_exactly_is_left_as_it_is(svg):
    assert charts.lean_svg(svg.encode()) == svg.encode()


def test_lean_svg_keeps_a_leafs_own_cap_and_a_groups_other_properties():
    svg = ('<svg version="1.1">' + RULE + '\n <g style="fill: #fff">\n  <path d="M 0 0" style="stroke-linecap: square;'
           ' stroke: #000"/>\n </g>\n</svg>')  # fmt: skip
    assert charts.lean_svg(svg.encode()).decode() == (
        '<svg version="1.1" stroke-linejoin="round" stroke-linecap="butt">\n <g fill="#fff">\n'
        '  <path d="M 0 0" stroke-linecap="square" stroke="#000"/>\n </g>\n</svg>'
    )
