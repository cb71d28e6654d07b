"""Charts as SVG, drawn with ``matplotlib.figure.Figure`` (never pyplot: no global state).

Text is drawn as paths (``svg.fonttype = 'path'``), so the SVG needs no font to display, and the
output is deterministic (fixed hash salt, no date) so tests can compare it. Chinese labels use
the Noto Sans CJK face of the reader's language. The web pages and the PDF use these functions.
"""

from __future__ import annotations

import base64
import contextvars
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_BY_LANGUAGE = {"zh_Hant": "Noto Sans CJK TC", "zh_Hans": "Noto Sans CJK SC", "en": "Noto Sans CJK SC"}
INK = "#1b1f23"
MUTED = "#6b737c"
ACCENT = "#0b5cad"
PEER = "#b7791f"
GRID = "#d0d5db"
BAND_COLOURS = ("#f6d5d5", "#fbe9c8", "#e3efd9", "#cfe6d4")  # fail → excellent


def _settings(lang: str) -> dict:
    return {
        "font.family": [FONT_BY_LANGUAGE.get(lang, "Noto Sans CJK SC")],
        "font.size": 9,
        "svg.fonttype": "none",
        "svg.hashsalt": "surveyapp",
        "axes.edgecolor": MUTED,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.unicode_minus": False,
        # User text is text: every Text drawn inside these settings (labels, titles, legends, ticks)
        # is shown as written, never read as mathtext (``$…$``) or handed to LaTeX.
        "text.parse_math": False,
        "text.usetex": False,
    }


