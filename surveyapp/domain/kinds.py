"""Item kinds: one object per kind, in one registry. The only home of behaviour that depends on a kind.

Every rule that differs between a five-point item, a yes/no item, a choice, a number… lives on the
kind's object here: how an answer scores, whether it counts as answered, which values it may take,
how it reads as text in a language (scorecards, exports and web pages all call ``answer_text``), its
XLSForm type, and how the demo invents one. The form field of each kind lives beside it in
``surveyapp/forms/kinds.py`` (a registry keyed by the same names). A new kind is one class here, one
there; nothing else branches on ``item.kind`` (``tests/domain/test_kinds.py`` enforces it).

Answers are plain values (see ``questionnaire``): ``int`` 1–5 for likert5, ``"yes"``/``"no"``, an
option value, a list of option values, a number, an ISO date string, text, a URL, or a stored file
reference (a dict with at least ``name``).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from surveyapp.domain.questionnaire import NA, Item, Option, Questionnaire

Gettext = Callable[[str], str]

# XLSForm list names this project writes and recognises (choices sheet).
LIKERT_LIST = "likert5"
YESNO_LIST = "yesno"
LIST_SEPARATOR = "、"  # between the items of a list in Chinese text (enumeration comma)


def list_separator(lang: str) -> str:
    """Between the items of a list in running text (chosen options, dimensions, levels and posts): the
    enumeration comma 、 in Chinese, "; " in English (an English label may hold a comma itself)."""
    return LIST_SEPARATOR if lang.startswith("zh") else "; "


TEXT_MAX = 5000  # characters of a free-text answer
URL_MAX = 2000  # characters of an evidence web address

# Why an answer is refused (``check_answer``); the services word them in the reader's language.
NOT_OFFERED = "not_offered"  # not one of the options / not a value of the kind
NOT_APPLICABLE_NOT_OFFERED = "na_not_offered"
BLANK = "blank"  # only spaces
CONTROL_CHARACTERS = "control_characters"
NOT_A_NUMBER = "not_a_number"  # also nan and ±inf
OUT_OF_RANGE = "out_of_range"
NOT_A_DATE = "not_a_date"
TOO_LONG = "too_long"
NOT_A_WEB_ADDRESS = "not_a_web_address"


def _control_characters(text: str, allowed: str = "") -> bool:
    """True when ``text`` holds a control character (Unicode category Cc or Cf, e.g. NUL, ESC, U+202E)
    other than those in ``allowed``."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in allowed for ch in text)


def _text_problem(value: Any, allowed_controls: str = "") -> str | None:
    if not isinstance(value, str):
        return NOT_OFFERED
    if not value.strip():
        return BLANK
    if _control_characters(value, allowed_controls):
        return CONTROL_CHARACTERS
    return None


