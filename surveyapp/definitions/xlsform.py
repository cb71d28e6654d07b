"""XLSForm import and export.

Any standard XLSForm (https://xlsform.org) whose question types the app supports imports as
published; the subset, the scoring extension and the limits are documented in ``docs/xlsform.md``.
Read with openpyxl in read-only mode, after the archive's uncompressed sizes have been checked.

Standard sheets and columns:

* ``survey`` (required): ``type`` (``select_one L`` / ``select one L`` / ``select one from L``,
  ``select_multiple L`` (same spellings), each optionally followed by ``or_other``; ``integer``,
  ``decimal``, ``date``, ``text``, ``file``, ``note``, ``begin_group``/``end_group``),
  ``name``, ``label``, ``hint``, ``required``, ``required_message``, ``relevant`` (``${q} = 'x'``,
  ``${q} != 'x'``, ``${q} > n``, ``${q} < n``, ``selected(${q}, 'x')``), ``constraint`` and
  ``constraint_message`` (numbers: ``. >= n and . <= m``; text: ``string-length(.) <= n``),
  ``default``. Texts may be per language: ``label::English (en)``, ``label:english``, ``label``.
* ``choices`` (optional): ``list_name``, ``name``, ``label``.
* ``settings`` (optional): ``form_id`` (default: the file name), ``version`` (a whole number,
  default 1), ``form_title`` (default: the form id), ``default_language``.

Scoring extension (a form without any of it imports as an unscored survey): survey columns
``dimension``, ``weight``, ``reverse``, ``allow_na``, ``red_line`` (``. = 'yes'``, ``. > 14``,
``. < 1``), ``red_line_text``, ``basis``, ``bands`` (``<=7:100; <=14:50; *:0``), ``min``, ``max``,
``unit``, ``kind`` (``evidence_url`` for a link), ``observable`` (yes/no), ``serves`` (space-separated
``problem1 problem2 problem3``), ``respondent`` on ``begin_group`` rows (then
each top-level group is a part: ``staff`` or ``coordinator``); choices column ``score``; settings
``form_title_translated::<language>``, ``form_description::<language>``, ``min_answered_share``; sheets
``dimensions``, ``recommendations``, ``grades``, ``maturity``, ``training``, ``staff_levels``,
``staff_posts``. Without ``grades``, ``maturity`` or a ``likert5`` choice list, the standard bands
and labels below are used.

Every column and type is either used, skipped with a warning naming it (when skipping changes
neither what is accepted nor how it is scored: presentation columns, device metadata), or
refused with sheet, row, column and reason. Problems are collected and reported all at once.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from surveyapp.definitions.loader import Problem, QuestionnaireError, parse_definition
from surveyapp.definitions.xlsform_workbook import SheetRows, WorkbookRefused, read_sheets
from surveyapp.domain.kinds import LIKERT_LIST, REGISTRY, YESNO_LIST, kind_for_xlsform, kind_of
from surveyapp.domain.questionnaire import LANGUAGES, Questionnaire, Text

LANGUAGE_NAMES = {"zh_Hans": "简体中文 (zh-Hans)", "zh_Hant": "繁體中文 (zh-Hant)", "en": "English (en)"}
LANGUAGE_CODES = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
_CODE_TO_LANG = {
    "zh-hans": "zh_Hans", "zh_hans": "zh_Hans", "zh-cn": "zh_Hans", "zh": "zh_Hans",
    "zh-hant": "zh_Hant", "zh_hant": "zh_Hant", "zh-tw": "zh_Hant", "zh-hk": "zh_Hant",
    "en": "en", "en-us": "en", "en-gb": "en",
    "english": "en", "chinese": "zh_Hans", "中文": "zh_Hans", "简体中文": "zh_Hans", "繁體中文": "zh_Hant",
    "繁体中文": "zh_Hant",
}  # fmt: skip
# Fallback order when a form has no text in one of the app's languages.
_FALLBACK = {"zh_Hans": ("zh_Hant", "en"), "zh_Hant": ("zh_Hans", "en"), "en": ("zh_Hans", "zh_Hant")}

DEFAULT_GRADES = [
    {"key": "excellent", "min": 85, "label": {"zh_Hans": "优秀", "zh_Hant": "優秀", "en": "Excellent"}},
    {"key": "good", "min": 75, "label": {"zh_Hans": "良好", "zh_Hant": "良好", "en": "Good"}},
    {"key": "pass", "min": 60, "label": {"zh_Hans": "合格", "zh_Hant": "合格", "en": "Pass"}},
    {"key": "fail", "min": 0, "label": {"zh_Hans": "不合格", "zh_Hant": "不合格", "en": "Fail"}},
]
DEFAULT_MATURITY = [
    {"min": 0, "label": {"zh_Hans": "初始级", "zh_Hant": "初始級", "en": "Initial"}},
    {"min": 20, "label": {"zh_Hans": "受管理级", "zh_Hant": "受管理級", "en": "Managed"}},
    {"min": 40, "label": {"zh_Hans": "稳健级", "zh_Hant": "穩健級", "en": "Defined"}},
    {"min": 60, "label": {"zh_Hans": "量化管理级", "zh_Hant": "量化管理級", "en": "Quantitatively managed"}},
    {"min": 80, "label": {"zh_Hans": "优化级", "zh_Hant": "優化級", "en": "Optimising"}},
]
DEFAULT_LIKERT = {
    "zh_Hans": ["非常不同意", "不同意", "一般", "同意", "非常同意"],
    "zh_Hant": ["非常不同意", "不同意", "普通", "同意", "非常同意"],
    "en": ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
}
IMPLICIT_DIMENSION = "all"  # the one dimension of a form without a ``dimension`` column
OTHER_LABEL = {"zh_Hans": "其他", "zh_Hant": "其他", "en": "Other"}
SPECIFY_OTHER_LABEL = {"zh_Hans": "请注明其他", "zh_Hant": "請註明其他", "en": "Specify other."}

_RELEVANT_PATTERNS = [
    (re.compile(r"""^\$\{([\w.\-]+)\}\s*=\s*(?:'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?))$"""), "equals"),
    (re.compile(r"""^\$\{([\w.\-]+)\}\s*!=\s*(?:'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?))$"""), "not_equals"),
    (re.compile(r"""^selected\s*\(\s*\$\{([\w.\-]+)\}\s*,\s*(?:'([^']*)'|"([^"]*)")\s*\)$"""), "selected"),
    (re.compile(r"^\$\{([\w.\-]+)\}\s*>\s*(-?\d+(?:\.\d+)?)$"), "above"),
    (re.compile(r"^\$\{([\w.\-]+)\}\s*<\s*(-?\d+(?:\.\d+)?)$"), "below"),
]
_RELEVANT_HELP = "supported: ${q} = 'x', ${q} != 'x', ${q} > n, ${q} < n, selected(${q}, 'x')"
_NUMBER_TERM = re.compile(r"^\(?\s*\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*\)?$")
_LENGTH_TERM = re.compile(r"^\(?\s*string-length\(\s*\.\s*\)\s*(>=|<=|>|<|=)\s*(\d+)\s*\)?$")
# "None of these" on a select_multiple: the option must be chosen alone (the constraint XLSForm authors
# write for it, e.g. in KoboToolbox's and ODK's documentation); read as ``exclusive: true`` on that option.
_EXCLUSIVE_TERM = re.compile(
    r"not\(\s*selected\(\s*\.\s*,\s*'([^']+)'\s*\)\s+and\s+count-selected\(\s*\.\s*\)\s*>\s*1\s*\)"
)
_CONSTRAINT_HELP = {
    "value": "supported for numbers: . >= n, . <= n, . > n, . < n, joined with and",
    "length": "supported for text: string-length(.) <= n, >= n, < n, > n or = n, joined with and",
    "exclusive": "supported for select_multiple: not(selected(., 'x') and count-selected(.) > 1), joined with and",
}
_RED_LINE = re.compile(r"^\.\s*(!=|=|>|<)\s*('([^']*)'|-?\d+(?:\.\d+)?)$")
_RED_LINE_OPS = {"=": "equals", "!=": "not_equals", ">": "above", "<": "below"}
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"no", "false", "false()", "0", ""}
_SELECT = re.compile(
    r"^(select_one|select one|select_multiple|select multiple|select all that apply)(?:\s+from)?\s+(\S+)"
    r"(?:\s+(or_other|or specify other))?$",
    re.IGNORECASE,
)

