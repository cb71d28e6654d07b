"""Charts as SVG, drawn with ``matplotlib.figure.Figure`` (never pyplot: no global state).

Text is drawn as paths (``svg.fonttype = 'path'``), so the SVG needs no font to display, and the
output is deterministic (fixed hash salt, no date) so tests can compare it. Chinese labels use
the Noto Sans CJK face of the reader's language. The web pages and the PDF use these functions.
"""

from __future__ import annotations

import base64
import contextvars
import io
import itertools
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_BY_LANGUAGE = {"zh_Hant": "Noto Sans CJK TC", "zh_Hans": "Noto Sans CJK SC", "en": "Noto Sans CJK SC"}
# Emoji in user text (department names): matplotlib cannot read this colour-bitmap face, so the
# charts name only the CJK face and WeasyPrint (Pango + fontconfig) falls back to this one for the
# glyphs it lacks (Debian fonts-noto-color-emoji, installed by `make run`, checked by `flask doctor`).
EMOJI_FONT = "Noto Color Emoji"
INK = "#1b1f23"
WHITE = "#ffffff"
# Chart text is at least 4.5:1 against white and against every grade band colour (WCAG 1.4.3).
MUTED = "#555d66"
ACCENT = "#0b5cad"
PEER = "#b7791f"
GRID = "#d0d5db"
LABEL_WIDTH = 24  # half-width units per line of an axis label (12 CJK characters)
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


# True while ``pdf_output`` is active: charts come as SVG trimmed for the PDF renderer (``lean_svg``).
_LEAN_SVG: contextvars.ContextVar[bool] = contextvars.ContextVar("chart_lean_svg", default=False)


@contextmanager
def pdf_output() -> Iterator[None]:
    """Within the block every chart function returns its SVG as ``lean_svg`` makes it: the same drawing, which
    WeasyPrint reads faster (the PDF scorecards and comparison). Outside it, matplotlib's SVG as it is."""
    token = _LEAN_SVG.set(True)
    try:
        yield
    finally:
        _LEAN_SVG.reset(token)


_SVG_STAR_RULE = re.compile(r'\n *<defs>\n *<style type="text/css">\*\{([^{}<]*)\}</style>\n *</defs>')
_SVG_METADATA = re.compile(r"\n *<metadata>.*?</metadata>", re.DOTALL)
_SVG_START_TAG = re.compile(r"<([A-Za-z][\w:.-]*)([^<>]*?)(/?)>")
_SVG_STYLE = re.compile(r'\sstyle="([^"]*)"')
_SVG_ATTRIBUTE_NAME = re.compile(r'([\w:.-]+)="')
_CSS_PROPERTY_NAME = re.compile(r"[a-z][a-z-]*")


def _declarations(text: str) -> dict[str, str] | None:
    """``name: value; …`` (a style attribute or rule) as a dict; None for anything else (an entity, ``!important``)."""
    if "&" in text:
        return None
    result = {}
    for declaration in text.split(";"):
        if not declaration.strip():
            continue
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if not colon or not _CSS_PROPERTY_NAME.fullmatch(name) or not value or "!" in value:
            return None
        result[name] = value
    return result


def lean_svg(svg: bytes) -> bytes:
    """Matplotlib's SVG ``svg`` as the same drawing with less for WeasyPrint to read: without the ``<metadata>``
    block, with each ``style`` attribute written as presentation attributes (WeasyPrint parses every style with
    a CSS parser) and the stylesheet's one rule (``*{stroke-linejoin: round; stroke-linecap: butt}``) as
    attributes of the root, which every element inherits unless it sets its own. ``svg`` unchanged when it is not
    as expected: another stylesheet, a style this cannot rewrite, an attribute set both ways, or an element with
    children that sets a property of the rule (its children would inherit it where the rule gave them the
    rule's value)."""
    text = svg.decode("utf-8")
    rule = _SVG_STAR_RULE.search(text)
    defaults = _declarations(rule.group(1)) if rule else None
    if not defaults:
        return svg
    text = _SVG_METADATA.sub("", text[: rule.start()] + text[rule.end() :], count=1)
    unchanged = False

    def rewrite(tag: re.Match) -> str:
        nonlocal unchanged
        name, attributes, empty = tag.groups()
        style = _SVG_STYLE.search(attributes)
        declared = _declarations(style.group(1)) if style else {}
        if declared is None or "style=" in (attributes[: style.start()] + attributes[style.end() :] if style else ""):
            unchanged = True
            return tag.group(0)
        if style:
            attributes = attributes[: style.start()] + attributes[style.end() :]
        if not empty and any(declared.get(key, value) != value for key, value in defaults.items()):
            unchanged = True
        if name == "svg":
            declared = {**defaults, **declared}
        if set(_SVG_ATTRIBUTE_NAME.findall(attributes)) & declared.keys():
            unchanged = True
        added = "".join(f' {key}="{value}"' for key, value in declared.items())
        return f"<{name}{attributes}{added}{empty}>"

    text = _SVG_START_TAG.sub(rewrite, text)
    return svg if unchanged else text.encode("utf-8")