def _matplotlib():
    """``rc_context`` and ``Figure``, imported on the first chart: most requests draw none (and the
    import costs about 0.4 s and 40 MiB). The Agg backend is chosen before anything else loads."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    return rc_context, Figure


def empty_chart(message: str, lang: str) -> bytes:
    """The explicit empty state of every chart: a small figure that says there is nothing to draw."""
    rc_context, Figure = _matplotlib()
    with rc_context(_settings(lang)):
        figure = Figure(figsize=(6.4, 1.2))
        figure.text(0.5, 0.5, message or "–", ha="center", va="center", fontsize=9, color=MUTED)
        return _svg(figure)


# Resolution (dots per inch) of PNG output while ``png_output`` is active; 0: SVG (the default).
_PNG_DPI: contextvars.ContextVar[int] = contextvars.ContextVar("chart_png_dpi", default=0)


@contextmanager
def png_output(dpi: int = 200) -> Iterator[None]:
    """Within the block every chart function returns PNG bytes at ``dpi`` instead of SVG (for Word
    documents, which show no SVG). The same figures, labels and fonts."""
    token = _PNG_DPI.set(dpi)
    try:
        yield
    finally:
        _PNG_DPI.reset(token)


def _svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    dpi = _PNG_DPI.get()
    if dpi:
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    else:
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def data_uri(svg: bytes) -> str:
    """An ``<img src>`` for a chart (SVG, or PNG inside ``png_output``): nothing is fetched from anywhere."""
    kind = "png" if svg.startswith(b"\x89PNG") else "svg+xml"
    return f"data:image/{kind};base64," + base64.b64encode(svg).decode("ascii")


def _wrap(label: str, width: int = 8) -> str:
    """Break long labels: CJK text by characters, other text at spaces."""
    if " " not in label:
        return "\n".join(label[i : i + width] for i in range(0, len(label), width))
    words, lines, line = label.split(), [], ""
    for word in words:
        if len(line) + len(word) > width * 2 and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def radar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    lang: str,
    peer: Sequence[float | None] | None = None,
    value_label: str = "",
    peer_label: str = "",
    empty_label: str = "",
) -> bytes:
    """Dimension scores on a radar, optionally against the peers' median (None plots as 0)."""
    count = len(labels)
    if not count:
        return empty_chart(empty_label, lang)
    angles = [2 * math.pi * i / count for i in range(count)]
    rc_context, Figure = _matplotlib()
    with rc_context(_settings(lang)):
        figure = Figure(figsize=(5.2, 4.6))
        axes = figure.add_subplot(projection="polar")
        axes.set_theta_offset(math.pi / 2)
        axes.set_theta_direction(-1)
        axes.set_ylim(0, 100)
        axes.set_yticks([20, 40, 60, 80, 100])
        axes.set_yticklabels(["20", "40", "60", "80", "100"], color=MUTED, fontsize=7)
        axes.set_xticks(angles)
        axes.set_xticklabels([_wrap(label) for label in labels], fontsize=8)
        axes.grid(color=GRID)
        if peer is not None:
            closed = [v or 0 for v in peer] + [peer[0] or 0]
            axes.plot(angles + angles[:1], closed, color=PEER, linewidth=1.2, linestyle="--", label=peer_label)
        closed = [v or 0 for v in values] + [values[0] or 0]
        axes.plot(angles + angles[:1], closed, color=ACCENT, linewidth=2, label=value_label)
        axes.fill(angles + angles[:1], closed, color=ACCENT, alpha=0.15)
        if value_label or peer_label:
            axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
        figure.subplots_adjust(left=0.16, right=0.84, top=0.88, bottom=0.14)
        return _svg(figure)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    lang: str,
    bands: Sequence[tuple[float, str]] = (),
    missing_label: str = "",
    empty_label: str = "",
) -> bytes:
    """Horizontal bars per dimension over the grade bands (``bands``: (minimum, label), high first)."""
    if not labels:
        return empty_chart(empty_label, lang)
    rc_context, Figure = _matplotlib()
    with rc_context(_settings(lang)):
        figure = Figure(figsize=(6.4, 0.45 * len(labels) + 0.9))
        axes = figure.add_subplot()
        edges = sorted({b[0] for b in bands} | {0.0, 100.0})
        for (low, high), colour in zip(zip(edges, edges[1:], strict=False), BAND_COLOURS, strict=False):
            axes.axvspan(low, high, color=colour, zorder=0)
        for minimum, label in bands:
            if minimum > 0:
                axes.axvline(minimum, color=MUTED, linewidth=0.6, zorder=1)
            axes.text(minimum + 1, len(labels) - 0.35, label, fontsize=7, color=MUTED, va="bottom")
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, [v or 0 for v in values], color=ACCENT, height=0.55, zorder=2)
        for position, value in zip(positions, values, strict=True):
            text = f"{value:.1f}" if value is not None else missing_label
            axes.text((value or 0) + 1.5, position, text, va="center", fontsize=8, color=INK, zorder=3)
        axes.set_yticks(positions)
        axes.set_yticklabels(labels, fontsize=8)
        axes.set_xlim(0, 108)
        axes.set_ylim(-0.6, len(labels) - 0.1)
        axes.spines[["top", "right"]].set_visible(False)
        figure.subplots_adjust(left=0.34, right=0.97, top=0.93, bottom=0.1)
        return _svg(figure)


def spread_chart(
    labels: Sequence[str],
    peers: Sequence[Sequence[float]],
    mine: Sequence[float | None],
    lang: str,
    you_label: str = "",
    target: float | None = None,
    empty_label: str = "",
) -> bytes:
    """Box plot of the peers' scores per dimension, with this department marked."""
    if not labels or not any(peers):
        return empty_chart(empty_label, lang)
    rc_context, Figure = _matplotlib()
    with rc_context(_settings(lang)):
        figure = Figure(figsize=(6.4, 0.5 * len(labels) + 1.0))
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        data = [list(values) if values else [math.nan] for values in peers]
        axes.boxplot(
            data, positions=positions, orientation="horizontal", widths=0.5, showfliers=False,
            patch_artist=True, boxprops={"facecolor": "#e8eaed", "edgecolor": MUTED},
            medianprops={"color": PEER, "linewidth": 1.5}, whiskerprops={"color": MUTED}, capprops={"color": MUTED},
        )  # fmt: skip
        xs = [v for v in mine if v is not None]
        ys = [p for p, v in zip(positions, mine, strict=True) if v is not None]
        axes.scatter(xs, ys, color=ACCENT, marker="D", s=36, zorder=3, label=you_label)
        if target is not None:
            axes.axvline(target, color="#1d6b35", linewidth=1, linestyle=":")
        axes.set_yticks(positions)
        axes.set_yticklabels(labels, fontsize=8)
        axes.set_xlim(0, 100)
        axes.spines[["top", "right"]].set_visible(False)
        if you_label:
            axes.legend(loc="lower right", fontsize=8, frameon=False)
        figure.subplots_adjust(left=0.34, right=0.97, top=0.95, bottom=0.1)
        return _svg(figure)


