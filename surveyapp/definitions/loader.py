"""Read and validate questionnaire definitions.

A definition is a plain dict (from YAML, from an XLSForm workbook, or from the database).
Validation collects every problem it finds; each names the file, where in it (the item key,
the dimension or the top level), the field and what is wrong, so an author can fix a file in
one pass. An unknown item kind or field is an error, never skipped.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from surveyapp.domain.kinds import CHOICE_KINDS, KINDS, REGISTRY, ItemKind
from surveyapp.domain.questionnaire import (
    ARTICLE_PROBLEMS,
    LANGUAGES,
    Band,
    Condition,
    Dimension,
    Grade,
    Item,
    MaturityLevel,
    Option,
    Part,
    Questionnaire,
    RedLine,
    Section,
    Text,
    TrainingModule,
)

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
CONDITION_OPS = ("equals", "not_equals", "selected", "above", "below")
RESPONDENTS = ("staff", "coordinator")

ITEM_FIELDS = {
    "key", "kind", "text", "help", "basis", "why", "required", "allow_na", "reverse", "weight",
    "options", "bands", "red_line", "show_if", "min", "max", "unit",
    "integer", "min_length", "max_length", "constraint_message", "required_message", "default",
    "observable", "serves",
}  # fmt: skip
TOP_FIELDS = {
    "key", "version", "title", "description", "likert_labels", "min_answered_share", "grades",
    "maturity_levels", "dimensions", "parts", "training_modules", "staff_levels", "staff_posts",
    "unscored",
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    source: str
    where: str  # "top level", "item d1_s01", "dimension D1", …
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.where}: {self.field}: {self.message}"


class QuestionnaireError(ValueError):
    """A definition that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Parse a YAML definition file; syntax errors name the file and line."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise QuestionnaireError([Problem(str(path), "file", "-", f"cannot read: {exc.strerror}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc)
        raise QuestionnaireError([Problem(str(path), where, "-", f"not valid YAML: {problem}")]) from None
    if not isinstance(data, dict):
        raise QuestionnaireError([Problem(str(path), "top level", "-", "expected a mapping of fields")])
    return data


def load_file(path: str | Path) -> Questionnaire:
    """Read, validate and build the questionnaire in a YAML file."""
    return parse_definition(read_yaml(path), str(path))


