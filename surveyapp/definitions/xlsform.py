"""XLSForm import and export.

The subset of XLSForm that maps onto the questionnaire model, read and written with openpyxl:

* ``survey``: ``type`` (``select_one L``, ``select_multiple L``, ``integer``, ``decimal``, ``date``,
  ``text``, ``file``, ``begin_group``/``end_group`` for parts), ``name``, ``label::<language>``,
  ``hint::<language>``, ``required``, ``relevant`` in its simple forms (``${q} = 'x'``,
  ``${q} != 'x'``, ``selected(${q}, 'x')``), plus extension columns ``dimension``, ``weight``,
  ``reverse``, ``allow_na``, ``red_line`` (``. = 'yes'``, ``. > 14``, ``. < 1``),
  ``red_line_text::<language>``, ``basis::<language>``, ``bands`` (``<=7:100; <=14:50; *:0``),
  ``min``, ``max``, ``unit::<language>``, ``kind`` (``evidence_url`` for a link), and on a
  ``begin_group`` row ``respondent`` (``staff`` or ``coordinator``);
* ``choices``: ``list_name``, ``name``, ``label::<language>``, extension column ``score``;
* ``settings``: ``form_id``, ``version``, ``form_title::<language>``, ``min_answered_share``;
* extension sheets (extra sheets are valid XLSForm): ``dimensions``, ``recommendations``,
  ``grades``, ``maturity``, ``training``, ``staff_levels``, ``staff_posts``. Without ``grades``,
  ``maturity`` or a ``likert5`` choice list, the standard bands and labels below are used.

A language column is named ``label::Any name (code)`` or ``label::code``; the codes zh-Hans,
zh-CN and zh map to Simplified Chinese, zh-Hant, zh-TW and zh-HK to Traditional, en to English.
Anything outside the subset is an error naming the sheet, the row and the problem.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from surveyapp.definitions.loader import Problem, QuestionnaireError, parse_definition
from surveyapp.domain.kinds import LIKERT_LIST, REGISTRY, YESNO_LIST, kind_for_xlsform, kind_of
from surveyapp.domain.questionnaire import LANGUAGES, Questionnaire, Text

LANGUAGE_NAMES = {"zh_Hans": "简体中文 (zh-Hans)", "zh_Hant": "繁體中文 (zh-Hant)", "en": "English (en)"}
_CODE_TO_LANG = {
    "zh-hans": "zh_Hans", "zh_hans": "zh_Hans", "zh-cn": "zh_Hans", "zh": "zh_Hans",
    "zh-hant": "zh_Hant", "zh_hant": "zh_Hant", "zh-tw": "zh_Hant", "zh-hk": "zh_Hant",
    "en": "en", "en-us": "en", "en-gb": "en",
}  # fmt: skip

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

_RELEVANT_PATTERNS = [
    (re.compile(r"^\$\{(\w+)\}\s*=\s*'([^']*)'$"), "equals"),
    (re.compile(r"^\$\{(\w+)\}\s*!=\s*'([^']*)'$"), "not_equals"),
    (re.compile(r"^selected\(\s*\$\{(\w+)\}\s*,\s*'([^']*)'\s*\)$"), "selected"),
]
_RED_LINE = re.compile(r"^\.\s*(!=|=|>|<)\s*('([^']*)'|-?\d+(?:\.\d+)?)$")
_RED_LINE_OPS = {"=": "equals", "!=": "not_equals", ">": "above", "<": "below"}
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"no", "false", "false()", "0", ""}


class _Sheet:
    """Rows of one worksheet as dicts keyed by lower-case header, with their row numbers."""

    def __init__(self, name: str, worksheet):
        self.name = name
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        self.columns = [str(h).strip() if h is not None else "" for h in header]
        self.rows: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            row = {}
            for column, value in zip(self.columns, values, strict=False):
                if column:
                    row[column.lower()] = value.strip() if isinstance(value, str) else value
            self.rows.append((number, row))


def _lang_of(suffix: str) -> str | None:
    match = re.search(r"\(([^)]+)\)\s*$", suffix)
    code = (match.group(1) if match else suffix).strip().lower()
    return _CODE_TO_LANG.get(code)


class _Reader:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, sheet: str, row: int | None, field: str, message: str) -> None:
        where = f"sheet {sheet}" + (f", row {row}" if row else "")
        self.problems.append(Problem(self.source, where, field, message))

    def texts(self, sheet: _Sheet, row: dict, number: int, prefix: str, required: bool = True) -> dict | None:
        """The {language: text} of the ``prefix::<language>`` columns of a row."""
        values = {}
        for column in sheet.columns:
            if column.lower().startswith(prefix + "::"):
                lang = _lang_of(column.split("::", 1)[1])
                if lang is None:
                    self.problem(
                        sheet.name,
                        None,
                        column,
                        "unknown language; use zh-Hans, zh-Hant or en in parentheses",
                    )
                    continue
                value = row.get(column.lower())
                if value not in (None, ""):
                    values[lang] = str(value)
        if not values and not required:
            return None
        if not values and prefix in row and row[prefix] not in (None, ""):
            self.problem(sheet.name, number, prefix, f"needs one {prefix}::<language> column per language")
        return values

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
        try:
            return float(value)
        except (TypeError, ValueError):
            self.problem(sheet, row, field, f"must be a number, got {value!r}")
            return None


def read_xlsform(path_or_bytes: str | Path | bytes, source: str | None = None) -> dict[str, Any]:
    """Read an XLSForm workbook into a plain definition dict; raise ``QuestionnaireError``."""
    source = source or str(path_or_bytes if not isinstance(path_or_bytes, bytes) else "upload.xlsx")
    try:
        handle = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise QuestionnaireError([Problem(source, "file", "-", f"not a readable .xlsx workbook: {exc}")]) from None
    sheets = {ws.title.lower(): _Sheet(ws.title, ws) for ws in workbook.worksheets}
    workbook.close()
    reader = _Reader(source)
    for required in ("survey", "choices", "settings", "dimensions"):
        if required not in sheets:
            reader.problem(required, None, "-", "sheet missing")
    if reader.problems:
        raise QuestionnaireError(reader.problems)
    data = _read(reader, sheets)
    if reader.problems:
        raise QuestionnaireError(reader.problems)
    return data


def import_xlsform(path_or_bytes: str | Path | bytes, source: str | None = None) -> Questionnaire:
    """Read and validate an XLSForm workbook into a questionnaire."""
    source = source or str(path_or_bytes if not isinstance(path_or_bytes, bytes) else "upload.xlsx")
    return parse_definition(read_xlsform(path_or_bytes, source), source)


def _read(reader: _Reader, sheets: dict[str, _Sheet]) -> dict[str, Any]:
    settings_sheet = sheets["settings"]
    settings = settings_sheet.rows[0][1] if settings_sheet.rows else {}
    version = settings.get("version")
    try:
        version = int(version)
    except (TypeError, ValueError):
        reader.problem("settings", 2, "version", f"must be a whole number, got {version!r}")
    data: dict[str, Any] = {
        "key": settings.get("form_id"),
        "version": version,
        "title": reader.texts(settings_sheet, settings, 2, "form_title"),
        "grades": DEFAULT_GRADES,
        "maturity_levels": DEFAULT_MATURITY,
        "likert_labels": DEFAULT_LIKERT,
    }
    description = reader.texts(settings_sheet, settings, 2, "form_description", required=False)
    if description:
        data["description"] = description
    share = reader.number("settings", 2, "min_answered_share", settings.get("min_answered_share"))
    if share is not None:
        data["min_answered_share"] = share

    choices = _read_choices(reader, sheets["choices"])
    if LIKERT_LIST in choices:
        options = choices[LIKERT_LIST]
        if [o["value"] for o in options] != ["1", "2", "3", "4", "5"]:
            reader.problem("choices", None, LIKERT_LIST, "the likert5 list must have the names 1 to 5 in order")
        else:
            data["likert_labels"] = {lang: [o["label"].get(lang, "") for o in options] for lang in LANGUAGES}

    if "grades" in sheets:
        data["grades"] = [
            {
                "key": row.get("key"),
                "min": reader.number("grades", n, "min", row.get("min")),
                "label": reader.texts(sheets["grades"], row, n, "label"),
            }
            for n, row in sheets["grades"].rows
        ]
    if "maturity" in sheets:
        data["maturity_levels"] = [
            {
                "min": reader.number("maturity", n, "min", row.get("min")),
                "label": reader.texts(sheets["maturity"], row, n, "label"),
            }
            for n, row in sheets["maturity"].rows
        ]
    data["dimensions"] = _read_dimensions(reader, sheets)
    for name in ("staff_levels", "staff_posts"):
        if name in sheets:
            data[name] = {row.get("key"): reader.texts(sheets[name], row, n, "label") for n, row in sheets[name].rows}
    if "training" in sheets:
        data["training_modules"] = [
            {
                "key": row.get("key"),
                "title": reader.texts(sheets["training"], row, n, "title"),
                "description": reader.texts(sheets["training"], row, n, "description"),
                "dimensions": str(row.get("dimensions") or "").split(),
                **({"levels": str(row["levels"]).split()} if row.get("levels") else {}),
                **({"posts": str(row["posts"]).split()} if row.get("posts") else {}),
            }
            for n, row in sheets["training"].rows
        ]
    data["parts"] = _read_survey(reader, sheets["survey"], choices, data["title"])
    return data


def _read_choices(reader: _Reader, sheet: _Sheet) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {}
    for number, row in sheet.rows:
        list_name = row.get("list_name") or row.get("list name")
        if not list_name:
            reader.problem(sheet.name, number, "list_name", "missing")
            continue
        option: dict[str, Any] = {
            "value": str(row.get("name") if row.get("name") is not None else ""),
            "label": reader.texts(sheet, row, number, "label"),
        }
        if isinstance(row.get("name"), float) and row["name"].is_integer():
            option["value"] = str(int(row["name"]))
        score = reader.number(sheet.name, number, "score", row.get("score"))
        if score is not None:
            option["score"] = score
        lists.setdefault(str(list_name), []).append(option)
    return lists


def _read_dimensions(reader: _Reader, sheets: dict[str, _Sheet]) -> list[dict[str, Any]]:
    recommendations: dict[str, dict[str, Any]] = {}
    if "recommendations" in sheets:
        sheet = sheets["recommendations"]
        for number, row in sheet.rows:
            recommendations.setdefault(str(row.get("dimension")), {})[str(row.get("grade"))] = reader.texts(
                sheet, row, number, "text"
            )
    dimensions = []
    sheet = sheets["dimensions"]
    for number, row in sheet.rows:
        key = str(row.get("key") or "")
        entry: dict[str, Any] = {"key": key, "title": reader.texts(sheet, row, number, "label")}
        description = reader.texts(sheet, row, number, "description", required=False)
        if description:
            entry["description"] = description
        weight = reader.number(sheet.name, number, "weight", row.get("weight"))
        if weight is not None:
            entry["weight"] = weight
        if key in recommendations:
            entry["recommendations"] = recommendations[key]
        dimensions.append(entry)
    return dimensions


def _read_survey(reader: _Reader, sheet: _Sheet, choices, form_title) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for number, row in sheet.rows:
        kind_cell = str(row.get("type") or "").strip()
        words = kind_cell.split()
        head = words[0].lower() if words else ""
        if head == "begin_group" or kind_cell.lower() == "begin group":
            if current is not None:
                reader.problem(sheet.name, number, "type", "groups cannot be nested; a group is a part")
            current = {
                "key": row.get("name"),
                "respondent": row.get("respondent") or "staff",
                "title": reader.texts(sheet, row, number, "label"),
                "sections": [],
            }
            hint = reader.texts(sheet, row, number, "hint", required=False)
            if hint:
                current["description"] = hint
            parts.append(current)
            continue
        if head == "end_group" or kind_cell.lower() == "end group":
            if current is None:
                reader.problem(sheet.name, number, "type", "end_group without begin_group")
            current = None
            continue
        if current is None:
            if parts and parts[-1].get("_implicit"):
                current_part = parts[-1]
            else:
                current_part = {
                    "key": "staff",
                    "respondent": "staff",
                    "title": form_title,
                    "sections": [],
                    "_implicit": True,
                }
                parts.append(current_part)
        else:
            current_part = current
        item = _read_item(reader, sheet, number, row, words, choices)
        if item is None:
            continue
        dimension = str(row.get("dimension") or "")
        if not dimension:
            reader.problem(sheet.name, number, "dimension", "every question needs a dimension")
        sections = current_part["sections"]
        if not sections or sections[-1]["dimension"] != dimension:
            sections.append({"dimension": dimension, "items": []})
        sections[-1]["items"].append(item)
    for part in parts:
        part.pop("_implicit", None)
    return parts


def _read_item(reader: _Reader, sheet: _Sheet, number: int, row: dict, words: list[str], choices) -> dict | None:
    name = row.get("name")
    where = (sheet.name, number)
    head = words[0].lower() if words else ""
    item: dict[str, Any] = {"key": name, "text": reader.texts(sheet, row, number, "label")}
    override = str(row.get("kind") or "").strip()
    if head in ("select_one", "select_multiple"):
        if len(words) != 2 or words[1] not in choices:
            reader.problem(*where, "type", f"{' '.join(words)!r} names no list of the choices sheet")
            return None
        options = choices[words[1]]
        values = [o["value"] for o in options]
        item["kind"] = kind_for_xlsform(head, words[1], values, any("score" in o for o in options), override)
        if kind_of(item["kind"]).has_options:
            item["options"] = options
    else:
        item["kind"] = kind_for_xlsform(head, None, [], False, override)
        if item["kind"] is None:
            reader.problem(*where, "type", f"unsupported type {' '.join(words) or '(empty)'!r}")
            return None
    overrides = {item["kind"]} | {k.xlsform_kind() for k in REGISTRY.values() if k.xlsform_kind()}
    if override and override not in overrides:
        reader.problem(*where, "kind", f"{override!r} does not fit type {' '.join(words)!r}")

    hint = reader.texts(sheet, row, number, "hint", required=False)
    if hint:
        item["help"] = hint
    basis = reader.texts(sheet, row, number, "basis", required=False)
    if basis:
        item["basis"] = basis
    unit = reader.texts(sheet, row, number, "unit", required=False)
    if unit:
        item["unit"] = unit
    for field in ("required", "reverse", "allow_na"):
        if row.get(field) not in (None, ""):
            value = reader.flag(row.get(field))
            if value is None:
                reader.problem(*where, field, f"must be yes or no, got {row.get(field)!r}")
            elif field == "required" and not value:
                item["required"] = False
            elif field != "required" and value:
                item[field] = True
    weight = reader.number(*where, "weight", row.get("weight"))
    if weight is not None:
        item["weight"] = weight
    for field in ("min", "max"):
        value = reader.number(*where, field, row.get(field))
        if value is not None:
            item[field] = value
    if row.get("bands"):
        item["bands"] = _parse_bands(reader, where, str(row["bands"]))
    if row.get("relevant"):
        condition = _parse_relevant(str(row["relevant"]))
        if condition is None:
            reader.problem(
                *where,
                "relevant",
                f"unsupported expression {row['relevant']!r}; use ${{q}} = 'x', ${{q}} != 'x' or selected(${{q}}, 'x')",
            )
        else:
            item["show_if"] = condition
    if row.get("red_line"):
        match = _RED_LINE.match(str(row["red_line"]).strip())
        if not match:
            reader.problem(
                *where,
                "red_line",
                f"unsupported expression {row['red_line']!r}; use . = 'x', . != 'x', . > n or . < n",
            )
        else:
            op = _RED_LINE_OPS[match.group(1)]
            value: Any = match.group(3) if match.group(3) is not None else float(match.group(2))
            item["red_line"] = {
                "when": {op: value},
                "text": reader.texts(sheet, row, number, "red_line_text"),
            }
    return item


def _parse_relevant(expression: str) -> dict[str, Any] | None:
    for pattern, op in _RELEVANT_PATTERNS:
        match = pattern.match(expression.strip())
        if match:
            return {"item": match.group(1), op: match.group(2)}
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
        + ["required", "relevant", "dimension", "weight", "reverse", "allow_na", "bands", "min", "max"]
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
            survey.append(_survey_row(survey_columns, row, **texts))
        survey.append(_survey_row(survey_columns, {"type": "end_group"}))

    settings = workbook.create_sheet("settings")
    settings.append(
        ["form_id", "version"]
        + _lang_columns("form_title")
        + _lang_columns("form_description")
        + ["min_answered_share"]
    )
    settings.append(
        [questionnaire.key, questionnaire.version]
        + _text_cells(questionnaire.title)
        + _text_cells(questionnaire.description)
        + [questionnaire.min_answered_share]
    )

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
    if item.minimum is not None:
        row["min"] = _fmt(item.minimum)
    if item.maximum is not None:
        row["max"] = _fmt(item.maximum)
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
    }
    if item.red_line:
        condition = item.red_line.condition
        symbol = {op: sym for sym, op in _RED_LINE_OPS.items()}[condition.op]
        numeric = condition.op in ("above", "below")
        value = _fmt(float(condition.value)) if numeric else f"'{condition.value}'"
        row["red_line"] = f". {symbol} {value}"
        texts["red_line_text"] = item.red_line.text
    return row, texts
