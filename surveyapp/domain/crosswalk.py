"""Version crosswalk: how the items and dimensions of one questionnaire version map to the next.

A crosswalk from version *a* to *b* lists each item of *a* once (``same``, ``changed`` or ``retired``) and each
item of *b* once (as the target of an *a* item, or ``new``); ``changes`` says how a changed item changed
(``wording``, ``not_applicable``, ``options``, ``scoring``, ``red_line``, ``kind``, ``split``). Dimensions map one
to one, which is what lets a trend cross the change of version: dimension scores and the overall index (their
weighted mean) are compared; item scores only where an item is ``same``.

Pure: no Flask, no database. Read from a file by ``definitions.crosswalk``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

STATUSES = ("same", "changed", "new", "retired")
CHANGES = ("wording", "not_applicable", "options", "scoring", "red_line", "kind", "split")


def natural_key(key: str) -> tuple:
    """A sort key that orders the numbers inside an item key by value: ``d3_c09`` < ``d3_c10`` < ``d10_c01``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key))


@dataclass(frozen=True)
class ItemMapping:
    """One row: ``source`` keys in the older version (empty when new), ``target`` keys in the newer (empty when
    retired), the ``status`` and, for a changed item, the ``changes``."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    status: str
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Crosswalk:
    key: str
    from_version: int
    to_version: int
    dimensions: Mapping[str, str]  # older dimension key → newer dimension key
    items: tuple[ItemMapping, ...]

    def counts(self) -> dict[str, int]:
        """Rows per status, in ``STATUSES`` order, e.g. ``{"same": 35, "changed": 29, "new": 31, "retired": 0}``."""
        return {status: sum(row.status == status for row in self.items) for status in STATUSES}

    def comparable_items(self) -> dict[str, str]:
        """Older item key → newer item key for the items whose answers compare directly (status ``same``)."""
        return {row.source[0]: row.target[0] for row in self.items if row.status == "same"}

    def in_key_order(self) -> Crosswalk:
        """The same crosswalk with its rows in ``natural_key`` order of the item they name (the older key, or
        the newer one for a new item), so ``d3_c09`` comes before ``d3_c10`` and a new item sits among its
        dimension's items. (The questionnaire's own order may deliberately differ; a diff is read by key.)"""
        return replace(
            self, items=tuple(sorted(self.items, key=lambda row: natural_key((row.source or row.target)[0])))
        )

    def lines(self) -> list[str]:
        """The crosswalk as text lines (the ``flask questionnaire diff`` output)."""
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        out = [f"{self.key}: version {self.from_version} → {self.to_version}: {counts}", "dimensions:"]
        out += [f"  {a} → {b}" for a, b in self.dimensions.items()]
        out.append("items:")
        for row in self.items:
            source = ", ".join(row.source) or "-"
            target = ", ".join(row.target) or "-"
            how = f" ({', '.join(row.changes)})" if row.changes else ""
            out.append(f"  {row.status:<8} {source:<10} → {target}{how}")
        return out


# -- tracing a newer key back through a chain of crosswalks ---------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """How one item of the newer version reads in an older one: ``key`` there when every step of the chain
    maps it as ``same`` (its results compare), else ``None`` with the ``status`` of the step that breaks it
    (``changed`` or ``new``) and, for a changed item, its ``changes``. ``status`` is ``same`` when it compares
    and ``unknown`` when a crosswalk of the chain is missing."""

    key: str | None
    status: str
    changes: tuple[str, ...] = ()
    version: int | None = None  # the version where it changed or was new (None when it compares)

    @property
    def comparable(self) -> bool:
        return self.key is not None


def trace_item(chain: Sequence[Crosswalk] | None, key: str) -> Trace:
    """``key`` (an item of the newest version of ``chain``) in the oldest version of ``chain``. ``chain``: the
    crosswalks from the older version to the newer, oldest first, one per step (empty: the same version,
    so the item compares as itself); ``None`` when a step has no crosswalk (nothing compares)."""
    if chain is None:
        return Trace(None, "unknown")
    for crosswalk in reversed(chain):
        row = next((r for r in crosswalk.items if key in r.target), None)
        if row is None or row.status != "same":
            return Trace(None, row.status if row else "new", row.changes if row else (), crosswalk.to_version)
        key = row.source[0]
    return Trace(key, "same")


def trace_dimension(chain: Sequence[Crosswalk] | None, key: str) -> str | None:
    """``key`` (a dimension of the newest version of ``chain``) in its oldest version, through each step's one
    to one dimension mapping; ``None`` when a step does not map it or has no crosswalk (``chain`` as in
    ``trace_item``)."""
    if chain is None:
        return None
    for crosswalk in reversed(chain):
        back = {newer: older for older, newer in crosswalk.dimensions.items()}
        if key not in back:
            return None
        key = back[key]
    return key
