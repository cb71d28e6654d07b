"""The questionnaire model: plain, immutable data built by ``loader`` from a definition.

A questionnaire has a key and a version; it is split into parts (the staff questionnaire, the
department checklist), each part into sections (one per dimension, one page each), each
section into items. Dimensions, grade bands, maturity levels, recommendations and training
modules are declared once per questionnaire.

Answers are plain values keyed by item key: ``int`` for likert5 (1–5), ``"yes"``/``"no"`` for
yesno, an option value for single_choice, a list of option values for multi_choice, a number,
an ISO date string, text, a URL, a stored file reference, or ``NA`` for "not applicable".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("zh_Hans", "zh_Hant", "en")
# The source article's three problems an item may serve (``serves``): 1 weak public-image awareness of civil
# servants, 2 insufficient online public-relations capability, 3 insufficient integration of disclosure with
# new media (see /work/shared/design/domain.md §1).
ARTICLE_PROBLEMS = ("problem1", "problem2", "problem3")

# The item kinds (names, and all behaviour that differs by kind) are in ``kinds``.


class _NotApplicable:
    """The answer "not applicable": excluded from both numerator and denominator."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"

    def __reduce__(self):
        return (_NotApplicable, ())


NA = _NotApplicable()


@dataclass(frozen=True)
class Text:
    """A text in the three languages."""

    zh_Hans: str
    zh_Hant: str
    en: str

    def get(self, lang: str) -> str:
        return getattr(self, str(lang), self.en) if str(lang) in LANGUAGES else self.en

    def as_dict(self) -> dict[str, str]:
        return {lang: getattr(self, lang) for lang in LANGUAGES}


EMPTY_TEXT = Text("", "", "")


@dataclass(frozen=True)
class Option:
    value: str
    label: Text
    score: float | None = None
    exclusive: bool = False  # multi_choice: "none of these" — chosen alone, it clears the others


@dataclass(frozen=True)
class Band:
    """A score band for a number item: the first band whose bounds hold gives the score."""

    score: float
    min: float | None = None
    max: float | None = None

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class Condition:
    """A test on one answer, used by ``show_if`` and red lines.

    ``op`` is one of equals, not_equals, selected (for multi_choice), above, below.
    """

    item: str
    op: str
    value: Any

    def holds(self, answers: Mapping[str, Any]) -> bool:
        answer = answers.get(self.item)
        if answer is None or answer is NA:
            return False
        if self.op == "equals":
            return _same(answer, self.value)
        if self.op == "not_equals":
            return not _same(answer, self.value)
        if self.op == "selected":
            return isinstance(answer, list | tuple) and str(self.value) in {str(a) for a in answer}
        if self.op == "above":
            return _number(answer) is not None and _number(answer) > float(self.value)
        if self.op == "below":
            return _number(answer) is not None and _number(answer) < float(self.value)
        raise ValueError(f"unknown condition operator {self.op!r}")


def _same(answer: Any, value: Any) -> bool:
    return str(answer) == str(value)


def _number(answer: Any) -> float | None:
    try:
        return float(answer)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class RedLine:
    """A single-veto rule: when ``condition`` holds for the answer, the result fails."""

    condition: Condition
    text: Text


@dataclass(frozen=True)
class Item:
    key: str
    kind: str
    text: Text
    dimension: str
    part: str
    help: Text = EMPTY_TEXT
    basis: Text = EMPTY_TEXT  # the scholarly or legal source, for administrators and the PDF methodology
    why: Text = EMPTY_TEXT  # "why we ask", written for respondents
    required: bool = True
    allow_na: bool = False
    reverse: bool = False
    weight: float = 1.0
    options: tuple[Option, ...] = ()
    bands: tuple[Band, ...] = ()
    red_line: RedLine | None = None
    show_if: Condition | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: Text = EMPTY_TEXT
    # From XLSForm: whole numbers only; text length bounds; messages shown when a constraint or
    # "required" is not met; an answer the form starts with.
    integer: bool = False
    min_length: int | None = None
    max_length: int | None = None
    constraint_message: Text = EMPTY_TEXT
    required_message: Text = EMPTY_TEXT
    default: Any = None
    # Instrument metadata (optional): whether the item can be checked from outside the agency (for an
    # inspector that observes sites), and which of the source article's three problems it serves
    # (``ARTICLE_PROBLEMS``). None / () when a definition does not say.
    observable: bool | None = None
    serves: tuple[str, ...] = ()

    @property
    def scored(self) -> bool:
        return _kinds.REGISTRY[self.kind].scores(self)

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == str(value)), None)

    def is_visible(self, answers: Mapping[str, Any]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)


