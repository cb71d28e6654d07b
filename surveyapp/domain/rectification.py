"""Rectification (整改) rules: sources, statuses, the transitions between them, due dates, overdue.

A rectification item says which department must fix what by when. It is opened from a finding (a
red line, a dimension below the pass line, a failed inspector check) or by hand, and moves through
``open → submitted → accepted`` (or ``returned`` and back to ``submitted``); an item from an inspector
check is closed (or reopened) by the next observation. ``overdue`` marks an item whose due date passed
while the department still had to act.

Due dates are counted in Chinese working days (``domain.clock.WorkingCalendar``). The defaults per
source are this project's practice, not a statutory limit (the Regulation sets none for rectification):
the usual 整改通知 asks for a written report within 10 to 30 working days; a red line is the most urgent.
Each item's due date can be edited.

Pure: no Flask, no database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from surveyapp.domain.clock import WorkingCalendar

# -- sources ------------------------------------------------------------------------------------------

RED_LINE = "red_line"
DIMENSION_BELOW_PASS = "dimension_below_pass"  # noqa: S105 (a source name, not a secret)
INSPECTOR_CHECK = "inspector_check"
MANUAL = "manual"
SOURCES = (RED_LINE, DIMENSION_BELOW_PASS, INSPECTOR_CHECK, MANUAL)

#: Working days from opening to the due date, per source (editable per item).
DEFAULT_WORKING_DAYS = {RED_LINE: 10, INSPECTOR_CHECK: 15, MANUAL: 20, DIMENSION_BELOW_PASS: 30}

# -- statuses -----------------------------------------------------------------------------------------

OPEN = "open"
SUBMITTED = "submitted"
ACCEPTED = "accepted"
RETURNED = "returned"
OVERDUE = "overdue"
CLOSED = "closed"
STATUSES = (OPEN, SUBMITTED, ACCEPTED, RETURNED, OVERDUE, CLOSED)
#: The department still has to act (due dates and reminders apply).
AWAITING_DEPARTMENT = frozenset({OPEN, RETURNED, OVERDUE})
#: Finished: nothing more is asked of anyone.
DONE = frozenset({ACCEPTED, CLOSED})

# -- actions ------------------------------------------------------------------------------------------

SUBMIT = "submit"  # the coordinator reports what was done, with evidence
ACCEPT = "accept"  # a reviewer accepts the report
RETURN = "return"  # a reviewer returns it, with a comment
MARK_OVERDUE = "overdue"  # the due date passed while the department had to act (system)
CLOSE = "close"  # closed: an observation found it fixed, or a reviewer closed it (no longer applies)
REOPEN = "reopen"  # an observation found it broken again, or a reviewer reopened it

TRANSITIONS: dict[str, dict[str, str]] = {
    SUBMIT: {OPEN: SUBMITTED, RETURNED: SUBMITTED, OVERDUE: SUBMITTED},
    ACCEPT: {SUBMITTED: ACCEPTED},
    RETURN: {SUBMITTED: RETURNED},
    MARK_OVERDUE: {OPEN: OVERDUE, RETURNED: OVERDUE},
    CLOSE: {OPEN: CLOSED, SUBMITTED: CLOSED, RETURNED: CLOSED, OVERDUE: CLOSED, ACCEPTED: CLOSED},
    REOPEN: {ACCEPTED: OPEN, CLOSED: OPEN},
}
#: Actions that need a comment (a return says what is missing; a manual close or reopen says why).
COMMENT_REQUIRED = frozenset({RETURN})


class TransitionRefused(ValueError):
    """The action is not allowed from the item's status; ``status`` and ``action`` name them."""

    def __init__(self, status: str, action: str):
        self.status, self.action = status, action
        super().__init__(f"cannot {action} an item that is {status}")


def next_status(status: str, action: str) -> str:
    """The status after ``action`` from ``status``. Raises ``TransitionRefused`` when not allowed,
    ``KeyError`` for an unknown action. Example: ``next_status("returned", "submit")`` → ``"submitted"``."""
    target = TRANSITIONS[action].get(status)
    if target is None:
        raise TransitionRefused(status, action)
    return target


def allowed_actions(status: str) -> tuple[str, ...]:
    """Every action that may follow ``status`` (in the order of ``TRANSITIONS``)."""
    return tuple(action for action, moves in TRANSITIONS.items() if status in moves)


def default_due(source: str, opened: date, calendar: WorkingCalendar, working_days: int | None = None) -> date:
    """The due date of an item opened on ``opened``: ``working_days`` (default per source,
    ``DEFAULT_WORKING_DAYS``) working days after it. Raises KeyError for an unknown source,
    ValueError for fewer than 1 day, ``clock.UnknownYear`` beyond the known calendar."""
    days = DEFAULT_WORKING_DAYS[source] if working_days is None else working_days
    return calendar.add_working_days(opened, days)