# -- vocabulary: what happens to each column and type ---------------------------------------------

_ALIASES = {
    "list name": "list_name", "constraint message": "constraint_message", "jr:constraintmsg": "constraint_message",
    "required message": "required_message", "jr:requiredmsg": "required_message",
    "requiredmsg": "required_message", "read only": "read_only", "choice filter": "choice_filter",
    "repeat count": "repeat_count", "jr:count": "repeat_count", "jr:choice_filter": "choice_filter",
    "guidance hint": "guidance_hint", "form title": "form_title", "form id": "form_id",
    "default language": "default_language", "big-image": "image", "big_image": "image",
}  # fmt: skip
_NOT_LANGUAGE_PREFIXES = ("media", "body", "instance", "bind")
SURVEY_COLUMNS = {
    "type", "name", "label", "hint", "required", "required_message", "relevant", "constraint",
    "constraint_message", "default",
    # scoring extension
    "dimension", "weight", "reverse", "allow_na", "red_line", "red_line_text", "basis", "bands", "min",
    "max", "unit", "kind", "respondent", "observable", "serves",
}  # fmt: skip
_PRESENTATION = "presentation only"
SURVEY_SKIPPED = {
    "appearance": _PRESENTATION, "guidance_hint": _PRESENTATION, "image": _PRESENTATION,
    "audio": _PRESENTATION, "video": _PRESENTATION, "media": _PRESENTATION, "autoplay": _PRESENTATION,
    "parameters": _PRESENTATION, "body": _PRESENTATION, "rows": _PRESENTATION,
    "instance": "extra attributes of the submitted data", "save_to": "entity updates",
    "label_other": _PRESENTATION,
}  # fmt: skip
SURVEY_REFUSED = {
    "choice_filter": "filters choices by earlier answers (cascading selects); not supported, so every choice "
    "would be offered",
    "calculation": "calculations are not supported",
    "repeat_count": "repeats are not supported",
    "trigger": "recalculation triggers are not supported",
    "bind": "custom bind attributes can change what is accepted; not supported",
    "read_only": "read-only questions are not supported",
}
CHOICES_COLUMNS = {"list_name", "name", "label", "score"}
CHOICES_SKIPPED = {"image": _PRESENTATION, "audio": _PRESENTATION, "video": _PRESENTATION, "media": _PRESENTATION}
SETTINGS_COLUMNS = {
    "form_id", "version", "form_title", "default_language", "form_title_translated", "form_description",
    "min_answered_share",
}  # fmt: skip
SETTINGS_SKIPPED = {
    name: "submission and device settings"
    for name in (
        "instance_name", "public_key", "submission_url", "style", "xml_root", "omit_instanceid",
        "clean_text_values", "auto_send", "auto_delete", "namespaces", "allow_choice_duplicates", "prefix",
        "delimiter", "compact_prefix", "compact_delimiter", "instance_xmlns", "flat", "name",
    )
}  # fmt: skip
SETTINGS_REFUSED = {"add_none_option": "adds a 'none' choice to every select_multiple; not supported"}
EXTENSION_SHEETS = ("dimensions", "recommendations", "grades", "maturity", "training", "staff_levels", "staff_posts")
IGNORED_SHEETS = {
    "entities": "entity lists (a server feature) are not used",
    "external_choices": "only used by select_one_external, which is not supported",
    "osm": "only used by the osm question type, which is not supported",
}
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "imei", "subscriberid", "simserial", "phonenumber", "phone number",
    "username", "email", "audit", "start-geopoint", "start_geopoint", "background-audio", "uri:deviceid",
    "uri:email", "uri:username", "uri:phonenumber", "uri:subscriberid", "uri:simserial",
}  # fmt: skip
_BEGIN_GROUP = {"begin_group", "begin group"}
_END_GROUP = {"end_group", "end group"}
_BEGIN_REPEAT = {"begin_repeat", "begin repeat", "begin loop", "begin_loop"}
_END_REPEAT = {"end_repeat", "end repeat", "end loop", "end_loop"}
SUPPORTED_TYPES = "select_one, select_multiple, integer, decimal, date, text, file, note, begin_group"


def _header_parts(header: str) -> tuple[str, str | None]:
    """``label::English (en)`` → ("label", "English (en)"); ``label:english`` → ("label", "english")."""
    text = header.strip()
    lower = text.lower()
    if lower in _ALIASES:
        return _ALIASES[lower], None
    if "::" in text:
        base, tag = text.split("::", 1)
    elif ":" in text and not lower.startswith("jr:"):
        base, tag = text.split(":", 1)
    else:
        base, tag = text, None
    base = _ALIASES.get(base.strip().lower(), base.strip().lower())
    if base in _NOT_LANGUAGE_PREFIXES and tag is not None:
        inner, _, rest = tag.partition("::")
        if base == "media":
            return _ALIASES.get(inner.strip().lower(), inner.strip().lower()), rest.strip() or None
        return base, inner.strip()  # an attribute name, not a language
    return base, (tag.strip() if tag is not None else None)


def _lang_of(tag: str | None) -> str | None:
    if tag is None:
        return None
    match = re.search(r"\(([^)]+)\)\s*$", tag)
    code = (match.group(1) if match else tag).strip().lower()
    return _CODE_TO_LANG.get(code) or _CODE_TO_LANG.get(tag.strip().lower())


@dataclass
class _Column:
    index: int
    header: str
    base: str
    tag: str | None


class _Table:
    """A sheet's columns (by base name and language tag) and rows (number, cells by column index)."""

    def __init__(self, sheet: SheetRows):
        self.name = sheet.name
        self.columns = [
            _Column(index, header, *_header_parts(header)) for index, header in enumerate(sheet.header) if header
        ]
        self.rows = [(number, values) for number, values in sheet.rows]

    def plain(self, base: str) -> _Column | None:
        """The column ``base`` without a language (or the only one with that base)."""
        candidates = [c for c in self.columns if c.base == base]
        untagged = [c for c in candidates if c.tag is None]
        return (untagged or candidates or [None])[0]

    def value(self, values: list[Any], base: str) -> Any:
        column = self.plain(base)
        return _clean(values[column.index]) if column and column.index < len(values) else None

    def cell(self, values: list[Any], column: _Column) -> Any:
        return _clean(values[column.index]) if column.index < len(values) else None

    def has(self, base: str) -> bool:
        return any(c.base == base for c in self.columns)

    def used(self, base: str) -> bool:
        """Some row has a value in a column ``base``."""
        return any(
            self.cell(values, c) not in (None, "") for c in self.columns if c.base == base for _, values in self.rows
        )


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _rows_text(rows: list[int]) -> str:
    rows = sorted(set(rows))
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:5])
    return f"rows {shown}" + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")


