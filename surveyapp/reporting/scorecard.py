"""The plain data of a scorecard and of a comparison report, in the reader's language.

Services build these (``services/scorecards``); the renderer (``reporting.report``) turns them into
HTML and PDF. A scorecard's ``digest`` identifies its PDF in the cache.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any


@dataclass(frozen=True)
class ItemRow:
    number: int
    text: str
    part: str  # "staff" or "checklist"
    score: float | None  # checklist: its score; staff: the mean over respondents
    respondents: int  # staff respondents who answered (0 for checklist items)
    answer: str = ""  # checklist answers in words
    evidence_url: str = ""
    basis: str = ""
    red_line: bool = False
    # staff: fewer respondents than the minimum group size answered it (or the rest of the department would be
    # too few): neither the mean nor the count is shown, so nobody's answer or "not applicable" can be read off.
    suppressed: bool = False


@dataclass(frozen=True)
class DimensionSection:
    key: str
    title: str
    description: str
    weight: float
    score: float | None
    grade: str  # label
    maturity: str  # label
    staff_n: int
    staff_mean: float | None
    staff_sd: float | None
    staff_ci: tuple[float, float] | None
    staff_suppressed: bool
    checklist: float | None
    alpha: float | None
    items: tuple[ItemRow, ...]
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]
    recommendation: str
    peer_median: float | None = None


@dataclass(frozen=True)
class TrendItemRow:
    """One of the department's red-line or weak questions across the trend rounds (issue 19)."""

    number: int
    text: str
    comparability: str  # whether and why earlier rounds are compared, in words
    values: tuple[float | None, ...]  # per trend round, oldest first (None: not comparable, no data or withheld)
    comparable: tuple[bool, ...]  # per trend round: the version crosswalk maps it as the same question
    red_line: bool = False
    key: str = ""


@dataclass(frozen=True)
class TrainingRow:
    title: str
    description: str
    dimensions: str
    audience: str


@dataclass(frozen=True)
class ScorecardData:
    """Everything one scorecard shows, in the reader's language. Its digest identifies the PDF."""

    lang: str
    variant: str  # "department" or "respondent"
    questionnaire_title: str
    questionnaire_version: str
    agency: str
    department: str
    round_name: str
    subject: str  # the respondent's label on a respondent scorecard, else ""
    overall: float | None
    grade: str
    grade_key: str | None
    grade_bands: tuple[tuple[str, float], ...]  # (label, minimum), highest first
    red_lines: tuple[str, ...]
    dimensions: tuple[DimensionSection, ...]
    peer_count: int
    trend_rounds: tuple[str, ...] = ()
    trend_values: tuple[float | None, ...] = ()
    trend_peer: tuple[float | None, ...] = ()
    trend_versions: tuple[int, ...] = ()  # questionnaire version per trend round; a change is marked
    # Per dimension of the scored version: (title, score per trend round, whether it maps into that round's
    # version through the crosswalk); the department's red-line and weak questions likewise; the crosswalk's
    # counts in words.
    trend_dimensions: tuple[tuple[str, tuple[float | None, ...], tuple[bool, ...]], ...] = ()
    trend_items: tuple[TrendItemRow, ...] = ()
    trend_note: str = ""

    @property
    def trend_crosses_versions(self) -> bool:
        return len(set(self.trend_versions)) > 1

    peer_values: tuple[tuple[float, ...], ...] = ()
    training: tuple[TrainingRow, ...] = ()
    respondents: int = 0
    min_answered_share: float = 0.6
    min_group_size: int = 3
    extra: dict[str, Any] = field(default_factory=dict)
    grade_bands_text: str = ""  # the bands with their inequalities (``scoring.grade_bands_text``)
    maturity_bands: tuple[tuple[str, float], ...] = ()  # (label, minimum), lowest first
    priorities: tuple[str, ...] = ()  # dimension keys, first priority first (``advice.top_priorities``)
    # The language-independent figures the scorecard reports (codes and keys, no labels): the
    # printed data fingerprint is computed from them, so it is the same in every language.
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def priority_dimensions(self) -> list[DimensionSection]:
        by_key = {d.key: d for d in self.dimensions}
        return [by_key[k] for k in self.priorities if k in by_key]

    @property
    def spread_rows(self) -> list[tuple[str, float | None, tuple[float, float, float, float, float] | None]]:
        """The spread chart as a table: (dimension, this score, peers' min, Q1, median, Q3, max or None)."""
        import statistics

        rows = []
        for section, values in zip(self.dimensions, self.peer_values, strict=False):
            summary = None
            if values:
                quartiles = (
                    statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else [values[0]] * 3
                )
                summary = (min(values), quartiles[0], statistics.median(values), quartiles[2], max(values))
            rows.append((section.title, section.score, summary))
        return rows

    def digest(self) -> str:
        """SHA-256 of everything shown (language included): names the cached PDF file."""
        canonical = json.dumps(plain(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def fingerprint(self) -> str:
        """The data fingerprint printed in the footer: ``data_fingerprint(self.facts)``."""
        return data_fingerprint(self.facts)


FINGERPRINT_DECIMALS = 6


def canonical_json(facts: dict[str, Any]) -> str:
    """The canonical JSON of a scorecard's facts, as documented in the methodology appendix: keys sorted,
    separators ``,`` and ``:`` with no spaces, non-ASCII characters as themselves (UTF-8), numbers with at
    most ``FINGERPRINT_DECIMALS`` decimals (a whole number stays an integer), null for no value."""
    return json.dumps(_canonical(facts), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _canonical(value):
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, float):
        rounded = round(value, FINGERPRINT_DECIMALS)
        return int(rounded) if rounded.is_integer() else rounded
    return value


def data_fingerprint(facts: dict[str, Any]) -> str:
    """SHA-256 (hex) of ``canonical_json(facts)`` encoded as UTF-8: identical for the same data in any
    language. Recompute with ``flask report fingerprint`` or ``sha256sum`` over the exported JSON."""
    return hashlib.sha256(canonical_json(facts).encode("utf-8")).hexdigest()


def plain(value):
    """Dataclasses, dicts and sequences as JSON-ready values; floats rounded to 9 places (stable digests)."""
    if is_dataclass(value):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 9)
    return value


@dataclass(frozen=True)
class ComparisonReportData:
    """A comparison of departments for trainers, in the reader's language."""

    lang: str
    title: str
    round_name: str
    dimension_titles: tuple[str, ...]
    # (name, overall, dimension scores, suppressed, staff n, grade label, red lines, suppression reason
    # ``stats.TOO_FEW`` / ``stats.COMPLEMENT`` / None, red lines the inspector's observation raised), in ranking order
    rows: tuple[tuple[str, float | None, tuple[float | None, ...], bool, int, str, int, str | None, int], ...]
    min_group_size: int
    target_label: str = ""
    grade_bands_text: str = ""
    facts: dict[str, Any] = field(default_factory=dict)  # language-independent: codes, keys and figures


@dataclass(frozen=True)
class TrainingReportData:
    """The training-needs matrix for trainers, in the reader's language (a landscape PDF)."""

    lang: str
    round_name: str
    grouping: str  # the grouping shown, in words
    choices: tuple[tuple[str, int, int, bool], ...]  # (grouping in words, groups shown, groups, chosen)
    header: tuple[str, ...]  # department, grade, level, post, staff n, weakest dimensions, modules
    # One row per department and staff group; staff n is "" for a suppressed group, whose last two
    # cells then say why. The last two cells list their entries joined by "; ".
    rows: tuple[tuple[Any, ...], ...]
    min_group_size: int = 3