class ItemKind:
    """Behaviour shared by all kinds; subclasses override what differs.

    Attributes (class-level facts a caller may test instead of the kind's name):
      ``name``: the kind as written in a definition; ``scored``: answers carry a 0–100 score;
      ``reversible``: ``reverse: true`` is allowed; ``has_options`` / ``has_bands``: the item
      declares options / number score bands; ``multiple``: the answer is a list (the ``selected``
      condition applies); ``scale``: a rating-scale item used for Cronbach's alpha;
      ``link``: ``"url"`` or ``"file"`` when the answer points at evidence, else None;
      ``numeric``: the answer is a number (``integer: true`` may ask for a whole one);
      ``has_length``: free text whose length may be bounded (``min_length`` / ``max_length``);
      ``takes_default``: the form may start with an answer (XLSForm ``default``).
    """

    name: str = ""
    scored = False
    reversible = False
    has_options = False
    # Typical seconds to read and answer one item of the kind (start-card estimate; refined by the
    # median of past completions in services/estimates.py). Rough reading-speed figures, not a norm.
    answer_seconds = 10
    has_bands = False
    multiple = False
    scale = False
    link: str | None = None
    numeric = False
    has_length = False
    takes_default = True
    xlsform_base = "text"
    numeric_answer = False  # exports write the answer as a typed number (unit in the column header)

    def scores(self, item: Item) -> bool:
        """True when answers to ``item`` carry a score: the kind is scored and, for kinds whose score
        comes from options or bands, at least one option or band carries a score."""
        return self.scored

    def problem(self, item: Item, value: Any) -> str | None:
        """Why a real answer (not None/NA) is not one the item offers, as a reason code; None when offered."""
        return _text_problem(value)

    def numeric_unit(self, item: Item, questionnaire: Questionnaire, lang: str) -> str:
        """The unit of a ``numeric_answer`` for an export's column header; "" when none."""
        return ""

    def score(self, item: Item, answer: Any) -> float | None:
        """0–100 for a real answer (not None/NA); None when this answer carries no score."""
        return None

    def is_answered(self, value: Any) -> bool:
        """True when ``value`` is an answer (N/A counts as one); None, "" and [] are not."""
        return not (value is None or value == "" or value == [])

    def combination_problem(self, item: Item, value: Any) -> str | None:
        """A problem code when the answer combines choices the item forbids together, else None.

        ``"exclusive"``: a multi_choice answer holds an ``exclusive`` option with other options."""
        return None

    def allowed_values(self, options: Iterable[Option]) -> set[str] | None:
        """The possible answers as strings, or None when any value of the kind's type may be given."""
        return None

    def read_default(self, value: Any, options: Iterable[Option], low: Any, high: Any) -> Any:
        """An XLSForm ``default`` as the answer the form starts with (a string; a float for a number).

        ``options`` are the item's options, ``low``/``high`` its raw ``min``/``max`` (used when numbers).
        Raises ValueError, with the reason, when the value is not an answer this kind accepts.
        """
        if not self.takes_default:
            raise ValueError(f"{self.name} items cannot have a default")
        value = str(value)
        allowed = self.allowed_values(options)
        if allowed is not None and value not in allowed:
            raise ValueError(f"{value!r} is not a possible answer (one of {', '.join(sorted(allowed))})")
        return value

    def text(self, item: Item, value: Any, questionnaire: Questionnaire, lang: str, gettext: Gettext) -> str:
        """A real answer (not None/NA) as words in ``lang``; see ``answer_text``."""
        return str(value)

    def xlsform_type(self, item: Item) -> str:
        """The XLSForm ``type`` cell of an item of this kind (``select_one <list>``, ``decimal``…)."""
        return self.xlsform_base

    def xlsform_kind(self) -> str | None:
        """The value of this project's extra ``kind`` column, when the type alone does not tell the kind."""
        return None

    def demo_value(self, item: Item, strength: float, rng: random.Random) -> Any:
        """A plausible answer from a respondent whose department scores ``strength`` (0–1); None: no answer."""
        return None


class Likert5(ItemKind):
    name = "likert5"
    answer_seconds = 8
    scored = True
    reversible = True
    scale = True
    xlsform_base = f"select_one {LIKERT_LIST}"
    numeric_answer = True

    def problem(self, item, value):
        if isinstance(value, bool) or not isinstance(value, int) or value not in (1, 2, 3, 4, 5):
            return NOT_OFFERED
        return None

    def numeric_unit(self, item, questionnaire, lang):
        labels = questionnaire.likert_labels[lang]
        return f"1 = {labels[0]} … 5 = {labels[4]}"

    def score(self, item, answer):
        return likert_score(int(answer), item.reverse)

    def allowed_values(self, options):
        return {"1", "2", "3", "4", "5"}

    def text(self, item, value, questionnaire, lang, gettext):
        return f"{value} · {questionnaire.likert_labels[lang][int(value) - 1]}"

    def demo_value(self, item, strength, rng):
        level = 1 + 4 * strength + rng.gauss(0, 0.8)
        value = int(min(5, max(1, round(level))))
        return 6 - value if item.reverse else value


