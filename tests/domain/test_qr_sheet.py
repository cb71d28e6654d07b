"""The QR sheet's cards keep their validity line whole, whatever the label, department and round names."""

import io
from datetime import datetime

import pdfplumber
import pytest

from surveyapp.reporting.qrsheet import QRCard, render_qr_sheet
from surveyapp.reporting.report import gettext_for

LONG = {
    "zh_Hant": ("市財政局政府信息公開與新媒體融合發展辦公室（政務新媒體運營與輿情回應中心）",
                "2026 年度政務公開與新媒體融合自評第一輪（全市各部門、各直屬單位及派出機構）",
                "財政局公開科第三組（新媒體與政務公開）臨時調派人員專用連結，請勿轉發給其他同仁使用" * 2),
    "zh_Hans": ("市财政局政府信息公开与新媒体融合发展办公室（政务新媒体运营与舆情回应中心）",
                "2026 年度政务公开与新媒体融合自评第一轮（全市各部门、各直属单位及派出机构）",
                "财政局公开科第三组（新媒体与政务公开）临时调派人员专用链接，请勿转发给其他同事使用" * 2),
    "en": ("Municipal Finance Bureau Office of Open Government Information and New Media Integration",
           "2026 self-assessment of open government and new media, first round (all departments)",
           "Finance Bureau disclosure section, third team (new media and open government), seconded staff only, "
           "please do not forward"),
}  # fmt: skip


def card_boxes(page) -> list[tuple[float, float, float, float]]:
    """(x0, top, x1, bottom) of each card, from the dashed grey borders' vertical sides."""
    sides = [line for line in page.lines if line["stroking_color"] == (0.6, 0.6, 0.6) and line["width"] == 0]
    rows: dict[tuple[int, int], list[float]] = {}
    for side in sides:
        rows.setdefault((round(side["top"]), round(side["bottom"])), []).append(side["x0"])
    boxes = []
    for (top, bottom), xs in rows.items():
        xs.sort()
        boxes += [(xs[i], top, xs[i + 1], bottom) for i in range(0, len(xs) - 1, 2)]
    return boxes


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
@pytest.mark.parametrize("label_length", [0, 12, 40, 200])
def test_every_card_shows_its_whole_validity_line_inside_the_card(lang, label_length):
    department, round_name, label = LONG[lang]
    cards = [QRCard(department if i % 2 else "D", round_name if i % 3 else "R", label[:label_length], "2026-12-31",
                    f"https://survey.example.gov.cn/invite/{i:04d}" + "x" * 40) for i in range(7)]  # fmt: skip
    pdf = render_qr_sheet(cards, "QR", lang, datetime(2026, 11, 30, 9, 0))
    line = gettext_for(lang)("Scan to answer. Valid until %(date)s.") % {"date": "2026-12-31"}
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        boxes = card_boxes(page)
        assert len(boxes) == len(cards)
        found = page.search(line, regex=False)
        assert len(found) == len(cards), f"{len(found)} whole validity lines for {len(cards)} cards"
        for match in found:
            assert any(x0 <= match["x0"] and match["x1"] <= x1 and top <= match["top"] and match["bottom"] <= bottom - 1
                       for x0, top, x1, bottom in boxes), f"validity line at {match} outside every card"  # fmt: skip
        for char in page.chars:  # nothing written past a card's edge (clipped text would still be there)
            if char["top"] < 800:
                assert any(x0 <= char["x0"] and char["x1"] <= x1 and top <= char["top"] and char["bottom"] <= bottom
                           for x0, top, x1, bottom in boxes), f"{char['text']!r} outside every card"  # fmt: skip
        if label_length and label_length <= 40:  # a label of a few lines is shown whole
            assert label[:label_length].replace(" ", "") in page.extract_text().replace("\n", "").replace(" ", "")