class _Reader:
    """Collects errors and warnings, each once, in the order found."""

    def __init__(self, source: str):
        self.source = source
        self.errors: dict[tuple, Problem] = {}
        self.warnings: dict[tuple, Problem] = {}
        self._grouped: dict[tuple[str, str, str], list[int]] = {}  # (sheet, column, message) → rows

    @staticmethod
    def where(sheet: str | None, rows: int | list[int] | None) -> str:
        if sheet is None:
            return "file"
        if rows is None or rows == []:
            return f"sheet {sheet}"
        return f"sheet {sheet}, " + _rows_text(rows if isinstance(rows, list) else [rows])

    def problem(self, sheet: str | None, row: int | None, field: str, message: str) -> None:
        problem = Problem(self.source, self.where(sheet, row), field, message)
        self.errors.setdefault((problem.where, field, message), problem)

    def warn(self, sheet: str, row: int | list[int] | None, field: str, message: str) -> None:
        """A warning; several rows with the same column and message become one line."""
        rows = self._grouped.setdefault((sheet, field, message), [])
        if isinstance(row, list):
            rows.extend(row)
        elif row is not None:
            rows.append(row)

    def warning_list(self) -> list[Problem]:
        return [
            Problem(self.source, self.where(sheet, rows), field, message)
            for (sheet, field, message), rows in self._grouped.items()
        ]

    @staticmethod
    def flag(value: Any) -> bool | None:
        text = str(value).strip().lower() if value is not None else ""
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return None

    def number(self, sheet: str, row: int, field: str, value: Any) -> float | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            self.problem(sheet, row, field, f"must be a number, got {value!r}")
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.problem(sheet, row, field, f"must be a number, got {value!r}")
            return None
        if number != number or number in (float("inf"), float("-inf")):
            self.problem(sheet, row, field, f"must be a finite number, got {value!r}")
            return None
        return number


class _Texts:
    """Texts per app language from a form's language columns, with fallbacks that are reported.

    A column ``label::English (en)``, ``label:english`` or ``label::en`` holds one language; plain
    ``label`` holds the form's default language. A language the app shows (zh-Hans, zh-Hant, en)
    with no text in a row takes another language's text (Traditional ↔ Simplified first, then the
    form's default language, then the other app languages, then any), and a warning says so.
    """

    def __init__(self, reader: _Reader, default_language: str | None):
        self.reader = reader
        self.default = (default_language or "").strip().lower()
        self.used: set[tuple[str, int]] = set()
        self.fallbacks: dict[tuple[str, str, str, str | None], tuple[dict[str, bool], list[int]]] = {}

    def get(self, table: _Table, number: int, values: list[Any], base: str) -> dict[str, str]:
        columns = [c for c in table.columns if c.base == base]
        if not columns:
            return {}
        by_lang: dict[str, _Column] = {}
        for column in columns:
            lang = _lang_of(column.tag)
            if lang and lang not in by_lang:
                by_lang[lang] = column
        # The form's own default language: the column default_language names, or the one without a language.
        defaults = [c for c in columns if (c.tag or "").strip().lower() == self.default and self.default]
        defaults += [c for c in columns if c.tag is None]
        texts: dict[str, str] = {}
        sources: dict[str, _Column] = {}
        for lang in LANGUAGES:
            sibling = [by_lang.get(_FALLBACK[lang][0])] if lang != "en" else []
            others = [by_lang.get(other) for other in _FALLBACK[lang]]
            order = [by_lang.get(lang)] + sibling + defaults + others + columns
            for column in order:
                if column is None:
                    continue
                value = table.cell(values, column)
                if value not in (None, ""):
                    texts[lang] = _text_value(value)
                    sources[lang] = column
                    self.used.add((table.name, column.index))
                    break
        if not texts:
            return {}
        for lang, column in sources.items():
            if "${" in texts[lang]:
                self.reader.problem(
                    table.name, number, column.header, "shows an earlier answer (${…}), which the app cannot do"
                )
            if by_lang.get(lang) is not column:
                target = by_lang.get(lang)
                key = (table.name, base, column.header, target.header if target else None)
                self.fallbacks.setdefault(key, ({}, []))
                self.fallbacks[key][0][lang] = True
                self.fallbacks[key][1].append(number)
        return texts

    def report_fallbacks(self) -> None:
        """One warning per column whose texts stand in for a language the app shows."""
        for (sheet, base, header, target), (langs, rows) in self.fallbacks.items():
            codes = ", ".join(LANGUAGE_CODES[lang] for lang in LANGUAGES if lang in langs)
            if target is None:
                message = f"no {base} column in {codes}; the texts of column {header} are shown in {codes}"
                self.reader.warn(sheet, None, base, message)
            else:
                message = f"no text in {codes}; the text of column {header} is shown instead"
                self.reader.warn(sheet, rows, target, message)

    def report_unused(self, tables: list[_Table], bases: set[str]) -> None:
        for table in tables:
            for column in table.columns:
                if column.base not in bases or column.tag is None or (table.name, column.index) in self.used:
                    continue
                if _lang_of(column.tag) is None and any(table.cell(v, column) not in (None, "") for _, v in table.rows):
                    self.reader.warn(
                        table.name,
                        None,
                        column.header,
                        "language not shown by the app (zh-Hans, zh-Hant, en); column not used",
                    )


def _text_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class XLSFormImport:
    """A questionnaire read from an XLSForm and the warnings about what was skipped or substituted."""

    questionnaire: Questionnaire
    warnings: list[Problem]


def read_xlsform(
    path_or_bytes: str | Path | bytes, source: str | None = None, warnings: list[Problem] | None = None
) -> dict[str, Any]:
    """Read an XLSForm workbook into a plain definition dict; raise ``QuestionnaireError``.

    Warnings (columns or rows skipped because they change neither what is accepted nor how it is
    scored, texts shown in another language) are appended to ``warnings`` when given.
    """
    source = source or str(path_or_bytes if not isinstance(path_or_bytes, bytes) else "upload.xlsx")
    reader = _Reader(source)
    try:
        raw_sheets = read_sheets(path_or_bytes)
    except WorkbookRefused as exc:
        for problem in exc.problems:
            where = "file" if problem.sheet is None else reader.where(problem.sheet, problem.row)
            reader.errors.setdefault(
                (where, problem.column, problem.message), Problem(source, where, problem.column, problem.message)
            )
        raise QuestionnaireError(list(reader.errors.values())) from None
    tables: dict[str, _Table] = {}
    for sheet in raw_sheets:
        name = sheet.name.strip().lower()
        if name in tables:
            reader.problem(sheet.name, None, "-", "two sheets have this name")
        tables[name] = _Table(sheet)
    if "survey" not in tables:
        reader.problem("survey", None, "-", "sheet missing; an XLSForm needs a sheet named survey")
        raise QuestionnaireError(list(reader.errors.values()))
    data, locations = _Form(reader, tables, source).read()
    if warnings is not None:
        warnings.extend(reader.warning_list())
    if reader.errors:
        raise QuestionnaireError(list(reader.errors.values()))
    data["_locations"] = locations
    return data


