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
