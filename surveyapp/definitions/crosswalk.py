"""Read and check a version crosswalk file (``surveyapp/questionnaires/crosswalks/<key>-<a>-<b>.yaml``).

Format (see the shipped file's comments): ``key``, ``from_version``, ``to_version``, ``dimensions`` (older →
newer key, one to one) and ``items``: rows ``{v1: key, v2: key | [keys], status, changes}`` where ``v1`` names the
older version's item and ``v2`` the newer's, whatever the version numbers. ``check_crosswalk`` compares it with both
questionnaires: each older item appears once, each newer item once, every key exists, every dimension maps.
Problems raise ``CrosswalkError`` listing all of them, naming the file and the item.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from surveyapp.domain.crosswalk import CHANGES, STATUSES, Crosswalk, ItemMapping
from surveyapp.domain.questionnaire import Questionnaire


class CrosswalkError(ValueError):
    """A crosswalk that cannot be used; the message lists every problem."""


def _keys(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    return tuple(str(k) for k in raw) if isinstance(raw, list) else (str(raw),)


def read_crosswalk(path: str | Path) -> Crosswalk:
    """The crosswalk in a YAML file; ``CrosswalkError`` when a row is malformed."""
    source = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CrosswalkError(f"{source}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise CrosswalkError(f"{source}: expected a mapping")
    problems = []
    rows = []
    for index, raw in enumerate(data.get("items") or [], start=1):
        raw = raw if isinstance(raw, dict) else {}
        row = ItemMapping(_keys(raw.get("v1")), _keys(raw.get("v2")), str(raw.get("status")), _keys(raw.get("changes")))
        where = f"{source}: row {index} ({', '.join(row.source + row.target) or '?'})"
        if row.status not in STATUSES:
            problems.append(f"{where}: status must be one of {', '.join(STATUSES)}")
        expected = {"same": (1, 1), "new": (0, 1), "retired": (1, 0)}.get(row.status)
        if expected and (min(len(row.source), 1), min(len(row.target), 1)) != expected:
            problems.append(f"{where}: a {row.status} row names {'one' if expected[0] else 'no'} v1 item and "
                            f"{'one' if expected[1] else 'no'} v2 item")  # fmt: skip
        if row.status == "same" and (len(row.source), len(row.target)) != (1, 1):
            problems.append(f"{where}: a same row maps one item to one item")
        if row.status == "changed" and not (row.source and row.target and row.changes):
            problems.append(f"{where}: a changed row names both items and how they changed")
        if row.status != "changed" and row.changes:
            problems.append(f"{where}: only a changed row lists changes")
        for change in row.changes:
            if change not in CHANGES:
                problems.append(f"{where}: unknown change {change!r} (use {', '.join(CHANGES)})")
        rows.append(row)
    dimensions = data.get("dimensions")
    if not isinstance(dimensions, dict) or not dimensions:
        problems.append(f"{source}: dimensions must map each older dimension to a newer one")
        dimensions = {}
    versions = data.get("from_version"), data.get("to_version")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in versions) or versions[0] >= versions[1]:
        problems.append(f"{source}: from_version and to_version must be whole numbers, the first below the second")
    if problems:
        raise CrosswalkError("\n".join(problems))
    return Crosswalk(str(data.get("key")), versions[0], versions[1], dict(dimensions), tuple(rows))


def check_crosswalk(crosswalk: Crosswalk, older: Questionnaire, newer: Questionnaire) -> None:
    """Raise ``CrosswalkError`` unless ``crosswalk`` covers ``older`` → ``newer`` exactly (see module doc)."""
    problems = []
    if (older.key, older.version, newer.key, newer.version) != (
        crosswalk.key, crosswalk.from_version, crosswalk.key, crosswalk.to_version,
    ):  # fmt: skip
        problems.append(f"the crosswalk is for {crosswalk.key} {crosswalk.from_version} → {crosswalk.to_version}")
    for name, questionnaire, listed in (
        ("v1", older, [k for row in crosswalk.items for k in row.source]),
        ("v2", newer, [k for row in crosswalk.items for k in row.target]),
    ):
        keys = [item.key for item in questionnaire.items]
        for key in sorted(set(keys) - set(listed)):
            problems.append(f"{name} item {key} is missing from the crosswalk")
        for key in sorted(set(listed) - set(keys)):
            problems.append(f"{name} item {key} does not exist in version {questionnaire.version}")
        for key in sorted({k for k in listed if listed.count(k) > 1}):
            problems.append(f"{name} item {key} is listed more than once")
    older_dims = [d.key for d in older.dimensions]
    newer_dims = [d.key for d in newer.dimensions]
    if sorted(crosswalk.dimensions) != sorted(older_dims) or sorted(crosswalk.dimensions.values()) != sorted(
        newer_dims
    ):
        problems.append("dimensions must map each dimension of the older version to one of the newer, one to one")
    if problems:
        raise CrosswalkError("\n".join(problems))