def import_xlsform(
    path_or_bytes: str | Path | bytes, source: str | None = None, warnings: list[Problem] | None = None
) -> Questionnaire:
    """Read and validate an XLSForm workbook into a questionnaire; raise ``QuestionnaireError``.

    Every problem names the sheet, the row and the column. Warnings go to ``warnings`` if given.
    """
    source = source or str(path_or_bytes if not isinstance(path_or_bytes, bytes) else "upload.xlsx")
    data = read_xlsform(path_or_bytes, source, warnings)
    locations = data.pop("_locations")
    try:
        return parse_definition(data, source)
    except QuestionnaireError as exc:
        raise QuestionnaireError(_locate(exc.problems, locations)) from None


def import_xlsform_with_warnings(path_or_bytes: str | Path | bytes, source: str | None = None) -> XLSFormImport:
    """``import_xlsform`` and its warnings together."""
    warnings: list[Problem] = []
    questionnaire = import_xlsform(path_or_bytes, source, warnings)
    return XLSFormImport(questionnaire, warnings)


# Loader field → XLSForm column, to name the column in a problem the loader found.
_FIELD_COLUMNS = {
    "text": "label", "help": "hint", "key": "name", "show_if": "relevant", "red_line.when": "red_line",
    "red_line.text": "red_line_text", "options": "type", "min": "constraint", "max": "constraint",
    "min_length": "constraint", "max_length": "constraint",
}  # fmt: skip
_TOP_COLUMNS = {"key": "form_id", "title": "form_title", "version": "version", "description": "form_description"}


def _locate(problems: list[Problem], locations: dict[str, tuple[str, int]]) -> list[Problem]:
    """Name the sheet and row of problems the loader reports by item, dimension or part."""
    located, seen = [], set()
    for problem in problems:
        where, field = problem.where, problem.field
        place = locations.get(where)
        if place is None and where == "top level":
            place = locations.get("settings")
            field = _TOP_COLUMNS.get(field, field)
        elif place is not None:
            field = _FIELD_COLUMNS.get(field, field)
            if field.startswith("options."):
                value = field.split(".")[1]
                place = locations.get(f"{where} option {value}", place)
                field = "label" if field.endswith(".label") else field
        if place is not None:
            sheet, row = place
            subject = where.split(" ", 1)[1] if where.startswith(("item ", "part ", "dimension ")) else None
            new_where = f"sheet {sheet}" + (f", row {row}" if row else "")
            message = problem.message if subject is None else f"{where}: {problem.message}"
            problem = Problem(problem.source, new_where, field, message)
        key = (problem.where, problem.field, problem.message)
        if key not in seen:
            seen.add(key)
            located.append(problem)
    return located


