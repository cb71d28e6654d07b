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

    @property
    def trend_crosses_versions(self) -> bool:
        return len(set(self.trend_versions)) > 1

    peer_values: tuple[tuple[float, ...], ...] = ()
    training: tuple[TrainingRow, ...] = ()
    respondents: int = 0
    min_answered_share: float = 0.6
    min_group_size: int = 3
    extra: dict[str, Any] = field(default_factory=dict)

    def digest(self) -> str:
        """SHA-256 of the data (not of the rendering time): unchanged data, same file."""
        canonical = json.dumps(plain(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
    # (name, overall, dimension scores, suppressed, staff n), in ranking order
    rows: tuple[tuple[str, float | None, tuple[float | None, ...], bool, int], ...]
    min_group_size: int
    target_label: str = ""