def trend_chart(
    rounds: Sequence[str],
    series: dict[str, Sequence[float | None]],
    lang: str,
    versions: Sequence[str] | None = None,
    empty_label: str = "",
) -> bytes:
    """Scores over assessment rounds, one line per series (e.g. the overall index); an empty-state
    chart saying ``empty_label`` when there is no value at all.

    ``versions``: the questionnaire version of each round as a label in ``lang`` (e.g. "第2版"); where it differs
    from the round before, a dashed vertical line (SVG id ``version-change-N``) marks the change of version,
    labelled with the newer version.
    """
    if not rounds or all(v is None for values in series.values() for v in values):
        return empty_chart(empty_label, lang)
    rc_context, Figure = _matplotlib()
    with rc_context(_settings(lang)):
        figure = Figure(figsize=(6.4, 2.8))
        axes = figure.add_subplot()
        xs = list(range(len(rounds)))
        for index, (name, values) in enumerate(series.items()):
            colour = ACCENT if index == 0 else PEER
            points = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
            if points:
                axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=colour, label=name)
        axes.set_xticks(xs)
        axes.set_xticklabels(rounds, fontsize=8)
        axes.set_ylim(0, 100)
        for x in range(1, len(versions or ())):
            if versions[x] != versions[x - 1]:
                axes.axvline(x - 0.5, color=MUTED, linestyle="--", linewidth=1, gid=f"version-change-{x}")
                axes.text(x - 0.45, 97, versions[x], fontsize=8, color=MUTED, va="top", gid=f"version-label-{x}")
        axes.grid(axis="y", color=GRID)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(fontsize=8, frameon=False, loc="lower right")
        figure.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.15)
        return _svg(figure)


def heatmap_chart(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    lang: str,
    empty_label: str = "",
) -> bytes:
    """Departments × dimensions; ``pcolormesh`` keeps the SVG free of raster images."""
    import numpy as np

    if not rows or not columns:
        return empty_chart(empty_label, lang)

    matrix = np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float)
    rc_context, Figure = _matplotlib()
    with rc_context(_settings(lang)):
        height = 1.9 + 0.32 * len(rows)
        figure = Figure(figsize=(2.0 + 0.85 * len(columns), height))
        axes = figure.add_subplot()
        # Every cell carries its number, so no colour bar (matplotlib draws that as a raster image).
        axes.pcolormesh(np.ma.masked_invalid(matrix), cmap="RdYlGn", vmin=0, vmax=100, edgecolors="white")
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if not np.isnan(value):
                    axes.text(j + 0.5, i + 0.5, f"{value:.0f}", ha="center", va="center", fontsize=7, color=INK)
        axes.set_xticks([j + 0.5 for j in range(len(columns))])
        axes.set_xticklabels(columns, fontsize=7, rotation=35, ha="left", rotation_mode="anchor")
        axes.set_yticks([i + 0.5 for i in range(len(rows))])
        axes.set_yticklabels(rows, fontsize=7)
        axes.invert_yaxis()
        axes.xaxis.tick_top()
        figure.subplots_adjust(left=0.2, right=0.86, top=1 - 1.5 / height, bottom=0.2 / height)
        return _svg(figure)