class _Form:
    """One pass over the sheets of an XLSForm, building the definition dict."""

    def __init__(self, reader: _Reader, tables: dict[str, _Table], source: str):
        self.reader = reader
        self.tables = tables
        self.source = source
        self.survey = tables["survey"]
        self.locations: dict[str, tuple[str, int]] = {}
        settings = tables.get("settings")
        self.settings_row = settings.rows[0] if settings and settings.rows else (2, [])
        default_language = settings.value(self.settings_row[1], "default_language") if settings else None
        self.texts = _Texts(reader, str(default_language) if default_language else None)
        self.scored = (
            "dimensions" in tables
            or any(self.survey.used(name) for name in ("dimension", "bands", "red_line", "weight"))
            or ("choices" in tables and tables["choices"].used("score"))
        )

    def text(self, table: _Table, number: int, values: list[Any], base: str) -> dict[str, str]:
        return self.texts.get(table, number, values, base)

    def read(self) -> tuple[dict[str, Any], dict[str, tuple[str, int]]]:
        self._check_sheets()
        data = self._settings()
        choices = self._choices()
        if self.scored and LIKERT_LIST in choices:
            options = choices[LIKERT_LIST]
            if [o["value"] for o in options] != ["1", "2", "3", "4", "5"]:
                self.reader.problem(
                    "choices", None, LIKERT_LIST, "the likert5 list must have the names 1 to 5 in order"
                )
            else:
                data["likert_labels"] = {lang: [o["label"].get(lang, "") for o in options] for lang in LANGUAGES}
        self._extension_sheets(data)
        for dimension in data["dimensions"]:
            if dimension["title"] is None:
                dimension["title"] = data["title"]
        data["parts"] = self._survey(choices, data["title"])
        self._audit_columns()
        self.texts.report_fallbacks()
        self.texts.report_unused(
            list(self.tables.values()),
            {"label", "hint", "constraint_message", "required_message", "form_title", "form_title_translated"},
        )
        return data, self.locations

    # -- sheets and settings ------------------------------------------------------------------------

    def _check_sheets(self) -> None:
        known = {"survey", "choices", "settings", *EXTENSION_SHEETS}
        for name, table in self.tables.items():
            if name in known:
                continue
            if not table.rows and not table.columns:
                continue
            reason = IGNORED_SHEETS.get(name, "not an XLSForm sheet")
            self.reader.warn(table.name, None, "-", f"sheet not used: {reason}")
        if not self.survey.has("type"):
            self.reader.problem(self.survey.name, 1, "type", "column missing; the survey sheet needs type, name, label")
        for table in self.tables.values():
            seen: dict[tuple[str, str | None], str] = {}
            for column in table.columns:
                key = (column.base, (column.tag or "").lower() or None)
                if key in seen:
                    self.reader.problem(
                        table.name, 1, column.header, f"column appears twice (also {seen[key]}); keep one"
                    )
                seen[key] = column.header

    def _settings(self) -> dict[str, Any]:
        table = self.tables.get("settings")
        number, values = self.settings_row
        sheet = table.name if table else "settings"
        get = (lambda base: table.value(values, base)) if table else (lambda base: None)
        self.locations["settings"] = (sheet, number)
        key = get("form_id")
        if key not in (None, "") and not re.match(r"^[a-z][a-z0-9_]{0,99}$", str(key)):
            normalised = re.sub(r"[^a-z0-9_]+", "_", str(key).lower()).strip("_")[:100]
            if re.match(r"^[a-z]", normalised):
                self.reader.warn(
                    sheet, number, "form_id", f"{key!r} is stored as {normalised!r} (lower-case letters, digits, _)"
                )
                key = normalised
        if key in (None, ""):
            stem = Path(self.source).stem.lower()
            key = re.sub(r"[^a-z0-9_]+", "_", stem).strip("_")
            key = key if re.match(r"^[a-z]", key or "") else f"form_{key}"
            self.reader.warn(sheet, None, "form_id", f"no form_id; the file name gives {key!r}")
        version = get("version")
        if version in (None, ""):
            version = 1
            self.reader.warn(sheet, None, "version", "no version; version 1 is used")
        elif isinstance(version, int) and not isinstance(version, bool):
            pass
        elif isinstance(version, float) and version.is_integer():
            version = int(version)
        elif isinstance(version, str) and version.strip().isdigit():
            version = int(version.strip())
        else:
            self.reader.problem(
                sheet, number, "version", f"must be a whole number (such as 2026113001), got {version!r}"
            )
        title = (
            (
                self.text(table, number, values, "form_title_translated")
                or self.text(table, number, values, "form_title")
            )
            if table
            else {}
        )
        if not title:
            title = {lang: str(key) for lang in LANGUAGES}
            self.reader.warn(sheet, None, "form_title", "no form_title; the form id is shown as the title")
        data: dict[str, Any] = {
            "key": key,
            "version": version,
            "title": title,
            "grades": DEFAULT_GRADES,
            "maturity_levels": DEFAULT_MATURITY,
            "likert_labels": DEFAULT_LIKERT,
        }
        if table:
            description = self.text(table, number, values, "form_description")
            if description:
                data["description"] = description
            share = self.reader.number(sheet, number, "min_answered_share", get("min_answered_share"))
            if share is not None:
                data["min_answered_share"] = share
            for name, reason in SETTINGS_REFUSED.items():
                if self.reader.flag(get(name)):
                    self.reader.problem(sheet, number, name, reason)
        if not self.scored:
            data["unscored"] = True
        return data

    def _choices(self) -> dict[str, list[dict[str, Any]]]:
        table = self.tables.get("choices")
        lists: dict[str, list[dict[str, Any]]] = {}
        if table is None:
            return lists
        for number, values in table.rows:
            list_name = table.value(values, "list_name")
            name = table.value(values, "name")
            if list_name in (None, ""):
                if name not in (None, "") or self.text(table, number, values, "label"):
                    self.reader.problem(table.name, number, "list_name", "missing")
                continue
            if isinstance(name, float) and name.is_integer():
                name = int(name)
            if name in (None, ""):
                self.reader.problem(table.name, number, "name", "missing")
                continue
            option: dict[str, Any] = {"value": str(name), "label": self.text(table, number, values, "label")}
            if not option["label"]:
                option["label"] = {lang: str(name) for lang in LANGUAGES}
                self.reader.warn(table.name, number, "label", "no label; the choice's name is shown instead")
            score = self.reader.number(table.name, number, "score", table.value(values, "score"))
            if score is not None:
                option["score"] = score
            lists.setdefault(str(list_name), []).append(option)
            self.locations.setdefault(f"choice {list_name} {name}", (table.name, number))
        return lists

    def _extension_sheets(self, data: dict[str, Any]) -> None:
        tables, reader = self.tables, self.reader
        if "grades" in tables:
            t = tables["grades"]
            data["grades"] = [
                {
                    "key": t.value(v, "key"),
                    "min": reader.number(t.name, n, "min", t.value(v, "min")),
                    "label": self.text(t, n, v, "label"),
                }
                for n, v in t.rows
            ]
        if "maturity" in tables:
            t = tables["maturity"]
            data["maturity_levels"] = [
                {"min": reader.number(t.name, n, "min", t.value(v, "min")), "label": self.text(t, n, v, "label")}
                for n, v in t.rows
            ]
        data["dimensions"] = self._dimensions()
        for name in ("staff_levels", "staff_posts"):
            if name in tables:
                t = tables[name]
                data[name] = {t.value(v, "key"): self.text(t, n, v, "label") for n, v in t.rows}
        if "training" in tables:
            t = tables["training"]
            data["training_modules"] = [
                {
                    "key": t.value(v, "key"),
                    "title": self.text(t, n, v, "title"),
                    "description": self.text(t, n, v, "description"),
                    "dimensions": str(t.value(v, "dimensions") or "").split(),
                    **({"levels": str(t.value(v, "levels")).split()} if t.value(v, "levels") else {}),
                    **({"posts": str(t.value(v, "posts")).split()} if t.value(v, "posts") else {}),
                }
                for n, v in t.rows
            ]

    def _dimensions(self) -> list[dict[str, Any]]:
        tables = self.tables
        if "dimensions" not in tables:
            if self.survey.used("dimension"):
                self.reader.problem(
                    "dimensions", None, "-", "sheet missing; the survey's dimension column names dimensions it declares"
                )
            return [{"key": IMPLICIT_DIMENSION, "title": None}]  # title: the form's, filled in by _survey
        recommendations: dict[str, dict[str, Any]] = {}
        if "recommendations" in tables:
            t = tables["recommendations"]
            for n, v in t.rows:
                recommendations.setdefault(str(t.value(v, "dimension")), {})[str(t.value(v, "grade"))] = self.text(
                    t, n, v, "text"
                )
        dimensions = []
        t = tables["dimensions"]
        for number, values in t.rows:
            key = str(t.value(values, "key") or "")
            self.locations[f"dimension {key}"] = (t.name, number)
            entry: dict[str, Any] = {"key": key, "title": self.text(t, number, values, "label")}
            description = self.text(t, number, values, "description")
            if description:
                entry["description"] = description
            weight = self.reader.number(t.name, number, "weight", t.value(values, "weight"))
            if weight is not None:
                entry["weight"] = weight
            if key in recommendations:
                entry["recommendations"] = recommendations[key]
            dimensions.append(entry)
        return dimensions

    # -- the survey sheet -------------------------------------------------------------------------

    def _survey(self, choices, form_title) -> list[dict[str, Any]]:
        table, reader = self.survey, self.reader
        parts_by_group = table.used("respondent")  # scoring extension: each top-level group is a part
        parts: list[dict[str, Any]] = []
        implicit: dict[str, Any] | None = None
        current: dict[str, Any] | None = None
        stack: list[tuple[str, int]] = []
        notes: list[dict[str, str]] = []
        last_item: dict[str, Any] | None = None

        def flush_notes(part: dict[str, Any] | None) -> None:
            nonlocal notes
            if not notes:
                return
            if last_item is not None:
                last_item["help"] = _join_texts([last_item.get("help") or {}] + notes)
            elif part is not None:
                part["description"] = _join_texts([part.get("description") or {}] + notes)
            notes = []

        for number, values in table.rows:
            type_cell = " ".join(str(table.value(values, "type") or "").split())
            lowered = type_cell.lower()
            name = table.value(values, "name")
            if not type_cell:
                if name not in (None, "") or self.text(table, number, values, "label"):
                    reader.problem(table.name, number, "type", "missing")
                continue
            if lowered in _BEGIN_GROUP:
                if table.value(values, "relevant"):
                    reader.problem(
                        table.name,
                        number,
                        "relevant",
                        "a condition on a whole group is not supported; put it on each question",
                    )
                if parts_by_group and not stack:
                    current = {
                        "key": name,
                        "respondent": table.value(values, "respondent") or "staff",
                        "title": self.text(table, number, values, "label"),
                        "sections": [],
                    }
                    hint = self.text(table, number, values, "hint")
                    if hint:
                        current["description"] = hint
                    self.locations[f"part {name}"] = (table.name, number)
                    parts.append(current)
                    last_item = None
                elif parts_by_group:
                    reader.problem(
                        table.name, number, "type", "groups cannot be nested when groups are parts (respondent column)"
                    )
                else:
                    reader.warn(
                        table.name,
                        number,
                        "type",
                        "begin_group: groups are not shown as such; their questions are asked in order "
                        "without the group label",
                    )
                stack.append(("group", number))
                continue
            if lowered in _BEGIN_REPEAT:
                reader.problem(table.name, number, "type", f"{type_cell}: repeats are not supported")
                stack.append(("repeat", number))
                continue
            if lowered in _END_GROUP or lowered in _END_REPEAT:
                if not stack:
                    reader.problem(table.name, number, "type", f"{type_cell} without a matching begin")
                    continue
                stack.pop()
                if parts_by_group and not stack and current is not None:
                    flush_notes(current)
                    current = None
                    last_item = None
                continue
            if lowered in METADATA_TYPES:
                reader.warn(table.name, number, "type", f"{lowered}: device metadata is not collected")
                continue
            if current is None:
                if implicit is None:
                    implicit = {"key": "staff", "respondent": "staff", "title": form_title, "sections": []}
                    parts.append(implicit)
                    self.locations["part staff"] = (table.name, number)
                part = implicit
            else:
                part = current
            if lowered == "note":
                text = self.text(table, number, values, "label")
                if table.value(values, "relevant"):
                    reader.warn(table.name, number, "relevant", "a note is always shown; its condition is not used")
                if text:
                    notes.append(text)
                continue
            if lowered == "calculate":
                reader.problem(table.name, number, "type", "calculate: calculations are not supported")
                continue
            items = self._items(number, values, type_cell, choices)
            if not items:
                continue
            dimension = str(table.value(values, "dimension") or "")
            if not dimension:
                if "dimensions" in self.tables:
                    reader.problem(table.name, number, "dimension", "every question needs a dimension")
                dimension = IMPLICIT_DIMENSION
            for item in items:
                if notes:
                    item["help"] = _join_texts(notes + [item.get("help") or {}])
                    notes = []
                sections = part["sections"]
                if not sections or sections[-1]["dimension"] != dimension:
                    sections.append({"dimension": dimension, "items": []})
                sections[-1]["items"].append(item)
                last_item = item
        for kind, number in stack:
            reader.problem(table.name, number, "type", f"begin_{kind} without a matching end_{kind}")
        flush_notes(current or implicit or (parts[-1] if parts else None))
        if not parts:
            reader.problem(table.name, None, "-", "has no questions")
        return parts

    def _key(self, name: str, where: tuple[str, int] | None = None) -> str:
        """An XLSForm name as an item key: ``Q1-a`` becomes ``q1_a`` (with a warning on its row)."""
        if re.match(r"^[a-z][a-z0-9_]{0,99}$", name):
            return name
        key = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:100]
        if not re.match(r"^[a-z]", key):
            return name  # the loader refuses it, naming the row
        if where is not None:
            self.reader.warn(*where, "name", f"{name!r} is stored as {key!r} (lower-case letters, digits, _)")
        return key

    def _items(self, number: int, values: list[Any], type_cell: str, choices) -> list[dict[str, Any]]:
        """The item of one survey row (two for ``or_other``: the choice and "specify other")."""
        table, reader = self.survey, self.reader
        where = (table.name, number)
        name = table.value(values, "name")
        if name in (None, ""):
            reader.problem(*where, "name", "missing")
            return []
        name = self._key(str(name), where)
        if not re.match(r"^[a-z][a-z0-9_]{0,99}$", name):
            reader.problem(*where, "name", f"{name!r} is not a valid name (a letter, then letters, digits or _)")
        elif f"item {name}" in self.locations:
            reader.problem(
                *where, "name", f"{name!r} is also the name on {_rows_text([self.locations[f'item {name}'][1]])}"
            )
        self.locations.setdefault(f"item {name}", where)
        item: dict[str, Any] = {"key": name, "text": self.text(table, number, values, "label")}
        override = str(table.value(values, "kind") or "").strip()
        select = _SELECT.match(type_cell)
        head = type_cell.split()[0].lower()
        other = False
        if select:
            head = "select_one" if "one" in select.group(1).lower() else "select_multiple"
            list_name, other = select.group(2), bool(select.group(3))
            if list_name not in choices:
                reader.problem(*where, "type", f"the list {list_name!r} is not in the choices sheet")
                return []
            options = [dict(o) for o in choices[list_name]]
            for option in options:
                self.locations.setdefault(
                    f"item {name} option {option['value']}", self.locations[f"choice {list_name} {option['value']}"]
                )
            values_offered = [o["value"] for o in options]
            if other and "other" not in values_offered:
                options.append({"value": "other", "label": dict(OTHER_LABEL)})
            # The values with the added "other": a list with or_other is never a yes/no question.
            scored_options = any("score" in o for o in options)
            values_offered = [o["value"] for o in options]
            item["kind"] = kind_for_xlsform(head, list_name, values_offered, scored_options, override, self.scored)
            if kind_of(item["kind"]).has_options:
                item["options"] = options
        else:
            kind = kind_for_xlsform(head, None, [], False, override) if len(type_cell.split()) == 1 else None
            if kind is None or kind_of(kind).has_options:  # a select type without a list
                reader.problem(
                    *where, "type", f"question type {type_cell!r} is not supported (supported: {SUPPORTED_TYPES})"
                )
                return []
            item["kind"] = kind
            if head == "integer":
                item["integer"] = True
        if not item["text"]:
            reader.problem(*where, "label", "missing; every question needs a label")
        overrides = {item["kind"]} | {k.xlsform_kind() for k in REGISTRY.values() if k.xlsform_kind()}
        if override and override not in overrides:
            reader.problem(*where, "kind", f"{override!r} does not fit type {type_cell!r}")

        for base, field in (
            ("hint", "help"),
            ("basis", "basis"),
            ("unit", "unit"),
            ("required_message", "required_message"),
        ):
            text = self.text(table, number, values, base)
            if text:
                item[field] = text
        required = table.value(values, "required")
        flag = reader.flag(required)
        if flag is None:
            reader.problem(*where, "required", f"only yes or no is supported, got {required!r} (a condition is not)")
        item["required"] = bool(flag)
        if item.get("required_message") and not item["required"]:
            reader.warn(table.name, number, "required_message", "not used: the question is not required")
        for field in ("reverse", "allow_na"):
            value = table.value(values, field)
            if value not in (None, ""):
                flag = reader.flag(value)
                if flag is None:
                    reader.problem(*where, field, f"must be yes or no, got {value!r}")
                elif flag:
                    item[field] = True
        observable = table.value(values, "observable")
        if observable not in (None, ""):
            flag = reader.flag(observable)
            if flag is None:
                reader.problem(*where, "observable", f"must be yes or no, got {observable!r}")
            else:
                item["observable"] = flag
        serves = table.value(values, "serves")
        if serves not in (None, ""):
            item["serves"] = str(serves).split()  # checked by the loader
        weight = reader.number(*where, "weight", table.value(values, "weight"))
        if weight is not None:
            item["weight"] = weight
        for field in ("min", "max"):
            value = reader.number(*where, field, table.value(values, field))
            if value is not None:
                item[field] = value
        self._constraint(item, where, values)
        if table.value(values, "default") not in (None, ""):
            self._default(item, where, table.value(values, "default"))
        if table.value(values, "bands"):
            item["bands"] = _parse_bands(reader, where, str(table.value(values, "bands")))
        relevant = table.value(values, "relevant")
        for column, expression in (("relevant", relevant), ("constraint", table.value(values, "constraint"))):
            if isinstance(expression, str) and _straight_quotes(expression) != expression:
                reader.warn(table.name, number, column, "curly quotes (‘ ’ “ ”) are read as straight quotes")
        if relevant not in (None, ""):
            condition = _parse_relevant(str(relevant))
            if condition is None:
                reader.problem(*where, "relevant", f"unsupported expression {relevant!r}; {_RELEVANT_HELP}")
            else:
                condition["item"] = self._key(condition["item"])
                item["show_if"] = condition
        red_line = table.value(values, "red_line")
        if red_line:
            match = _RED_LINE.match(str(red_line).strip())
            if not match:
                reader.problem(
                    *where, "red_line", f"unsupported expression {red_line!r}; use . = 'x', . != 'x', . > n or . < n"
                )
            else:
                op = _RED_LINE_OPS[match.group(1)]
                value: Any = match.group(3) if match.group(3) is not None else float(match.group(2))
                item["red_line"] = {"when": {op: value}, "text": self.text(table, number, values, "red_line_text")}
        items = [item]
        if other:
            test = "selected" if head == "select_multiple" else "equals"
            specify = {
                "key": f"{name}_other",
                "kind": "text",
                "text": dict(SPECIFY_OTHER_LABEL),
                "required": False,
                "show_if": {"item": name, test: "other"},
            }
            self.locations[f"item {name}_other"] = where
            items.append(specify)
        return items

    def _constraint(self, item: dict[str, Any], where: tuple[str, int], values: list[Any]) -> None:
        table, reader = self.survey, self.reader
        constraint = table.value(values, "constraint")
        constraint = _straight_quotes(constraint) if isinstance(constraint, str) else constraint
        message = self.text(table, where[1], values, "constraint_message")
        if constraint in (None, ""):
            if message and not any(k in item for k in ("min", "max")):
                reader.warn(table.name, where[1], "constraint_message", "not used: the question has no constraint")
            elif message:
                item["constraint_message"] = message
            return
        kind = item["kind"]
        rules = kind_of(kind)
        if rules.multiple:
            self._exclusive_constraint(item, where, str(constraint), message)
            return
        family = "value" if rules.numeric else "length" if rules.has_length else None
        if family is None:
            reader.problem(*where, "constraint", f"a constraint on a {kind} question is not supported")
            return
        bounds: dict[str, float] = {}
        for term in re.split(r"\s+and\s+", str(constraint).strip()):
            match = (_NUMBER_TERM if family == "value" else _LENGTH_TERM).match(term.strip())
            if not match:
                reader.problem(
                    *where, "constraint", f"unsupported expression {constraint!r}; {_CONSTRAINT_HELP[family]}"
                )
                return
            op, number = match.group(1), float(match.group(2))
            strict = op in (">", "<")
            if strict and not (family == "length" or item.get("integer")):
                reader.problem(
                    *where,
                    "constraint",
                    f"{term.strip()!r}: a strict bound on a decimal is not supported; use >= or <=",
                )
                return
            if not number.is_integer() and (family == "length" or item.get("integer")):
                reader.problem(*where, "constraint", f"{term.strip()!r}: the bound must be a whole number")
                return
            if op in (">", ">=", "="):
                bounds["low"] = max(bounds.get("low", float("-inf")), number + (1 if op == ">" else 0))
            if op in ("<", "<=", "="):
                bounds["high"] = min(bounds.get("high", float("inf")), number - (1 if op == "<" else 0))
        fields = ("min", "max") if family == "value" else ("min_length", "max_length")
        for bound, field in zip(("low", "high"), fields, strict=True):
            if bound in bounds:
                if field in item:
                    reader.problem(*where, field, "given both here and in constraint; keep one")
                value = bounds[bound]
                item[field] = int(value) if family == "length" else value
        if message:
            item["constraint_message"] = message

    def _exclusive_constraint(self, item: dict[str, Any], where: tuple[str, int], constraint: str, message) -> None:
        """``not(selected(., 'x') and count-selected(.) > 1)`` (joined with ``and``) marks option x exclusive."""
        terms = _EXCLUSIVE_TERM.findall(constraint)
        rest = re.sub(r"\s+and\s+", "", _EXCLUSIVE_TERM.sub("", constraint)).strip()
        if not terms or rest:
            self.reader.problem(
                *where, "constraint", f"unsupported expression {constraint!r}; {_CONSTRAINT_HELP['exclusive']}"
            )
            return
        options = {o["value"]: o for o in item.get("options", [])}
        for value in terms:
            if value not in options:
                self.reader.problem(*where, "constraint", f"{value!r} is not one of the question's choices")
                return
            options[value]["exclusive"] = True
        if message:
            item["constraint_message"] = message

    def _default(self, item: dict[str, Any], where: tuple[str, int], value: Any) -> None:
        rules = kind_of(item["kind"])
        if not rules.takes_default:
            self.reader.problem(*where, "default", "a default file is not supported")
            return
        if hasattr(value, "date"):  # a date cell: the ISO date (a date question's answer)
            value = value.date().isoformat()
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        item["default"] = value if rules.numeric and isinstance(value, int | float) else str(value)

    def _audit_columns(self) -> None:
        """Warn about skipped columns and refuse columns that would change what is accepted."""
        checks = [
            (self.survey, SURVEY_COLUMNS, SURVEY_SKIPPED, SURVEY_REFUSED),
        ]
        if "choices" in self.tables:
            checks.append((self.tables["choices"], CHOICES_COLUMNS, CHOICES_SKIPPED, {}))
        if "settings" in self.tables:
            checks.append((self.tables["settings"], SETTINGS_COLUMNS, SETTINGS_SKIPPED, SETTINGS_REFUSED))
        for table, used, skipped, refused in checks:
            for column in table.columns:
                if column.base in used or (column.base in refused and table is not self.survey):
                    continue
                rows = [n for n, v in table.rows if table.cell(v, column) not in (None, "")]
                if not rows:
                    continue
                if column.base in refused:
                    for number, values in table.rows:
                        value = table.cell(values, column)
                        if value in (None, "") or (column.base == "read_only" and not self.reader.flag(value)):
                            continue
                        if (
                            column.base == "calculation"
                            and str(table.value(values, "type") or "").strip() == "calculate"
                        ):
                            continue  # the type is refused already
                        self.reader.problem(table.name, number, column.header, refused[column.base])
                elif column.base in skipped:
                    self.reader.warn(
                        table.name, None, column.header, f"skipped ({skipped[column.base]}), {_rows_text(rows)}"
                    )
                else:
                    self.reader.warn(
                        table.name,
                        None,
                        column.header,
                        f"not an XLSForm column the app knows; not used, {_rows_text(rows)}",
                    )


