"""A printable A4 sheet of invitation QR codes (segno → SVG → WeasyPrint PDF).

Each card shows the department, the round, the label, the expiry date and the QR code of one
absolute invitation link. Same renderer, fonts and URL fetcher as the scorecards: the QR codes are
``data:`` URIs and everything typed by a user is escaped by the template.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import segno

from surveyapp.reporting.report import environment, html_to_pdf, stamp


@dataclass(frozen=True)
class QRCard:
    department: str
    round_name: str
    label: str
    expires: str  # a date as the reader reads it, e.g. "2026-12-31"
    url: str


# A label wider than this (in half-width units: a CJK character counts two) is set at 6 pt instead of 7 pt
# so that about three lines of it fit the card; anything beyond three lines ends with an ellipsis.
SMALL_LABEL_WIDTH = 100


def display_width(text: str) -> int:
    """Width of ``text`` in half-width units (East Asian wide and fullwidth characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` (error correction M, quiet zone of 4 modules) as an SVG data URI."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=1, border=4)


def render_qr_sheet(cards: list[QRCard], title: str, lang: str, generated_at: datetime,
                    strict_fonts: bool = False) -> bytes:  # fmt: skip
    """PDF bytes: 3 × 4 cards per A4 page in ``lang``. Every card keeps its validity line whole: the
    department (2 lines), round (2 lines) and label (3 lines; smaller type past ``SMALL_LABEL_WIDTH``)
    wrap and are cut with an ellipsis beyond that."""
    template = environment(lang).get_template("qr_sheet.html")
    html = template.render(
        cards=[(card, qr_data_uri(card.url), display_width(card.label) > SMALL_LABEL_WIDTH) for card in cards],
        title=title,
        html_lang=lang.replace("_", "-"),
        generated_at=stamp(generated_at),
    )
    return html_to_pdf(html, strict_fonts=strict_fonts)