def definition_sha256(data: dict[str, Any]) -> str:
    """A stable digest of a definition, to tell an unchanged reload from a changed one."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_definition(data: dict[str, Any], source: str) -> Questionnaire:
    """Validate ``data`` and build the questionnaire, or raise ``QuestionnaireError``."""
    builder = _Builder(source)
    questionnaire = builder.build(data)
    if builder.problems:
        raise QuestionnaireError(builder.problems)
    return replace(questionnaire, fingerprint=definition_sha256(data))


class _Builder:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, where: str, field: str, message: str) -> None:
        self.problems.append(Problem(self.source, where, field, message))

    # -- small typed readers: they record a problem and return a harmless default ------------

    def text(self, raw: Any, where: str, field: str, required: bool = True) -> Text:
        if raw is None and not required:
            return Text("", "", "")
        if isinstance(raw, str):
            self.problem(where, field, f"needs a text per language ({', '.join(LANGUAGES)}), got one string")
            return Text(raw, raw, raw)
        if not isinstance(raw, dict):
            self.problem(where, field, f"missing; needs a text per language ({', '.join(LANGUAGES)})")
            return Text("", "", "")
        for lang in raw:
            if lang not in LANGUAGES:
                self.problem(where, field, f"unknown language {lang!r} (use {', '.join(LANGUAGES)})")
        values = {}
        for lang in LANGUAGES:
            value = raw.get(lang)
            if not isinstance(value, str) or not value.strip():
                self.problem(where, field, f"missing translation {lang}")
                value = ""
            values[lang] = value.strip()
        return Text(**values)

    def number(self, raw: Any, where: str, field: str, default: float | None = None) -> float | None:
        if raw is None:
            return default
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.problem(where, field, f"must be a number, got {raw!r}")
            return default
        return float(raw)

    def flag(self, raw: Any, where: str, field: str, default: bool) -> bool:
        if raw is None:
            return default
        if not isinstance(raw, bool):
            self.problem(where, field, f"must be true or false, got {raw!r}")
            return default
        return raw

    def score(self, raw: Any, where: str, field: str) -> float | None:
        value = self.number(raw, where, field)
        if value is not None and not 0 <= value <= 100:
            self.problem(where, field, f"score {raw} is out of range 0–100")
        return value

    def key(self, raw: Any, where: str, field: str = "key") -> str:
        if not isinstance(raw, str) or not KEY_PATTERN.match(raw):
            self.problem(where, field, f"{raw!r} is not a valid key (lower-case letters, digits, _)")
            return str(raw)
        return raw

    # -- the definition ------------------------------------------------------------------------

    def build(self, data: dict[str, Any]) -> Questionnaire:
        top = "top level"
        for name in data:
            if name not in TOP_FIELDS:
                self.problem(top, name, "unknown field")
        key = self.key(data.get("key"), top)
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.problem(top, "version", f"must be a whole number ≥ 1, got {version!r}")
            version = 0
        share = self.number(data.get("min_answered_share"), top, "min_answered_share", 0.6)
        if not 0 < share <= 1:
            self.problem(top, "min_answered_share", f"must be above 0 and at most 1, got {share}")

        dimensions = self.dimensions(data.get("dimensions"))
        grades = self.grades(data.get("grades"))
        grade_keys = {grade.key for grade in grades}
        for dimension in dimensions:
            for grade in dimension.recommendations:
                if grade not in grade_keys:
                    self.problem(f"dimension {dimension.key}", "recommendations", f"unknown grade {grade!r}")
        levels = self.labels(data.get("staff_levels"), "staff_levels")
        posts = self.labels(data.get("staff_posts"), "staff_posts")
        parts = self.parts(data.get("parts"), {d.key for d in dimensions})
        return Questionnaire(
            key=key,
            version=version,
            title=self.text(data.get("title"), top, "title"),
            description=self.text(data.get("description"), top, "description", required=False),
            likert_labels=self.likert_labels(data.get("likert_labels")),
            dimensions=tuple(dimensions),
            parts=tuple(parts),
            grades=tuple(grades),
            maturity_levels=tuple(self.maturity(data.get("maturity_levels"))),
            training_modules=tuple(
                self.training(data.get("training_modules"), {d.key for d in dimensions}, levels, posts)
            ),
            min_answered_share=share,
            staff_levels=levels,
            staff_posts=posts,
            unscored=self.flag(data.get("unscored"), top, "unscored", False),
        )

    def likert_labels(self, raw: Any) -> dict[str, tuple[str, ...]]:
        where = "top level"
        if not isinstance(raw, dict):
            self.problem(where, "likert_labels", "missing; needs five labels per language")
            return {lang: ("1", "2", "3", "4", "5") for lang in LANGUAGES}
        labels = {}
        for lang in LANGUAGES:
            value = raw.get(lang)
            if not isinstance(value, list) or len(value) != 5 or not all(isinstance(v, str) and v for v in value):
                self.problem(where, "likert_labels", f"{lang} needs exactly five labels")
                value = ["1", "2", "3", "4", "5"]
            labels[lang] = tuple(value)
        return labels

    def labels(self, raw: Any, field: str) -> dict[str, Text]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem("top level", field, "must map keys to texts")
            return {}
        return {self.key(k, "top level", field): self.text(v, "top level", f"{field}.{k}") for k, v in raw.items()}

    def dimensions(self, raw: Any) -> list[Dimension]:
        if not isinstance(raw, list) or not raw:
            self.problem("top level", "dimensions", "needs at least one dimension")
            return []
        dimensions, seen = [], set()
        for entry in raw:
            if not isinstance(entry, dict):
                self.problem("top level", "dimensions", f"each dimension must be a mapping, got {entry!r}")
                continue
            key = entry.get("key")
            where = f"dimension {key}"
            if not isinstance(key, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", key):
                self.problem(where, "key", f"{key!r} is not a valid dimension key")
            if key in seen:
                self.problem(where, "key", "duplicate dimension key")
            seen.add(key)
            weight = self.number(entry.get("weight"), where, "weight", 1.0)
            if weight <= 0:
                self.problem(where, "weight", f"must be positive, got {weight:g}")
            recommendations = entry.get("recommendations") or {}
            if not isinstance(recommendations, dict):
                self.problem(where, "recommendations", "must map grade keys to texts")
                recommendations = {}
            dimensions.append(
                Dimension(
                    key=str(key),
                    title=self.text(entry.get("title"), where, "title"),
                    description=self.text(entry.get("description"), where, "description", required=False),
                    why=self.text(entry.get("why"), where, "why", required=False),
                    weight=weight,
                    recommendations={
                        grade: self.text(text, where, f"recommendations.{grade}")
                        for grade, text in recommendations.items()
                    },
                )
            )
        return dimensions

    def grades(self, raw: Any) -> list[Grade]:
        if not isinstance(raw, list) or not raw:
            self.problem("top level", "grades", "needs grade bands, each with key, min and label")
            return []
        grades = []
        for entry in raw:
            entry = entry if isinstance(entry, dict) else {}
            where = f"grade {entry.get('key')}"
            minimum = self.score(entry.get("min"), where, "min")
            if minimum is None:
                self.problem(where, "min", "missing")
                minimum = 0.0
            grades.append(
                Grade(self.key(entry.get("key"), where), minimum, self.text(entry.get("label"), where, "label"))
            )
        grades.sort(key=lambda grade: grade.min, reverse=True)
        if grades and grades[-1].min != 0:
            self.problem("top level", "grades", "the lowest grade must start at 0")
        return grades

    def maturity(self, raw: Any) -> list[MaturityLevel]:
        if not isinstance(raw, list) or len(raw) != 5:
            self.problem("top level", "maturity_levels", "needs exactly five levels, each with min and label")
            return []
        levels = []
        for index, entry in enumerate(raw, start=1):
            entry = entry if isinstance(entry, dict) else {}
            where = f"maturity level {index}"
            minimum = self.score(entry.get("min"), where, "min")
            levels.append(MaturityLevel(index, minimum or 0.0, self.text(entry.get("label"), where, "label")))
        if [level.min for level in levels] != sorted(level.min for level in levels) or levels[0].min != 0:
            self.problem("top level", "maturity_levels", "minimums must rise from 0")
        return levels

    def training(self, raw: Any, dimension_keys: set[str], levels, posts) -> list[TrainingModule]:
        modules = []
        for entry in raw or []:
            entry = entry if isinstance(entry, dict) else {}
            where = f"training module {entry.get('key')}"
            dims = tuple(entry.get("dimensions") or ())
            for dim in dims:
                if dim not in dimension_keys:
                    self.problem(where, "dimensions", f"unknown dimension {dim!r}")
            if not dims:
                self.problem(where, "dimensions", "name at least one dimension")
            for field, allowed, values in (
                ("levels", levels, entry.get("levels")),
                ("posts", posts, entry.get("posts")),
            ):
                for value in values or ():
                    if value not in allowed:
                        self.problem(where, field, f"unknown {field[:-1]} {value!r}")
            modules.append(
                TrainingModule(
                    key=self.key(entry.get("key"), where),
                    title=self.text(entry.get("title"), where, "title"),
                    description=self.text(entry.get("description"), where, "description"),
                    dimensions=dims,
                    levels=tuple(entry.get("levels") or ()),
                    posts=tuple(entry.get("posts") or ()),
                )
            )
        return modules

    def parts(self, raw: Any, dimension_keys: set[str]) -> list[Part]:
        if not isinstance(raw, list) or not raw:
            self.problem("top level", "parts", "needs at least one part")
            return []
        parts, seen_items, part_keys = [], set(), set()
        for entry in raw:
            entry = entry if isinstance(entry, dict) else {}
            where = f"part {entry.get('key')}"
            key = self.key(entry.get("key"), where)
            if key in part_keys:
                self.problem(where, "key", "duplicate part key")
            part_keys.add(key)
            respondent = entry.get("respondent")
            if respondent not in RESPONDENTS:
                self.problem(where, "respondent", f"must be one of {', '.join(RESPONDENTS)}, got {respondent!r}")
            sections = []
            earlier: dict[str, Item] = {}
            for section in entry.get("sections") or []:
                section = section if isinstance(section, dict) else {}
                dimension = section.get("dimension")
                if dimension not in dimension_keys:
                    self.problem(where, "sections", f"unknown dimension {dimension!r}")
                items = []
                for raw_item in section.get("items") or []:
                    item = self.item(raw_item, str(dimension), key, earlier, seen_items)
                    if item is not None:
                        items.append(item)
                        earlier[item.key] = item
                if not items:
                    self.problem(where, f"section {dimension}", "has no items")
                sections.append(Section(str(dimension), tuple(items)))
            if not sections:
                self.problem(where, "sections", "needs at least one section")
            parts.append(
                Part(
                    key=key,
                    respondent=str(respondent),
                    title=self.text(entry.get("title"), where, "title"),
                    description=self.text(entry.get("description"), where, "description", required=False),
                    sections=tuple(sections),
                )
            )
        return parts

    def item(self, raw: Any, dimension: str, part: str, earlier: dict[str, Item], seen: set[str]) -> Item | None:
        if not isinstance(raw, dict):
            self.problem(f"part {part}", "items", f"each item must be a mapping, got {raw!r}")
            return None
        key = raw.get("key")
        where = f"item {key}"
        self.key(key, where)
        if key in seen:
            self.problem(where, "key", "duplicate key")
        seen.add(key)
        for name in raw:
            if name not in ITEM_FIELDS:
                self.problem(where, name, "unknown field")
        kind = raw.get("kind")
        rules = REGISTRY.get(kind) if isinstance(kind, str) else None
        if rules is None:
            self.problem(where, "kind", f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        weight = self.number(raw.get("weight"), where, "weight", 1.0)
        if weight <= 0:
            self.problem(where, "weight", f"must be positive, got {weight:g}")
        reverse = self.flag(raw.get("reverse"), where, "reverse", False)
        if reverse and not (rules and rules.reversible):
            reversible = " and ".join(name for name, k in REGISTRY.items() if k.reversible)
            self.problem(where, "reverse", f"only {reversible} items can be reversed")

        options = self.options(raw.get("options"), where, rules)
        bands = self.bands(raw.get("bands"), where, rules)
        show_if = self.condition(raw.get("show_if"), where, "show_if", earlier=earlier)
        red_line = None
        if raw.get("red_line") is not None:
            rule = raw["red_line"] if isinstance(raw["red_line"], dict) else {}
            condition = self.condition(
                {"item": key, **(rule.get("when") or {})} if isinstance(rule.get("when"), dict) else None,
                where,
                "red_line.when",
                rules=rules,
                options=options,
            )
            if condition is not None:
                red_line = RedLine(condition, self.text(rule.get("text"), where, "red_line.text"))

        return Item(
            key=str(key),
            kind=str(kind),
            text=self.text(raw.get("text"), where, "text"),
            dimension=dimension,
            part=part,
            help=self.text(raw.get("help"), where, "help", required=False),
            basis=self.text(raw.get("basis"), where, "basis", required=False),
            why=self.text(raw.get("why"), where, "why", required=False),
            required=self.flag(raw.get("required"), where, "required", True),
            allow_na=self.flag(raw.get("allow_na"), where, "allow_na", False),
            reverse=reverse,
            weight=weight,
            options=options,
            bands=bands,
            red_line=red_line,
            show_if=show_if,
            minimum=self.number(raw.get("min"), where, "min"),
            maximum=self.number(raw.get("max"), where, "max"),
            unit=self.text(raw.get("unit"), where, "unit", required=False),
            observable=self.flag(raw.get("observable"), where, "observable", None),
            serves=self.serves(raw.get("serves"), where),
            **self.xlsform_fields(raw, where, rules, options),
        )

    def serves(self, raw: Any, where: str) -> tuple[str, ...]:
        """The article problems an item serves: a list of distinct names from ``ARTICLE_PROBLEMS``."""
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem(where, "serves", f"must be a list of {', '.join(ARTICLE_PROBLEMS)}, got {raw!r}")
            return ()
        for value in raw:
            if value not in ARTICLE_PROBLEMS:
                self.problem(where, "serves", f"unknown problem {value!r} (use {', '.join(ARTICLE_PROBLEMS)})")
        if len(set(map(str, raw))) != len(raw):
            self.problem(where, "serves", "a problem is listed twice")
        return tuple(str(value) for value in raw)

    def xlsform_fields(self, raw: dict, where: str, rules: ItemKind | None, options) -> dict[str, Any]:
        """integer, min_length/max_length, constraint_message, required_message and default."""
        fields: dict[str, Any] = {
            "integer": self.flag(raw.get("integer"), where, "integer", False),
            "constraint_message": self.text(raw.get("constraint_message"), where, "constraint_message", False),
            "required_message": self.text(raw.get("required_message"), where, "required_message", False),
        }
        if fields["integer"] and not (rules and rules.numeric):
            numeric = " and ".join(name for name, k in REGISTRY.items() if k.numeric)
            self.problem(where, "integer", f"only {numeric} items can be whole numbers")
        for name in ("min_length", "max_length"):
            value = raw.get(name)
            if value is None:
                continue
            if not (rules and rules.has_length):
                with_length = " and ".join(name for name, k in REGISTRY.items() if k.has_length)
                self.problem(where, name, f"only {with_length} items have a length")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.problem(where, name, f"must be a whole number ≥ 0, got {value!r}")
            else:
                fields[name] = value
        if fields.get("min_length", 0) > fields.get("max_length", float("inf")):
            self.problem(where, "min_length", "is above max_length")
        default = raw.get("default")
        if default is not None:
            fields["default"] = self.default(default, where, rules, options, raw)
        return fields

    def default(self, value: Any, where: str, rules: ItemKind | None, options, raw: dict) -> Any:
        """An answer the form starts with; refused when it is not one the item accepts."""
        if rules is None:
            return None  # the unknown kind is already reported
        try:
            return rules.read_default(value, options, raw.get("min"), raw.get("max"))
        except ValueError as exc:
            self.problem(where, "default", str(exc))
            return None

    def options(self, raw: Any, where: str, rules: ItemKind | None) -> tuple[Option, ...]:
        if rules is None or not rules.has_options:
            if raw is not None:
                self.problem(where, "options", f"only {' and '.join(CHOICE_KINDS)} items have options")
            return ()
        if not isinstance(raw, list) or len(raw) < 2:
            self.problem(where, "options", "a choice item needs at least two options")
            return ()
        options, values = [], set()
        for entry in raw:
            entry = entry if isinstance(entry, dict) else {}
            value = str(entry.get("value", ""))
            if not value:
                self.problem(where, "options", "an option has no value")
            if value in values:
                self.problem(where, "options", f"duplicate option value {value!r}")
            values.add(value)
            score = self.score(entry.get("score"), where, f"options.{value}.score")
            exclusive = entry.get("exclusive", False)
            if not isinstance(exclusive, bool):
                self.problem(where, f"options.{value}.exclusive", "must be true or false")
                exclusive = False
            elif exclusive and not (rules is not None and rules.multiple):
                self.problem(where, f"options.{value}.exclusive", "only multi_choice options can be exclusive")
                exclusive = False
            label = self.text(entry.get("label"), where, f"options.{value}.label")
            options.append(Option(value, label, score, exclusive))
        return tuple(options)

    def bands(self, raw: Any, where: str, rules: ItemKind | None) -> tuple[Band, ...]:
        if rules is None or not rules.has_bands:
            if raw is not None:
                self.problem(where, "bands", "only number items have score bands")
            return ()
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.problem(where, "bands", "must be a list of {min and/or max, score}")
            return ()
        bands = []
        for entry in raw:
            entry = entry if isinstance(entry, dict) else {}
            score = self.score(entry.get("score"), where, "bands.score")
            if score is None:
                self.problem(where, "bands.score", "missing")
            bands.append(
                Band(
                    score or 0.0,
                    self.number(entry.get("min"), where, "bands.min"),
                    self.number(entry.get("max"), where, "bands.max"),
                )
            )
        return tuple(bands)

    def condition(self, raw, where, field, *, earlier=None, rules=None, options=()) -> Condition | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or "item" not in raw:
            self.problem(where, field, "must name an item and one test (equals, not_equals, selected, above, below)")
            return None
        tests = [op for op in CONDITION_OPS if op in raw]
        unknown = [name for name in raw if name not in CONDITION_OPS and name != "item"]
        if len(tests) != 1 or unknown:
            self.problem(where, field, f"needs exactly one of {', '.join(CONDITION_OPS)}")
            return None
        op = tests[0]
        target_key = raw["item"]
        if earlier is not None:
            target = earlier.get(target_key)
            if target is None:
                self.problem(where, field, f"points at {target_key!r}, which is not an earlier item of this part")
                return None
            rules, options = REGISTRY.get(target.kind), target.options
        value = raw[op]
        if op in ("above", "below") and (isinstance(value, bool) or not isinstance(value, int | float)):
            self.problem(where, field, f"{op} needs a number, got {value!r}")
        if op == "selected" and not (rules and rules.multiple):
            self.problem(where, field, "selected applies to multi_choice items only")
        if op in ("equals", "not_equals", "selected"):
            allowed = rules.allowed_values(options) if rules else None
            if allowed is not None and str(value) not in allowed:
                self.problem(where, field, f"{value!r} is not a possible answer (one of {', '.join(sorted(allowed))})")
        # Normalise so that a definition read from YAML, XLSX or JSON compares equal.
        if op in ("above", "below"):
            value = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        else:
            value = str(value)
        return Condition(str(target_key), op, value)


def to_definition(questionnaire: Questionnaire) -> dict[str, Any]:
    """The plain-dict definition of a questionnaire (the inverse of ``parse_definition``)."""

    def text(value: Text, optional: bool = False):
        if optional and not any(value.as_dict().values()):
            return None
        return value.as_dict()

    def condition(cond: Condition, include_item: bool = True) -> dict[str, Any]:
        result = {"item": cond.item} if include_item else {}
        result[cond.op] = cond.value
        return result

    def item(it: Item) -> dict[str, Any]:
        out: dict[str, Any] = {"key": it.key, "kind": it.kind, "text": text(it.text)}
        for name in ("help", "basis", "why", "unit"):
            value = text(getattr(it, name), optional=True)
            if value:
                out[name] = value
        if not it.required:
            out["required"] = False
        if it.allow_na:
            out["allow_na"] = True
        if it.reverse:
            out["reverse"] = True
        if it.weight != 1.0:
            out["weight"] = it.weight
        if it.options:
            out["options"] = [
                {
                    "value": o.value,
                    "label": text(o.label),
                    **({"score": o.score} if o.score is not None else {}),
                    **({"exclusive": True} if o.exclusive else {}),
                }
                for o in it.options
            ]
        if it.bands:
            out["bands"] = [
                {
                    **({"min": b.min} if b.min is not None else {}),
                    **({"max": b.max} if b.max is not None else {}),
                    "score": b.score,
                }
                for b in it.bands
            ]
        if it.red_line:
            out["red_line"] = {
                "when": condition(it.red_line.condition, False),
                "text": text(it.red_line.text),
            }
        if it.show_if:
            out["show_if"] = condition(it.show_if)
        if it.minimum is not None:
            out["min"] = it.minimum
        if it.maximum is not None:
            out["max"] = it.maximum
        if it.integer:
            out["integer"] = True
        for name in ("min_length", "max_length", "default"):
            if getattr(it, name) is not None:
                out[name] = getattr(it, name)
        for name in ("constraint_message", "required_message"):
            value = text(getattr(it, name), optional=True)
            if value:
                out[name] = value
        if it.observable is not None:
            out["observable"] = it.observable
        if it.serves:
            out["serves"] = list(it.serves)
        return out

    data: dict[str, Any] = {
        "key": questionnaire.key,
        "version": questionnaire.version,
        "title": text(questionnaire.title),
        "min_answered_share": questionnaire.min_answered_share,
        "likert_labels": {lang: list(labels) for lang, labels in questionnaire.likert_labels.items()},
        "grades": [{"key": g.key, "min": g.min, "label": text(g.label)} for g in questionnaire.grades],
        "maturity_levels": [{"min": m.min, "label": text(m.label)} for m in questionnaire.maturity_levels],
        "dimensions": [
            {
                "key": d.key,
                "title": text(d.title),
                **({"description": text(d.description)} if text(d.description, True) else {}),
                **({"why": text(d.why)} if text(d.why, True) else {}),
                "weight": d.weight,
                "recommendations": {grade: text(t) for grade, t in d.recommendations.items()},
            }
            for d in questionnaire.dimensions
        ],
        "parts": [
            {
                "key": p.key,
                "respondent": p.respondent,
                "title": text(p.title),
                **({"description": text(p.description)} if text(p.description, True) else {}),
                "sections": [{"dimension": s.dimension, "items": [item(i) for i in s.items]} for s in p.sections],
            }
            for p in questionnaire.parts
        ],
    }
    if text(questionnaire.description, True):
        data["description"] = text(questionnaire.description)
    if questionnaire.unscored:
        data["unscored"] = True
    if questionnaire.staff_levels:
        data["staff_levels"] = {k: text(v) for k, v in questionnaire.staff_levels.items()}
    if questionnaire.staff_posts:
        data["staff_posts"] = {k: text(v) for k, v in questionnaire.staff_posts.items()}
    if questionnaire.training_modules:
        data["training_modules"] = [
            {
                "key": m.key,
                "title": text(m.title),
                "description": text(m.description),
                "dimensions": list(m.dimensions),
                **({"levels": list(m.levels)} if m.levels else {}),
                **({"posts": list(m.posts)} if m.posts else {}),
            }
            for m in questionnaire.training_modules
        ]
    return data