def _join_texts(texts: list[dict[str, str]]) -> dict[str, str]:
    return {lang: "\n".join(t[lang] for t in texts if t.get(lang)) for lang in LANGUAGES}


_SMART_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def _straight_quotes(expression: str) -> str:
    """Expressions typed in a word processor or spreadsheet often get curly quotes (as pyxform, read them straight)."""
    return expression.translate(_SMART_QUOTES)


def _parse_relevant(expression: str) -> dict[str, Any] | None:
    expression = _straight_quotes(expression)
    for pattern, op in _RELEVANT_PATTERNS:
        match = pattern.match(expression.strip())
        if match:
            groups = [g for g in match.groups()[1:] if g is not None]
            value: Any = groups[0] if groups else ""
            if op in ("above", "below"):
                value = float(value)
            return {"item": match.group(1), op: value}
    return None


def _parse_bands(reader: _Reader, where: tuple[str, int], text: str) -> list[dict[str, Any]]:
    bands = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = re.match(r"^(<=|>=|\*)\s*(-?\d+(?:\.\d+)?)?\s*:\s*(-?\d+(?:\.\d+)?)$", part)
        if not match or (match.group(1) != "*" and match.group(2) is None):
            reader.problem(*where, "bands", f"cannot read {part!r}; write <=7:100; <=14:50; *:0")
            continue
        band: dict[str, Any] = {"score": float(match.group(3))}
        if match.group(1) == "<=":
            band["max"] = float(match.group(2))
        elif match.group(1) == ">=":
            band["min"] = float(match.group(2))
        bands.append(band)
    return bands