@dataclass(frozen=True)
class Section:
    """The items of one dimension within one part: one page of the form."""

    dimension: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Part:
    key: str
    respondent: str  # "staff" or "coordinator"
    title: Text
    description: Text
    sections: tuple[Section, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)


@dataclass(frozen=True)
class Dimension:
    key: str
    title: Text
    description: Text = EMPTY_TEXT
    weight: float = 1.0
    recommendations: Mapping[str, Text] = field(default_factory=dict)  # grade key → advice
    why: Text = EMPTY_TEXT  # "why we ask", for respondents, for items of the dimension without their own


@dataclass(frozen=True)
class Grade:
    key: str
    min: float
    label: Text


@dataclass(frozen=True)
class MaturityLevel:
    level: int
    min: float
    label: Text


@dataclass(frozen=True)
class TrainingModule:
    key: str
    title: Text
    description: Text
    dimensions: tuple[str, ...]
    levels: tuple[str, ...] = ()
    posts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: int
    title: Text
    description: Text
    likert_labels: Mapping[str, tuple[str, ...]]  # language → five labels, 1 to 5
    dimensions: tuple[Dimension, ...]
    parts: tuple[Part, ...]
    grades: tuple[Grade, ...]
    maturity_levels: tuple[MaturityLevel, ...]
    training_modules: tuple[TrainingModule, ...] = ()
    min_answered_share: float = 0.6
    staff_levels: Mapping[str, Text] = field(default_factory=dict)
    staff_posts: Mapping[str, Text] = field(default_factory=dict)
    # A survey with no scoring rules (an XLSForm without the scoring extension): nothing is scored.
    unscored: bool = False
    # SHA-256 of the definition it was built from: with key and version, identifies it in caches.
    fingerprint: str = field(default="", compare=False)

    def part(self, key: str) -> Part:
        for part in self.parts:
            if part.key == key:
                return part
        raise KeyError(f"questionnaire {self.key} v{self.version} has no part {key!r}")

    def dimension(self, key: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.key == key:
                return dimension
        raise KeyError(f"questionnaire {self.key} v{self.version} has no dimension {key!r}")

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for part in self.parts for item in part.items)

    @property
    def staff_part(self) -> Part | None:
        """The part answered by each staff member (``respondent: staff``), or None when there is none."""
        return next((part for part in self.parts if part.respondent == "staff"), None)

    @property
    def checklist_part(self) -> Part | None:
        """The department checklist answered by the coordinator (``respondent: coordinator``), or None."""
        return next((part for part in self.parts if part.respondent == "coordinator"), None)

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(f"questionnaire {self.key} v{self.version} has no item {key!r}")


def visible_items(items, answers: Mapping[str, Any]) -> list[Item]:
    """The items whose ``show_if`` holds, in order (hidden items are neither asked nor scored).

    An answer to a hidden item does not count when deciding later items: ``show_if`` only
    points at earlier items, so one pass in questionnaire order is enough.
    """
    shown: list[Item] = []
    effective: dict[str, Any] = {}
    for item in items:
        if item.is_visible(effective):
            shown.append(item)
            if item.key in answers:
                effective[item.key] = answers[item.key]
    return shown


def unanswered_required(items, answers: Mapping[str, Any]) -> list[Item]:
    """Visible required items with no answer (N/A counts as an answer)."""
    missing = []
    for item in visible_items(items, answers):
        if item.required and not _kinds.REGISTRY[item.kind].is_answered(answers.get(item.key)):
            missing.append(item)
    return missing


# The kind registry builds on the classes above, so it is bound last; ``Item.scored`` and
# ``unanswered_required`` look kinds up in it at call time (one home for per-kind rules).
from surveyapp.domain import kinds as _kinds  # noqa: E402