class YesNo(ItemKind):
    name = "yesno"
    answer_seconds = 6
    scored = True
    reversible = True
    xlsform_base = f"select_one {YESNO_LIST}"

    def problem(self, item, value):
        return None if isinstance(value, str) and value in ("yes", "no") else NOT_OFFERED

    def score(self, item, answer):
        positive = str(answer) == "yes"
        return 0.0 if positive == item.reverse else 100.0

    def allowed_values(self, options):
        return {"yes", "no"}

    def text(self, item, value, questionnaire, lang, gettext):
        return gettext("Yes") if value == "yes" else gettext("No")

    def demo_value(self, item, strength, rng):
        good = rng.random() < strength
        return ("no" if good else "yes") if item.reverse else ("yes" if good else "no")


def _option_label(item: Item, value: Any, lang: str) -> str:
    option = item.option(value)
    return option.label.get(lang) if option else str(value)


class SingleChoice(ItemKind):
    name = "single_choice"
    answer_seconds = 10
    scored = True
    has_options = True

    def scores(self, item):
        return any(option.score is not None for option in item.options)

    def problem(self, item, value):
        return None if isinstance(value, str) and item.option(value) is not None else NOT_OFFERED

    def score(self, item, answer):
        option = item.option(str(answer))
        return option.score if option else None

    def allowed_values(self, options):
        return {option.value for option in options}

    def text(self, item, value, questionnaire, lang, gettext):
        return _option_label(item, value, lang)

    def xlsform_type(self, item):
        return f"select_one {item.key}_options"

    def demo_value(self, item, strength, rng):
        ranked = sorted(item.options, key=lambda o: o.score or 0)
        index = min(len(ranked) - 1, max(0, round(strength * (len(ranked) - 1) + rng.gauss(0, 0.7))))
        return ranked[index].value


class MultiChoice(ItemKind):
    name = "multi_choice"
    answer_seconds = 15
    scored = True
    has_options = True
    multiple = True

    def scores(self, item):
        return any(option.score is not None for option in item.options)

    def problem(self, item, value):
        if not isinstance(value, list) or not value or len(set(map(str, value))) != len(value):
            return NOT_OFFERED
        if any(not isinstance(v, str) or item.option(v) is None for v in value):
            return NOT_OFFERED
        return None

    def score(self, item, answer):
        if not self.scores(item):
            return None  # no option carries a score: a demographic question, not scored
        scores = [item.option(str(v)).score for v in answer if item.option(str(v)) is not None]
        scores = [s for s in scores if s is not None]
        return min(100.0, float(sum(scores))) if scores else 0.0

    def allowed_values(self, options):
        return {option.value for option in options}

    def text(self, item, value, questionnaire, lang, gettext):
        return list_separator(lang).join(_option_label(item, v, lang) for v in value)

    def combination_problem(self, item, value):
        """An ``exclusive`` option ("none of these") must be the only choice (XLSForm's
        ``not(selected(., 'none') and count-selected(.) > 1)`` constraint)."""
        if not isinstance(value, list) or len(value) < 2:
            return None
        exclusive = {o.value for o in item.options if o.exclusive}
        return "exclusive" if exclusive & {str(v) for v in value} else None

    def read_default(self, value, options, low, high):
        """Space-separated option values (XLSForm's notation for several choices)."""
        allowed = self.allowed_values(options)
        value = str(value)
        wrong = [v for v in value.split() if v not in allowed]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} is not a possible answer")
        return value

    def xlsform_type(self, item):
        return f"select_multiple {item.key}_options"

    def demo_value(self, item, strength, rng):
        chosen = [o.value for o in item.options if not o.exclusive and rng.random() < strength]
        return chosen or [o.value for o in item.options if o.exclusive][:1] or None