# -- export --------------------------------------------------------------------------------------


def _lang_columns(prefix: str) -> list[str]:
    return [f"{prefix}::{LANGUAGE_NAMES[lang]}" for lang in LANGUAGES]


def _text_cells(text: Text | None) -> list[str]:
    return [getattr(text, lang) if text else "" for lang in LANGUAGES]


def _fmt(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def export_xlsform(questionnaire: Questionnaire) -> bytes:
    """Write a questionnaire as an XLSForm workbook that ``import_xlsform`` reads back unchanged."""
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey_columns = (
        ["type", "name"] + _lang_columns("label") + _lang_columns("hint")
        + ["required"] + _lang_columns("required_message") + ["relevant", "constraint"]
        + _lang_columns("constraint_message") + ["default"]
        + ["dimension", "weight", "reverse", "allow_na", "bands", "observable", "serves"]
        + ["kind", "red_line"]
        + _lang_columns("red_line_text") + _lang_columns("basis") + _lang_columns("unit") + ["respondent"]
    )  # fmt: skip
    survey.append(survey_columns)
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name"] + _lang_columns("label") + ["score"])
    choices.append([LIKERT_LIST, "1"] + [questionnaire.likert_labels[lang][0] for lang in LANGUAGES] + [None])
    for index in range(1, 5):
        choices.append(
            [LIKERT_LIST, str(index + 1)] + [questionnaire.likert_labels[lang][index] for lang in LANGUAGES] + [None]
        )
    choices.append([YESNO_LIST, "yes", "是", "是", "Yes", None])
    choices.append([YESNO_LIST, "no", "否", "否", "No", None])

    for part in questionnaire.parts:
        row = {"type": "begin_group", "name": part.key, "respondent": part.respondent}
        survey.append(_survey_row(survey_columns, row, label=part.title, hint=part.description))
        for item in part.items:
            row, texts = _item_row(item, choices)
            if questionnaire.unscored:
                row.pop("dimension", None)
            survey.append(_survey_row(survey_columns, row, **texts))
        survey.append(_survey_row(survey_columns, {"type": "end_group"}))

    settings = workbook.create_sheet("settings")
    # form_title and default_language are standard (one language); form_title_translated::<language>
    # keeps all three (pyxform reads ``title`` as form_title, so that name cannot be used).
    settings.append(
        ["form_id", "version", "form_title", "default_language"]
        + _lang_columns("form_title_translated")
        + _lang_columns("form_description")
        + ["min_answered_share"]
    )
    settings.append(
        [questionnaire.key, questionnaire.version, questionnaire.title.zh_Hans, LANGUAGE_NAMES["zh_Hans"]]
        + _text_cells(questionnaire.title)
        + _text_cells(questionnaire.description)
        + [questionnaire.min_answered_share]
    )
    if questionnaire.unscored:
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    dimensions = workbook.create_sheet("dimensions")
    dimensions.append(["key"] + _lang_columns("label") + _lang_columns("description") + ["weight"])
    recommendations = workbook.create_sheet("recommendations")
    recommendations.append(["dimension", "grade"] + _lang_columns("text"))
    for dimension in questionnaire.dimensions:
        dimensions.append(
            [dimension.key]
            + _text_cells(dimension.title)
            + _text_cells(dimension.description)
            + [_fmt(dimension.weight)]
        )
        for grade, text in dimension.recommendations.items():
            recommendations.append([dimension.key, grade] + _text_cells(text))

    grades = workbook.create_sheet("grades")
    grades.append(["key", "min"] + _lang_columns("label"))
    for grade in questionnaire.grades:
        grades.append([grade.key, _fmt(grade.min)] + _text_cells(grade.label))
    maturity = workbook.create_sheet("maturity")
    maturity.append(["level", "min"] + _lang_columns("label"))
    for level in questionnaire.maturity_levels:
        maturity.append([level.level, _fmt(level.min)] + _text_cells(level.label))
    for name, labels in (
        ("staff_levels", questionnaire.staff_levels),
        ("staff_posts", questionnaire.staff_posts),
    ):
        if labels:
            sheet = workbook.create_sheet(name)
            sheet.append(["key"] + _lang_columns("label"))
            for key, text in labels.items():
                sheet.append([key] + _text_cells(text))
    if questionnaire.training_modules:
        training = workbook.create_sheet("training")
        training.append(
            ["key"] + _lang_columns("title") + _lang_columns("description") + ["dimensions", "levels", "posts"]
        )
        for module in questionnaire.training_modules:
            training.append(
                [module.key]
                + _text_cells(module.title)
                + _text_cells(module.description)
                + [" ".join(module.dimensions), " ".join(module.levels), " ".join(module.posts)]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _survey_row(columns: list[str], row: dict[str, Any], **texts: Text | None) -> list[Any]:
    cells = dict(row)
    for prefix, text in texts.items():
        if text is not None:
            for column, value in zip(_lang_columns(prefix), _text_cells(text), strict=True):
                cells[column] = value or None
    return [cells.get(column) for column in columns]


def _item_row(item, choices_sheet) -> tuple[dict[str, Any], dict[str, Text | None]]:
    kind = kind_of(item)
    row: dict[str, Any] = {"name": item.key, "dimension": item.dimension, "type": kind.xlsform_type(item)}
    if kind.has_options:
        list_name = row["type"].split()[-1]
        for option in item.options:
            choices_sheet.append(
                [list_name, option.value]
                + _text_cells(option.label)
                + [None if option.score is None else _fmt(option.score)]
            )
    if kind.xlsform_kind():
        row["kind"] = kind.xlsform_kind()
    row["required"] = "yes" if item.required else "no"
    if item.weight != 1:
        row["weight"] = _fmt(item.weight)
    if item.reverse:
        row["reverse"] = "yes"
    if item.allow_na:
        row["allow_na"] = "yes"
    if item.observable is not None:
        row["observable"] = "yes" if item.observable else "no"
    if item.serves:
        row["serves"] = " ".join(item.serves)
    bounds = [(">=", item.minimum), ("<=", item.maximum)]
    if kind.has_length:
        bounds = [(">=", item.min_length), ("<=", item.max_length)]
    terms = [
        f"{'string-length(.)' if kind.has_length else '.'} {op} {_fmt(value)}"
        for op, value in bounds
        if value is not None
    ]
    terms += [f"not(selected(., '{o.value}') and count-selected(.) > 1)" for o in item.options if o.exclusive]
    if terms:
        row["constraint"] = " and ".join(terms)
    if item.default is not None:
        row["default"] = _fmt(item.default) if isinstance(item.default, float) else item.default
    if item.bands:
        parts = []
        for band in item.bands:
            if band.max is not None:
                parts.append(f"<={_fmt(band.max)}:{_fmt(band.score)}")
            elif band.min is not None:
                parts.append(f">={_fmt(band.min)}:{_fmt(band.score)}")
            else:
                parts.append(f"*:{_fmt(band.score)}")
        row["bands"] = "; ".join(parts)
    if item.show_if:
        condition = item.show_if
        row["relevant"] = {
            "equals": f"${{{condition.item}}} = '{condition.value}'",
            "not_equals": f"${{{condition.item}}} != '{condition.value}'",
            "selected": f"selected(${{{condition.item}}}, '{condition.value}')",
        }[condition.op]
    texts: dict[str, Text | None] = {
        "label": item.text,
        "hint": item.help,
        "basis": item.basis,
        "unit": item.unit,
        "required_message": item.required_message if any(item.required_message.as_dict().values()) else None,
        "constraint_message": item.constraint_message if any(item.constraint_message.as_dict().values()) else None,
    }
    if item.red_line:
        condition = item.red_line.condition
        symbol = {op: sym for sym, op in _RED_LINE_OPS.items()}[condition.op]
        numeric = condition.op in ("above", "below")
        value = _fmt(float(condition.value)) if numeric else f"'{condition.value}'"
        row["red_line"] = f". {symbol} {value}"
        texts["red_line_text"] = item.red_line.text
    return row, texts