#: The latest due date that may be given: a year after the item is opened (366 days).
MAX_DUE_DAYS = 366


def on_working_day(due: date, calendar: WorkingCalendar) -> date:
    """``due`` when it is a working day, else the next working day: a limit that ends on a weekend or public
    holiday ends on the next working day (the rule for legal time limits). Raises ``clock.UnknownYear``
    where the calendar does not know ``due``'s year (the caller keeps the date as given)."""
    return due if calendar.is_working_day(due) else calendar.add_working_days(due, 1)


def is_overdue(status: str, due: date, today: date) -> bool:
    """True when the department still has to act and the due day (inclusive) is behind ``today``."""
    return status in AWAITING_DEPARTMENT and today > due


def pass_mark(grades: Iterable) -> float | None:
    """The pass line of an instrument: the lowest minimum above 0 among its grades (``Grade.min``);
    60 for the bundled instrument (合格 ≥ 60). None when the instrument has one band only."""
    minimums = sorted(float(g.min) for g in grades if float(g.min) > 0)
    return minimums[0] if minimums else None


@dataclass(frozen=True)
class Finding:
    """What a rectification item is opened from, as plain data (the inspector's check, a red line …).

    ``reference`` identifies the finding within its source (an item key, a dimension key, a check id);
    with the department and the source it makes an item unique while the item is not done.
    """

    source: str
    reference: str
    title: str
    detail: str = ""


#: Longest reference stored on an item (``RectificationItem.reference``).
REFERENCE_MAX = 200
#: Evidence reference of an inspector snapshot on an item's history event: ``snapshot/<id>``.
SNAPSHOT_PREFIX = "snapshot/"


def inspector_reference(check: str, url: str | None) -> str:
    """The reference of the item for an inspector check on one address: ``"<check> <url>"`` (the same check
    on another column or feed is another item). Addresses too long for the column are replaced by the
    first 16 hex digits of their SHA-256, so the reference stays stable across runs. At most
    ``REFERENCE_MAX`` characters."""
    url = (url or "").strip()
    reference = f"{check} {url}".strip()
    if len(reference) > REFERENCE_MAX:
        reference = f"{check} sha256:{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}"
    return reference


def inspector_check_of(reference: str) -> str:
    """The check name of an inspector reference (its first word)."""
    return (reference or "").split(" ", 1)[0]


def snapshot_id_of(evidence_ref: str | None) -> int | None:
    """The snapshot id in an evidence reference ``snapshot/<id>``; None for any other reference."""
    ref = evidence_ref or ""
    if ref.startswith(SNAPSHOT_PREFIX) and ref[len(SNAPSHOT_PREFIX) :].isdigit():
        return int(ref[len(SNAPSHOT_PREFIX) :])
    return None


@dataclass(frozen=True)
class Observation:
    """What the inspector saw for one item's check: passed or failed, and the snapshot that shows it."""

    reference: str
    passed: bool
    title: str
    detail: str = ""
    evidence_ref: str = ""


#: What one observation does to the items of its reference (``follow_observation``).
OPEN_NEW, CLOSE_ACTIVE, NOTE_ACTIVE, REOPEN_LAST, NOTHING = "open", "close", "note", "reopen", "nothing"


def follow_observation(passed: bool, active: bool, finished: bool) -> str:
    """The rule of the automatic re-check (issue 21): a passing observation closes the items still being
    worked on; a failing one is noted on them, reopens the last finished item when none is active, and
    opens a new item when the check never had one. ``active``: an item of the reference is not done;
    ``finished``: one is done."""
    if passed:
        return CLOSE_ACTIVE if active else NOTHING
    if active:
        return NOTE_ACTIVE
    return REOPEN_LAST if finished else OPEN_NEW


@dataclass(frozen=True)
class SinceLastRound:
    """Counts for the scorecard section "since last round": items of the previous round by state now."""

    previous_round: str
    closed: int
    open: int
    overdue: int
    items: tuple[tuple[str, str, str], ...] = ()  # (title, status key, status label)

    @property
    def total(self) -> int:
        return self.closed + self.open + self.overdue


def since_last_round_counts(statuses: Iterable[str]) -> tuple[int, int, int]:
    """(closed, open, overdue) of the items' current statuses: accepted and closed count as closed,
    overdue as overdue, everything else (open, submitted, returned) as open."""
    closed = still_open = overdue = 0
    for status in statuses:
        if status in DONE:
            closed += 1
        elif status == OVERDUE:
            overdue += 1
        else:
            still_open += 1
    return closed, still_open, overdue