class Number(ItemKind):
    name = "number"
    answer_seconds = 20
    scored = True
    has_bands = True
    numeric = True
    xlsform_base = "decimal"
    numeric_answer = True

    def scores(self, item):
        return bool(item.bands)

    def problem(self, item, value):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return NOT_A_NUMBER
        if (item.minimum is not None and value < item.minimum) or (item.maximum is not None and value > item.maximum):
            return OUT_OF_RANGE
        if item.integer and not float(value).is_integer():
            return NOT_A_NUMBER  # the item takes whole numbers only
        return None

    def numeric_unit(self, item, questionnaire, lang):
        return item.unit.get(lang)

    def xlsform_type(self, item):
        return "integer" if item.integer else "decimal"

    def score(self, item, answer):
        value = float(answer)
        for band in item.bands:
            if band.contains(value):
                return band.score
        return None

    def read_default(self, value, options, low, high):
        """A finite number within ``low``–``high`` when those are numbers; returned as float."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                value = float(str(value))
            except ValueError:
                raise ValueError(f"must be a number, got {value!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"must be a finite number, got {value!r}")
        if (isinstance(low, int | float) and value < low) or (isinstance(high, int | float) and value > high):
            raise ValueError(f"{value:g} is outside the allowed range")
        return float(value)

    def text(self, item, value, questionnaire, lang, gettext):
        unit = item.unit.get(lang)
        return f"{value} {unit}" if unit else str(value)

    def demo_value(self, item, strength, rng):
        if item.bands:
            ranked = sorted(item.bands, key=lambda b: b.score)
            index = min(len(ranked) - 1, max(0, round(strength * (len(ranked) - 1) + rng.gauss(0, 0.6))))
            band = ranked[index]
            low = band.min if band.min is not None else (band.max - 10 if band.max is not None else 0)
            high = band.max if band.max is not None else low + 30
            low = max(low, item.minimum if item.minimum is not None else low)
            return int(max(low, min(high, rng.uniform(low, high))))
        return int(rng.uniform(item.minimum or 0, min(item.maximum or 100, 100)))


class Date(ItemKind):
    name = "date"
    answer_seconds = 15
    xlsform_base = "date"

    def problem(self, item, value):
        if not isinstance(value, str) or len(value) != 10:
            return NOT_A_DATE
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return NOT_A_DATE
        return None

    def read_default(self, value, options, low, high):
        """An ISO date YYYY-MM-DD."""
        value = str(value)
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}") from None
        return value

    def demo_value(self, item, strength, rng):
        return f"2026-01-{rng.randint(10, 31):02d}"


class FreeText(ItemKind):
    name = "text"
    answer_seconds = 60
    has_length = True
    xlsform_base = "text"

    def problem(self, item, value):
        reason = _text_problem(value, allowed_controls="\n\r\t")
        limit = item.max_length if item.max_length is not None else TEXT_MAX
        return reason or (TOO_LONG if len(value) > limit else None)


class EvidenceUrl(ItemKind):
    name = "evidence_url"
    answer_seconds = 45
    link = "url"
    xlsform_base = "text"

    def xlsform_kind(self):
        return "evidence_url"

    def problem(self, item, value):
        reason = _text_problem(value)
        if reason:
            return reason
        if len(value) > URL_MAX:
            return TOO_LONG
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in value):
            return NOT_A_WEB_ADDRESS
        return None

    def demo_value(self, item, strength, rng):
        return f"https://www.example.gov.cn/evidence/{rng.randint(1, 99999)}"


class EvidenceFile(ItemKind):
    """An uploaded file; the answer is the stored file's reference (evidence files are not invented)."""

    name = "evidence_file"
    answer_seconds = 90
    link = "file"
    takes_default = False
    xlsform_base = "file"

    def problem(self, item, value):
        if not isinstance(value, dict):
            return NOT_OFFERED
        return _text_problem(value.get("name"))

    def text(self, item, value, questionnaire, lang, gettext):
        return str(value.get("name", "")) if isinstance(value, dict) else str(value)


