"""The file that maps a questionnaire version's observable items to the inspector's checks
(``questionnaires/observations/<key>-<version>.yaml``): read, validate, check against the version.

Pure: YAML only. Every problem names the file and the item.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from surveyapp.domain.inspection import ANSWER_WAYS, CHECKS
from surveyapp.domain.kinds import check_answer

OBSERVATIONS_DIR = Path(__file__).resolve().parent.parent / "questionnaires" / "observations"


class ObservationMapError(ValueError):
    pass


@dataclass(frozen=True)
class ObservedItem:
    item: str
    check: str
    answer: str  # one of ANSWER_WAYS


@dataclass(frozen=True)
class ObservationMap:
    key: str
    version: int
    items: tuple[ObservedItem, ...]


def read_observation_map(path: Path) -> ObservationMap:
    """Read and validate one mapping file; raises ``ObservationMapError`` naming the file and item."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    name = Path(path).name
    if not isinstance(data, dict) or not isinstance(data.get("items"), dict):
        raise ObservationMapError(f"{name}: needs key, version and items")
    items = []
    for item, spec in data["items"].items():
        if not isinstance(spec, dict) or spec.get("check") not in CHECKS or spec.get("answer") not in ANSWER_WAYS:
            raise ObservationMapError(f"{name}: {item}: check must be one of {sorted(CHECKS)}, answer one of "
                                      f"{list(ANSWER_WAYS)}")  # fmt: skip
        items.append(ObservedItem(str(item), spec["check"], spec["answer"]))
    return ObservationMap(str(data.get("key")), int(data.get("version", 0)), tuple(items))


def observation_map_for(key: str, version: int) -> ObservationMap | None:
    """The shipped mapping of ``key`` version ``version``, or None when that version has none (read once
    per process and file version)."""
    path = OBSERVATIONS_DIR / f"{key}-{version}.yaml"
    if not path.is_file():
        return None
    return _read_cached(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _read_cached(path: Path, _mtime: int) -> ObservationMap:
    return read_observation_map(path)


def check_against(mapping: ObservationMap, questionnaire) -> list[str]:
    """Problems of a mapping against its questionnaire: unknown items, items not marked observable, and
    answer ways that do not fit the item's kind (days/count need a number, yes_when_fail a yes/no item)."""
    problems = []
    items = {item.key: item for part in questionnaire.parts for item in part.items}
    for observed in mapping.items:
        item = items.get(observed.item)
        if item is None:
            problems.append(f"{observed.item}: no such item in {questionnaire.key} {questionnaire.version}")
            continue
        if item.observable is not True:
            problems.append(f"{observed.item}: not marked observable")
        samples = ("yes", "no") if observed.answer == "yes_when_fail" else (0, 15)
        if any(check_answer(item, sample) for sample in samples) or check_answer(item, "not-a-value") is None:
            problems.append(f"{observed.item}: its answers do not fit {observed.answer}")
    return problems