def _svg(figure: Figure) -> bytes:
    import warnings

    buffer = io.BytesIO()
    dpi = _PNG_DPI.get()
    with warnings.catch_warnings():
        # Emoji are not in the CJK face matplotlib measures with; the SVG keeps them as text and the
        # PDF renderer draws them with EMOJI_FONT, so matplotlib's "Glyph … missing" is expected.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        if dpi:
            figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        else:
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return lean_svg(buffer.getvalue()) if _LEAN_SVG.get() and not dpi else buffer.getvalue()


def data_uri(svg: bytes) -> str:
    """An ``<img src>`` for a chart (SVG, or PNG inside ``png_output``): nothing is fetched from anywhere."""
    kind = "png" if svg.startswith(b"\x89PNG") else "svg+xml"
    return f"data:image/{kind};base64," + base64.b64encode(svg).decode("ascii")


# Closing punctuation never starts a line (Chinese line-breaking rule, kinsoku).
_NO_LINE_START = set("、，。；：？！）》」』】〕,.;:?!)]}…")


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def text_width(text: str) -> int:
    """Width of ``text`` in half-width units: a CJK (wide) character counts 2, any other 1."""
    return sum(2 if _is_wide(c) else 1 for c in text)


def _balanced(text: str, width: int) -> list[str]:
    """``text`` (no spaces) cut between characters into the fewest lines of about ``width`` units,
    all of nearly the same width, so no line is left with a single character."""
    total = text_width(text)
    if total <= width:
        return [text]
    count = -(-total // width)
    target = -(-total // count)
    lines: list[str] = []
    line = ""
    for char in text:
        if line and text_width(line + char) > target and len(lines) < count - 1 and char not in _NO_LINE_START:
            lines.append(line)
            line = char
        else:
            line += char
    lines.append(line)
    return lines


def wrap_lines(label: str, width: int = 16) -> list[str]:
    """A label cut into lines of at most about ``width`` half-width units, every character kept.

    Text with spaces (English) breaks between words; a word longer than a line, and text without
    spaces (Chinese), breaks between characters into lines of even width, so no line holds a lone
    character ("网络公关与舆情回 / 应" becomes "网络公关 / 与舆情回应"). Returns at least one line.
    """
    label = " ".join(label.split())
    if " " not in label:
        return _balanced(label, width)
    lines: list[str] = []
    line = ""
    for word in label.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        pieces = _balanced(word, width)
        lines.extend(pieces[:-1])
        line = pieces[-1]
    lines.append(line)
    if len(lines) > 1 and len(lines[-1]) == 1:  # a lone character: take a word from the line before
        head, _, tail = lines[-2].rpartition(" ")
        if head:
            lines[-2:] = [head, f"{tail} {lines[-1]}"]
    return lines


def _wrap(label: str, width: int = 16) -> str:
    return "\n".join(wrap_lines(label, width))


def _label_inches(labels: Sequence[str], fontsize: float = 8) -> float:
    """The width in inches that holds the longest line of ``labels`` (wrapped text) plus the ticks."""
    widest = max((text_width(line) for label in labels for line in label.split("\n")), default=0)
    return widest * fontsize * 0.56 / 72 + 0.25


def _label_margin(labels: Sequence[str], figure_width: float, fontsize: float = 8) -> float:
    """The left margin (figure fraction) that holds the longest line of ``labels``."""
    return min(0.5, max(0.12, _label_inches(labels, fontsize) / figure_width))


def _luminance(colour: str) -> float:
    from matplotlib.colors import to_rgb

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 … 21)."""
    first, second = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (first + 0.05) / (second + 0.05)


def text_colour_on(background) -> str:
    """The text colour for ``background`` (heatmap cells): ink where it reaches 4.5:1, else whichever
    of white and black contrasts more (every colour has one of them at 4.58:1 or more)."""
    if contrast_ratio(INK, background) >= 4.5:
        return INK
    return max((WHITE, "#000000"), key=lambda colour: contrast_ratio(colour, background))


def _text_box(background: str) -> dict:
    """A box in ``background`` behind a label drawn inside the axes: no data line, bar edge or band line runs
    through its text, so the text keeps its contrast with ``background`` (issue 18)."""
    return {"boxstyle": "square,pad=0.15", "facecolor": background, "edgecolor": "none"}


def _band_colour(x: float, edges: Sequence[float]) -> str:
    """The grade band colour at ``x`` on the bar chart (white right of the last band)."""
    for (low, high), colour in zip(zip(edges, edges[1:], strict=False), BAND_COLOURS, strict=False):
        if low <= x < high:
            return colour
    return WHITE


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
        figure = Figure(figsize=(5.2, 4.0))
        axes = figure.add_subplot(projection="polar")
        axes.set_theta_offset(math.pi / 2)
        axes.set_theta_direction(-1)
        axes.set_ylim(0, 100)
        axes.set_yticks([20, 40, 60, 80, 100])
        # The scale as text above the data (tick labels are drawn below the lines), each in a white box.
        axes.set_yticklabels([])
        for tick in (20, 40, 60, 80, 100):
            axes.text(math.radians(22.5), tick, str(tick), color=MUTED, fontsize=7, ha="center", va="center",
                      zorder=5, bbox=_text_box(WHITE))  # fmt: skip
        axes.set_xticks(angles)
        axes.set_xticklabels([_wrap(label) for label in labels], fontsize=9)
        # Labels on the right start at the circle, those on the left end there: none runs into the plot.
        for text, angle in zip(axes.get_xticklabels(), angles, strict=True):
            side = math.sin(angle)
            text.set_horizontalalignment("left" if side > 0.2 else "right" if side < -0.2 else "center")
        axes.tick_params(axis="x", pad=6)
        axes.grid(color=GRID)
        if peer is not None:
            closed = [v or 0 for v in peer] + [peer[0] or 0]
            axes.plot(angles + angles[:1], closed, color=PEER, linewidth=1.2, linestyle="--", label=peer_label)
        closed = [v or 0 for v in values] + [values[0] or 0]
        axes.plot(angles + angles[:1], closed, color=ACCENT, linewidth=2, label=value_label)
        axes.fill(angles + angles[:1], closed, color=ACCENT, alpha=0.15)
        if value_label or peer_label:
            axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
        figure.subplots_adjust(left=0.26, right=0.74, top=0.87, bottom=0.16)
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
        wrapped = [_wrap(label, LABEL_WIDTH) for label in labels]
        lines = max(label.count("\n") + 1 for label in wrapped)
        figure = Figure(figsize=(6.4, max(0.34, 0.13 * lines + 0.1) * len(labels) + 0.7))
        axes = figure.add_subplot()
        edges = sorted({b[0] for b in bands} | {0.0, 100.0})
        for (low, high), colour in zip(zip(edges, edges[1:], strict=False), BAND_COLOURS, strict=False):
            axes.axvspan(low, high, color=colour, zorder=0)
        for minimum, label in bands:
            if minimum > 0:
                axes.axvline(minimum, color=MUTED, linewidth=0.6, zorder=1)
            axes.text(minimum + 1, len(labels) - 0.35, label, fontsize=7, color=MUTED, va="bottom", zorder=3,
                      bbox=_text_box(_band_colour(minimum + 1, edges)))  # fmt: skip
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, [v or 0 for v in values], color=ACCENT, height=0.55, zorder=2)
        for position, value in zip(positions, values, strict=True):
            text = f"{value:.1f}" if value is not None else missing_label
            x = (value or 0) + 1.5
            axes.text(x, position, text, va="center", fontsize=8, color=INK, zorder=3,
                      bbox=_text_box(_band_colour(x, edges)))  # fmt: skip
        axes.set_yticks(positions)
        axes.set_yticklabels(wrapped, fontsize=8)
        axes.set_xlim(0, 108)
        axes.set_ylim(-0.6, len(labels) - 0.1)
        axes.spines[["top", "right"]].set_visible(False)
        height = figure.get_figheight()
        figure.subplots_adjust(left=_label_margin(wrapped, 6.4), right=0.97, top=1 - 0.25 / height,
                               bottom=0.4 / height)  # fmt: skip
        return _svg(figure)


def spread_figure(
    labels: Sequence[str],
    peers: Sequence[Sequence[float]],
    mine: Sequence[float | None],
    lang: str,
    you_label: str = "",
    target: float | None = None,
) -> Figure:
    """The spread chart's figure (see ``spread_chart``); call inside ``rc_context(_settings(lang))``.

    The legend sits above the axes, outside the plotting area, so it never covers a box or a marker.
    """
    _, Figure = _matplotlib()
    wrapped = [_wrap(label, LABEL_WIDTH) for label in labels]
    lines = max(label.count("\n") + 1 for label in wrapped)
    height = max(0.5, 0.16 * lines + 0.14) * len(labels) + 1.2
    figure = Figure(figsize=(6.4, height))
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    data = [list(values) if values else [math.nan] for values in peers]
    axes.boxplot(
        data, positions=positions, orientation="horizontal", widths=0.5, showfliers=False, whis=(0, 100),
        patch_artist=True, boxprops={"facecolor": "#e8eaed", "edgecolor": MUTED},
        medianprops={"color": PEER, "linewidth": 1.5}, whiskerprops={"color": MUTED}, capprops={"color": MUTED},
    )  # fmt: skip
    xs = [v for v in mine if v is not None]
    ys = [p for p, v in zip(positions, mine, strict=True) if v is not None]
    axes.scatter(xs, ys, color=ACCENT, marker="D", s=36, zorder=3, label=you_label, gid="you-are-here")
    if target is not None:
        axes.axvline(target, color="#1d6b35", linewidth=1, linestyle=":")
    axes.set_yticks(positions)
    axes.set_yticklabels(wrapped, fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_ylim(-0.6, len(labels) - 0.4)
    axes.spines[["top", "right"]].set_visible(False)
    figure.subplots_adjust(left=_label_margin(wrapped, 6.4), right=0.97, top=1 - 0.5 / height, bottom=0.4 / height)
    if you_label:
        # Above the axes (figure coordinates): outside the data area whatever the values.
        axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), bbox_transform=axes.transAxes, borderaxespad=0.3,
                    fontsize=8, frameon=False)  # fmt: skip
    return figure


def spread_chart(
    labels: Sequence[str],
    peers: Sequence[Sequence[float]],
    mine: Sequence[float | None],
    lang: str,
    you_label: str = "",
    target: float | None = None,
    empty_label: str = "",
) -> bytes:
    """Box plot of the peers' scores per dimension (0–100: box from the lower to the upper quartile,
    whiskers to the lowest and highest), with this department marked (◆); the
    legend above the axes. Long labels wrap (``wrap_lines``); the empty state when no peer has a value."""
    if not labels or not any(peers):
        return empty_chart(empty_label, lang)
    rc_context, _ = _matplotlib()
    with rc_context(_settings(lang)):
        return _svg(spread_figure(labels, peers, mine, lang, you_label, target))


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
                axes.text(x - 0.45, 97, versions[x], fontsize=8, color=MUTED, va="top", gid=f"version-label-{x}",
                          zorder=5, bbox=_text_box(WHITE))  # fmt: skip
        axes.grid(axis="y", color=GRID)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(fontsize=8, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2,
                    borderaxespad=0.3)  # fmt: skip
        figure.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.15)
        return _svg(figure)


VERSION_MARKERS = ("o", "s", "^", "D", "v")  # one marker per questionnaire version within a trend


def dimension_trend_chart(
    rounds: Sequence[str],
    dimensions: dict[str, Sequence[float | None]],
    lang: str,
    versions: Sequence[str],
    empty_label: str = "",
) -> bytes:
    """One small panel per dimension (title → score per round, oldest first; None: no value or not
    comparable, not drawn), three to a row, 0–100 each. Each point's marker names its round's version
    (``versions``, labels in ``lang``; the legend in a spare panel, else above); the line is solid between rounds of one
    version and dotted across a change, which is a dashed vertical line in every panel (SVG ids
    ``version-change-<panel>-<x>``), as in ``trend_chart``."""
    if not rounds or all(v is None for values in dimensions.values() for v in values):
        return empty_chart(empty_label, lang)
    rc_context, Figure = _matplotlib()
    versions = list(versions) or [""] * len(rounds)
    columns = 3
    rows = -(-len(dimensions) // columns)
    distinct = list(dict.fromkeys(versions))
    marker = {label: VERSION_MARKERS[i % len(VERSION_MARKERS)] for i, label in enumerate(distinct)}
    ticks = [_wrap(name, 10) for name in rounds]
    with rc_context(_settings(lang)):
        figure = Figure(figsize=(6.4, 1.55 * rows + 0.5))
        grid = figure.subplots(rows, columns, squeeze=False, sharey=True)
        xs = list(range(len(rounds)))
        for index, (title, values) in enumerate(dimensions.items()):
            axes = grid[index // columns][index % columns]
            points = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
            # Solid between rounds of one version, dotted across a change (compared through the crosswalk); no
            # line over a round without a value.
            for (x0, v0), (x1, v1) in itertools.pairwise(points):
                if x1 != x0 + 1:
                    continue
                style = "-" if versions[x0] == versions[x1] else ":"
                axes.plot([x0, x1], [v0, v1], color=ACCENT, linewidth=1.2, linestyle=style, gid=f"segment-{index}-{x0}")
            for label in distinct:
                run = [(x, v) for x, v in points if versions[x] == label]
                if run:
                    axes.plot([p[0] for p in run], [p[1] for p in run], color=ACCENT, marker=marker[label],
                              markersize=4, linewidth=0, clip_on=False)  # fmt: skip
            for x in range(1, len(versions)):
                if versions[x] != versions[x - 1]:
                    axes.axvline(x - 0.5, color=MUTED, linestyle="--", linewidth=0.8,
                                 gid=f"version-change-{index}-{x}")  # fmt: skip
            axes.set_title(_wrap(title, 34), fontsize=7, loc="left")
            axes.set_ylim(0, 100)
            axes.set_yticks([0, 50, 100])
            axes.tick_params(labelsize=6)
            axes.set_xlim(-0.5, len(rounds) - 0.5)
            axes.set_xticks(xs)
            last_row = index + columns >= len(dimensions)
            axes.set_xticklabels(ticks if last_row else [""] * len(xs), fontsize=6)
            axes.grid(axis="y", color=GRID, linewidth=0.5)
            axes.spines[["top", "right"]].set_visible(False)
        spare = [grid[i // columns][i % columns] for i in range(len(dimensions), rows * columns)]
        for axes in spare:
            axes.set_visible(False)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=ACCENT, marker=marker[label], linewidth=0, label=label) for label in distinct]
        if spare:  # in the first spare panel, clear of every title
            spare[0].set_visible(True)
            spare[0].axis("off")
            spare[0].legend(handles=handles, loc="center left", fontsize=7, frameon=False)
        else:
            figure.legend(handles=handles, loc="upper right", ncol=len(handles), fontsize=7, frameon=False)
        figure.subplots_adjust(left=0.07, right=0.98, top=1 - 0.45 / (1.55 * rows + 0.5), bottom=0.6 / (1.55 * rows
                               + 0.5), hspace=0.75, wspace=0.12)  # fmt: skip
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
        from matplotlib import colormaps

        colormap = colormaps["RdYlGn"]
        # Long department names wrap (every character kept); a row grows with its lines.
        wrapped = [_wrap(row, 28) for row in rows]
        heights = [max(0.3, 0.13 * (label.count("\n") + 1) + 0.06) for label in wrapped]
        edges = np.concatenate([[0.0], np.cumsum(heights)])
        column_labels = [_wrap(column, 15) for column in columns]
        header = 0.4 + 0.12 * max(label.count("\n") + 1 for label in column_labels)
        height = header + float(edges[-1]) + 0.2
        margin = _label_inches(wrapped, fontsize=7)
        width = margin + 0.9 * len(columns) + 0.3
        figure = Figure(figsize=(width, height))
        axes = figure.add_subplot()
        # Every cell carries its number, so no colour bar (matplotlib draws that as a raster image).
        axes.pcolormesh(np.arange(len(columns) + 1), edges, np.ma.masked_invalid(matrix), cmap=colormap, vmin=0,
                        vmax=100, edgecolors="white")  # fmt: skip
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if not np.isnan(value):
                    # Ink or white by the cell's colour: at least 4.5:1 in every cell.
                    colour = text_colour_on(colormap(value / 100))
                    axes.text(j + 0.5, (edges[i] + edges[i + 1]) / 2, f"{value:.0f}", ha="center", va="center",
                              fontsize=8, color=colour)  # fmt: skip
        axes.set_xticks([j + 0.5 for j in range(len(columns))])
        axes.set_xticklabels(column_labels, fontsize=7)
        axes.set_yticks([(edges[i] + edges[i + 1]) / 2 for i in range(len(rows))])
        axes.set_yticklabels(wrapped, fontsize=7)
        axes.set_ylim(float(edges[-1]), 0)
        axes.xaxis.tick_top()
        figure.subplots_adjust(left=margin / width, right=1 - 0.3 / width, top=1 - header / height,
                               bottom=0.2 / height)  # fmt: skip
        return _svg(figure)