def likert_score(value: int, reverse: bool = False) -> float:
    """(x − 1) / 4 × 100, or (5 − x) / 4 × 100 for a reverse-worded item. Raises ValueError outside 1–5."""
    if value not in (1, 2, 3, 4, 5):
        raise ValueError(f"a five-point answer must be 1 to 5, got {value!r}")
    return (5 - value) / 4 * 100 if reverse else (value - 1) / 4 * 100


REGISTRY: dict[str, ItemKind] = {
    kind.name: kind
    for kind in (
        Likert5(),
        YesNo(),
        SingleChoice(),
        MultiChoice(),
        Number(),
        Date(),
        FreeText(),
        EvidenceUrl(),
        EvidenceFile(),
    )
}
KINDS = tuple(REGISTRY)  # in definition order
SCORED_KINDS = tuple(name for name, kind in REGISTRY.items() if kind.scored)
CHOICE_KINDS = tuple(name for name, kind in REGISTRY.items() if kind.has_options)


def kind_of(item: Item | str) -> ItemKind:
    """The kind object of an item (or of a kind name). Raises KeyError for an unknown kind."""
    name = item if isinstance(item, str) else item.kind
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown item kind {name!r} (known: {', '.join(KINDS)})") from None


def check_answer(item: Item, value: Any) -> str | None:
    """Why ``value`` may not be stored as the answer to ``item`` (a reason code such as ``NOT_OFFERED``,
    ``BLANK``, ``CONTROL_CHARACTERS``, ``NOT_A_NUMBER`` for nan/inf, ``OUT_OF_RANGE``), or None when the
    item offers it. None (no answer) is always allowed; NA only when the item allows "not applicable".
    The one rule for every kind: only offered answers are stored."""
    if value is None:
        return None
    if value is NA:
        return None if item.allow_na else NOT_APPLICABLE_NOT_OFFERED
    if isinstance(value, str) and not value.strip():
        return BLANK
    return kind_of(item).problem(item, value)


def answer_text(item: Item, value: Any, questionnaire: Questionnaire, lang: str, gettext: Gettext) -> str:
    """A stored answer as words in ``lang``: the one wording used by scorecards, exports and web pages.

    ``gettext`` translates the few fixed words ("Yes", "No", "Not applicable", "No answer") into ``lang``.
    Examples (zh_Hans): ``"yes"`` → 是; ``17`` for a number with unit 小时 → ``17 小时``; 4 → ``4 · 比较同意``.
    """
    if value is NA:
        return gettext("Not applicable")
    kind = kind_of(item)
    if not kind.is_answered(value):
        return gettext("No answer")
    return kind.text(item, value, questionnaire, lang, gettext)


def kind_for_xlsform(head: str, list_name: str | None, option_values: list[str], scored_options: bool,
                     override: str, scored: bool = True) -> str | None:  # fmt: skip
    """The kind of an XLSForm survey row: ``head`` is the type's first word (lower case), ``list_name``
    its choices list, ``option_values``/``scored_options`` describe that list, ``override`` is the
    ``kind`` column; ``scored`` is False for a survey without the scoring extension, where a
    ``likert5`` or yes/no list stays a plain choice. None when the type is not supported."""
    if scored and head == "select_one" and list_name == LIKERT_LIST:
        return Likert5.name
    if scored and head == "select_one" and sorted(option_values) == ["no", "yes"] and not scored_options:
        return YesNo.name
    if head == "select_one":
        return SingleChoice.name
    if head == "select_multiple":
        return MultiChoice.name
    if head == "text" and override == EvidenceUrl.name:
        return EvidenceUrl.name
    by_type = {kind.xlsform_base: kind.name for kind in reversed(REGISTRY.values()) if " " not in kind.xlsform_base}
    by_type["integer"] = Number.name
    by_type["text"] = FreeText.name
    return by_type.get(head)
