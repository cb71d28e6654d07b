"""Rectification items (整改事项): open, report, review, close, reopen, remind, carry across rounds.

The rules (statuses, transitions, default due dates) are in ``domain/rectification.py``; this module owns
the transactions: every transition writes the item, one ``RectificationEvent`` (who, when, comment,
evidence) and one audit record, and commits once. Items are about departments: their sources are the
department's aggregate results (declared red lines, dimensions below the pass line), an inspector's
observation or an administrator's hand, never a person's answers (CONFIDENTIALITY_RULE unchanged).

Entry points for the inspector (plain data in, no Flask request needed):
  * ``open_from_finding(round_, department, finding, snapshot_ref=…)`` opens (or returns the still open)
    item for a failed check;
  * ``recheck_from_observation(item, passed, snapshot_ref)`` closes it when the observation passes and
    reopens it when a closed item fails again, with the snapshot as evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from surveyapp.definitions.workdays import working_calendar
from surveyapp.domain import rectification as rules
from surveyapp.domain.clock import UnknownYear, WorkingCalendar
from surveyapp.extensions import db
from surveyapp.localtime import to_local
from surveyapp.models import AssessmentRound, Organisation, RectificationEvent, RectificationItem, ReminderSend, User
from surveyapp.models.base import utcnow
from surveyapp.permissions import Role
from surveyapp.services.audit import record_event

log = logging.getLogger(__name__)

SOURCE_NAMES = {
    rules.RED_LINE: _l("red line"),
    rules.DIMENSION_BELOW_PASS: _l("dimension below the pass line"),
    rules.INSPECTOR_CHECK: _l("inspector check"),
    rules.MANUAL: _l("opened by hand"),
}
STATUS_NAMES = {
    rules.OPEN: _l("open"),
    rules.SUBMITTED: _l("submitted"),
    rules.ACCEPTED: _l("accepted"),
    rules.RETURNED: _l("returned"),
    rules.OVERDUE: _l("overdue"),
    rules.CLOSED: _l("closed"),
}
ACTION_NAMES = {
    "open": _l("opened"),
    rules.SUBMIT: _l("submitted"),
    rules.ACCEPT: _l("accepted"),
    rules.RETURN: _l("returned"),
    rules.MARK_OVERDUE: _l("became overdue"),
    rules.CLOSE: _l("closed"),
    rules.REOPEN: _l("reopened"),
    "observe": _l("observed"),
    "due": _l("due date changed"),
}


class RectificationError(ValueError):
    """A request about a rectification item that cannot be carried out; the message is for the user."""


@lru_cache(maxsize=1)
def _calendar() -> WorkingCalendar:
    return working_calendar()


def local_today(now: datetime | None = None) -> date:
    """Today in the agency's time zone."""
    return to_local(now or utcnow()).date()


def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


def source_name(source: str) -> str:
    return str(SOURCE_NAMES.get(source, source))


def action_name(action: str) -> str:
    return str(ACTION_NAMES.get(action, action))


def item_title(item: RectificationItem, lang: str) -> str:
    """The item's title in ``lang``: the questionnaire's words for a red line or dimension (three
    languages), else the title it was opened with."""
    try:
        questionnaire = item.round.questionnaire
        if item.source == rules.RED_LINE:
            return questionnaire.item(item.reference).text.get(lang)
        if item.source == rules.DIMENSION_BELOW_PASS:
            return questionnaire.dimension(item.reference).title.get(lang)
        if item.source == rules.INSPECTOR_CHECK:
            return _check_title(item, lang)
    except (KeyError, StopIteration):
        pass
    return item.title


def item_detail(item: RectificationItem, lang: str) -> str:
    """The item's detail in ``lang``: an inspector finding's detail through the inspector's words (its fixed
    English forms, e.g. "40 days old (metadata)", translated); any other detail as written."""
    if item.source != rules.INSPECTOR_CHECK or not item.detail:
        return item.detail or ""
    from surveyapp.services.inspection_words import detail_words

    with force_locale(lang):
        return str(detail_words(rules.inspector_check_of(item.reference), item.detail))


def _check_title(item: RectificationItem, lang: str) -> str:
    """An inspector item's title in ``lang``: the check's name and the address it was observed on."""
    from surveyapp.services.inspection_words import CHECK_WORDS

    check = rules.inspector_check_of(item.reference)
    if check not in CHECK_WORDS:
        return item.title
    with force_locale(lang):
        name = str(CHECK_WORDS[check])
    where = item.title.split(": ", 1)[1] if ": " in item.title else item.reference[len(check) :].strip()
    return f"{name}: {where}" if where else name


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        raise RectificationError(_l("Evidence links must be web addresses starting with http:// or https://."))
    return url


def _check_owner(owner: User | None, department: Organisation) -> User | None:
    if owner is None:
        return None
    if not owner.active or owner.organisation_id != department.id or owner.role != Role.COORDINATOR:
        raise RectificationError(_l("The owner must be an active coordinator of the department."))
    return owner


def default_owner(department: Organisation) -> User | None:
    """The department's first active coordinator (by e-mail), or None."""
    return db.session.scalars(
        select(User)
        .where(User.organisation_id == department.id, User.role == Role.COORDINATOR.value, User.active.is_(True))
        .order_by(User.email)
        .limit(1)
    ).first()


def coordinators_of(department: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == department.id, User.role == Role.COORDINATOR.value, User.active.is_(True))
            .order_by(User.email)
        )
    )


class DueDateUnknown(RectificationError):
    """The due date reaches a year without a holiday schedule: it cannot be counted, only given."""


def _due(source: str, opened: date, working_days: int | None) -> date:
    try:
        return rules.default_due(source, opened, _calendar(), working_days)
    except UnknownYear as exc:
        raise DueDateUnknown(
            _l(
                "The due date cannot be counted: no holiday schedule for %(year)s is known yet (add it to "
                "surveyapp/calendars/workdays.yaml). Give a due date instead.",
                year=exc.year,
            )
        ) from None
    except ValueError:
        raise RectificationError(_l("The number of working days must be a whole number of at least 1.")) from None


def _given_due(opened: date, due_on: date) -> date:
    """A due date given by hand, checked: at most ``rules.MAX_DUE_DAYS`` after ``opened``, moved to the next
    working day when it falls on a weekend or public holiday (kept as given in a year the calendar does not
    know)."""
    if (due_on - opened).days > rules.MAX_DUE_DAYS:
        raise RectificationError(_l("The due date can be at most one year after the day the item is opened."))
    try:
        return rules.on_working_day(due_on, _calendar())
    except UnknownYear:
        return due_on


def counted_working_days(item: RectificationItem) -> int | None:
    """The working days from the item's opening day to its due date, or None where the calendar does not know
    a year in between (then no number of working days is claimed: pages, exports and the API leave it out)."""
    try:
        return _calendar().working_days_between(item.opened_on, item.due_on)
    except UnknownYear:
        return None


def _event(item, action, from_status, actor, comment="", evidence_url="", evidence_ref="", at=None, **details):
    event = RectificationEvent(
        item=item, action=action, from_status=from_status, to_status=item.status, actor_id=getattr(actor, "id", None),
        at=at or utcnow(), comment=comment or "", evidence_url=evidence_url or "", evidence_ref=evidence_ref or "",
    )  # fmt: skip
    db.session.add(event)
    record_event(f"rectification.{action}", actor=actor, obj=item, department=item.organisation_id,
                 round=item.round_id, status=item.status, source=item.source, **details)  # fmt: skip
    return event


def _still_open(department: Organisation, source: str, reference: str) -> RectificationItem | None:
    return db.session.scalars(
        select(RectificationItem).where(
            RectificationItem.organisation_id == department.id,
            RectificationItem.source == source,
            RectificationItem.reference == reference,
            RectificationItem.status.not_in(rules.DONE),
        )
    ).first()


def open_item(
    round_: AssessmentRound,
    department: Organisation,
    source: str,
    reference: str,
    title: str,
    *,
    detail: str = "",
    owner: User | None = None,
    working_days: int | None = None,
    actor=None,
    evidence_ref: str = "",
    today: date | None = None,
    due_on: date | None = None,
    commit: bool = True,
) -> tuple[RectificationItem, bool]:
    """Open an item (or return the one still not done for the same department, source and reference).

    ``working_days`` defaults per source (``rules.DEFAULT_WORKING_DAYS``); the due date is counted in
    Chinese working days from ``today`` (the agency's), unless ``due_on`` gives the day.
    Returns ``(item, created)``. Raises
    ``RectificationError`` for a department outside the round, an unknown source, an empty title,
    an owner who is not an active coordinator of the department, or a due date the calendar cannot count."""
    if source not in rules.SOURCES:
        raise RectificationError(_l("Unknown source of a rectification item."))
    if department not in round_.departments:
        raise RectificationError(_l("The department is not in this assessment round."))
    title = (title or "").strip()
    reference = (reference or "").strip()[:200]
    if not title:
        raise RectificationError(_l("A rectification item needs a title."))
    existing = _still_open(department, source, reference) if reference else None
    if existing is not None:
        return existing, False
    owner = _check_owner(owner, department)
    opened = today or local_today()
    days = rules.DEFAULT_WORKING_DAYS[source] if working_days is None else working_days
    if due_on is not None:
        if due_on <= opened:
            raise RectificationError(_l("The due date must be after the day the item is opened."))
        due_on = _given_due(opened, due_on)
        try:
            days = max(1, _calendar().working_days_between(opened, due_on))
        except UnknownYear:
            days = max(1, (due_on - opened).days)  # calendar days where the working days cannot be counted
    item = RectificationItem(
        round_id=round_.id, organisation_id=department.id, source=source, reference=reference, title=title[:500],
        detail=detail or "", owner_id=getattr(owner, "id", None), status=rules.OPEN, opened_on=opened,
        working_days=days, due_on=due_on or _due(source, opened, days),
    )  # fmt: skip
    item.round, item.organisation = round_, department
    db.session.add(item)
    db.session.flush()
    if not reference:
        item.reference = f"manual-{item.id}"
    _event(item, "open", None, actor, comment=detail, evidence_ref=evidence_ref)
    if commit:
        db.session.commit()
    return item, True


def open_from_round_results(
    round_: AssessmentRound,
    department: Organisation,
    actor=None,
    today: date | None = None,
    due_on: date | None = None,
    skipped: list | None = None,
) -> list[RectificationItem]:
    """Open items for the department's red lines and its dimensions below the pass line in ``round_`` (its
    result, as on its scorecard: declared and, by ``INSPECT_COMBINE``, observed red lines); a finding that
    has an item of this round (whatever its status) or a still open one of an earlier round is not opened
    again. A red line the inspector observes failing is left to the inspector's own items when
    ``INSPECT_OPEN_ITEMS`` is on (they are opened, re-checked and closed by observation; a second item for
    the same fault would stay open after the fix). Due dates by source (``rules.DEFAULT_WORKING_DAYS``), or
    ``due_on`` for all. Returns the items created. One commit (nothing is opened when one of them cannot be),
    except that, given a ``skipped`` list, an item whose default due date reaches a year without a holiday
    schedule is left out and listed there as ``(title, message)`` while the others open."""
    from surveyapp.services.scores import department_result_for

    if department not in round_.departments:
        raise RectificationError(_l("The department is not in this assessment round."))
    questionnaire = round_.questionnaire
    result = department_result_for(round_, department.id, current_app.config["MIN_GROUP_SIZE"])
    owner = default_owner(department)
    # The round's results do not change: a finding that already has an item of this round (finished ones
    # included: accepted, closed) is not opened again; still open items of earlier rounds are found by open_item.
    already = set(
        db.session.execute(
            select(RectificationItem.source, RectificationItem.reference).where(
                RectificationItem.round_id == round_.id, RectificationItem.organisation_id == department.id
            )
        ).all()
    )
    inspector_owned = _observed_failing_items(round_, department) if current_app.config.get(
        "INSPECT_OPEN_ITEMS", True) else set()  # fmt: skip
    created = []
    try:
        for hit in result.red_lines:
            if (rules.RED_LINE, hit.item) in already or hit.item in inspector_owned:
                continue
            opened = _open_or_skip(skipped, round_, department, rules.RED_LINE, hit.item, hit.text.get("zh_Hans"),
                                   owner=owner, actor=actor, today=today, due_on=due_on, commit=False)  # fmt: skip
            if opened is not None and opened[1]:
                created.append(opened[0])
        mark = rules.pass_mark(questionnaire.grades)
        for dimension in result.dimensions:
            if mark is None or dimension.score is None or dimension.score >= mark:
                continue
            if (rules.DIMENSION_BELOW_PASS, dimension.key) in already:
                continue
            title = questionnaire.dimension(dimension.key).title.get("zh_Hans")
            opened = _open_or_skip(skipped, round_, department, rules.DIMENSION_BELOW_PASS, dimension.key, title,
                                   detail=f"{dimension.score:.1f} < {mark:g}", owner=owner, actor=actor,
                                   today=today, due_on=due_on, commit=False)  # fmt: skip
            if opened is not None and opened[1]:
                created.append(opened[0])
    except Exception:
        db.session.rollback()  # all or nothing
        raise
    db.session.commit()
    return created


def _open_or_skip(skipped: list | None, round_, department, source, reference, title, **options):
    """``open_item``; with a ``skipped`` list, an item whose due date cannot be counted is listed there
    (``(title, message)``, the message a lazy string) and None returned instead of failing the whole batch."""
    try:
        return open_item(round_, department, source, reference, title, **options)
    except DueDateUnknown as exc:
        if skipped is None:
            raise
        skipped.append((title, exc.args[0]))  # the message, in the reader's language when shown
        return None


def _observed_failing_items(round_: AssessmentRound, department: Organisation) -> set[str]:
    """The questionnaire items whose observation failed in the inspection that counts for ``round_``."""
    from surveyapp.domain.inspection import FAIL
    from surveyapp.services.observed import department_observations

    observed = department_observations(round_, [department.id]).get(department.id)
    return {o.item for o in (observed.observations if observed is not None else ()) if o.status == FAIL}


def open_from_finding(
    round_: AssessmentRound,
    department: Organisation,
    finding: rules.Finding,
    *,
    snapshot_ref: str = "",
    owner: User | None = None,
    working_days: int | None = None,
    actor=None,
    today: date | None = None,
) -> RectificationItem:
    """For the inspector: the item for a failed check (``finding.source`` usually ``inspector_check``,
    ``finding.reference`` the check's id), opened with the observation snapshot as evidence, or the
    item still open for the same check. The owner defaults to the department's first coordinator."""
    item, _created = open_item(
        round_, department, finding.source, finding.reference, finding.title, detail=finding.detail,
        owner=owner or default_owner(department), working_days=working_days, actor=actor,
        evidence_ref=snapshot_ref, today=today,
    )  # fmt: skip
    return item


def transition(
    item: RectificationItem,
    action: str,
    actor=None,
    *,
    comment: str = "",
    evidence_url: str = "",
    evidence_ref: str = "",
    now: datetime | None = None,
    commit: bool = True,
) -> RectificationItem:
    """Apply ``action`` (``rules.SUBMIT`` …) to ``item``: status by ``rules.next_status``, one history
    event and one audit record, one commit. Raises ``RectificationError`` when the action is not allowed
    from the item's status, a required comment is missing or the evidence link is not a web address."""
    comment = (comment or "").strip()
    if action in rules.COMMENT_REQUIRED and not comment:
        raise RectificationError(_l("Say what is missing: a comment is required to return an item."))
    evidence_url = _check_url(evidence_url)
    # Lock the row for the check-and-set on PostgreSQL (two reviewers at once); SQLite serialises writes.
    db.session.refresh(item, with_for_update=db.engine.dialect.name == "postgresql")
    before = item.status
    try:
        item.status = rules.next_status(before, action)
    except rules.TransitionRefused:
        raise RectificationError(
            _l(
                "This item is %(status)s: it cannot be %(action)s now.",
                status=STATUS_NAMES.get(before, before),
                action=ACTION_NAMES.get(action, action),
            )  # fmt: skip
        ) from None
    now = now or utcnow()
    item.updated_at = now
    item.done_at = now if item.status in rules.DONE else None
    _event(item, action, before, actor, comment, evidence_url, evidence_ref, at=now)
    if commit:
        db.session.commit()
    return item


def submit_item(item, actor, comment: str, evidence_url: str = "") -> RectificationItem:
    """The coordinator reports what was done (``comment``), with an evidence link."""
    if not (comment or "").strip():
        raise RectificationError(_l("Describe what was done."))
    return transition(item, rules.SUBMIT, actor, comment=comment, evidence_url=evidence_url)


def review_item(item, actor, accept: bool, comment: str = "") -> RectificationItem:
    """A reviewer accepts the report, or returns it with a comment saying what is missing."""
    return transition(item, rules.ACCEPT if accept else rules.RETURN, actor, comment=comment)


def close_item(item, actor, comment: str) -> RectificationItem:
    if not (comment or "").strip():
        raise RectificationError(_l("Say why the item is closed or reopened."))
    return transition(item, rules.CLOSE, actor, comment=comment)


def reopen_item(item, actor, comment: str, today: date | None = None) -> RectificationItem:
    """Reopen a finished item; it gets a new due date, its working days counted from today."""
    if not (comment or "").strip():
        raise RectificationError(_l("Say why the item is closed or reopened."))
    transition(item, rules.REOPEN, actor, comment=comment, commit=False)
    _restart_clock(item, today or local_today())
    db.session.commit()
    return item


def _restart_clock(item: RectificationItem, opened: date) -> None:
    """A reopened item's working days count again from ``opened``. Where the calendar does not know the
    year they reach, the old due date stays (the item shows as overdue until a reviewer sets a new one)."""
    try:
        due = _due(item.source, opened, item.working_days)
    except RectificationError:
        log.warning("item %s reopened: due date not recounted (holiday schedule unknown)", item.id)
        return
    item.opened_on, item.due_on = opened, due


def recheck_from_observation(
    item: RectificationItem,
    passed: bool,
    snapshot_ref: str,
    *,
    actor=None,
    observed_at: datetime | None = None,
) -> RectificationItem:
    """For the inspector: the outcome of observing the item's check again.

    Passed → the item closes (whatever its step in the workflow), with the snapshot as evidence; failed
    while finished → it reopens with a new due date; otherwise the observation is recorded in its
    history (action ``observe``) and the status stays. One commit."""
    comment = ""  # the action and the snapshot say it; no words stored in one language
    if passed and item.status not in rules.DONE:
        return transition(item, rules.CLOSE, actor, comment=comment, evidence_ref=snapshot_ref, now=observed_at)
    if not passed and item.status in rules.DONE:
        transition(item, rules.REOPEN, actor, comment=comment, evidence_ref=snapshot_ref, now=observed_at,
                   commit=False)  # fmt: skip
        _restart_clock(item, local_today(observed_at))
        db.session.commit()
        return item
    db.session.add(RectificationEvent(item=item, action="observe", from_status=item.status, to_status=item.status,
                                      actor_id=getattr(actor, "id", None), at=observed_at or utcnow(),
                                      comment=comment, evidence_ref=snapshot_ref or ""))  # fmt: skip
    record_event("rectification.observe", actor=actor, obj=item, passed=bool(passed), status=item.status)
    db.session.commit()
    return item


def current_round(department: Organisation) -> AssessmentRound | None:
    """The newest round (by opening time) that includes ``department``: where an observation opens items."""
    return db.session.scalars(
        select(AssessmentRound)
        .where(AssessmentRound.departments.any(Organisation.id == department.id))
        .order_by(AssessmentRound.created_at.desc(), AssessmentRound.id.desc())
        .limit(1)
    ).first()


def _inspector_items(department: Organisation) -> dict[str, list[RectificationItem]]:
    """The department's inspector-check items by reference, newest first (one query for a whole run)."""
    by_reference: dict[str, list[RectificationItem]] = {}
    for item in db.session.scalars(
        select(RectificationItem)
        .where(RectificationItem.organisation_id == department.id, RectificationItem.source == rules.INSPECTOR_CHECK)
        .order_by(RectificationItem.id.desc())
    ):
        by_reference.setdefault(item.reference, []).append(item)
    return by_reference


def follow_observations(
    department: Organisation,
    observations: list[rules.Observation],
    *,
    observed_at: datetime | None = None,
    observed_on: date | None = None,
    open_items: bool = True,
) -> dict[str, list[RectificationItem]]:
    """After an inspection: apply each observation to the department's inspector-check items by the rule
    ``rules.follow_observation`` (close on pass, note or reopen on failure, open a new item for a check that
    never had one, in the department's current round, when ``open_items``). Every change is one
    transition with the snapshot as evidence, audited, and committed on its own: a failure leaves the
    earlier ones done, and running the follow-up again gives the same items (opening is idempotent).
    Returns ``{"opened": [...], "closed": [...], "reopened": [...], "noted": [...]}`` (items) and
    ``"refused"``: ``[(reference, message)]`` for items that could not be opened (a due date the calendar
    cannot count); those are opened by a later run once the calendar knows the year. ``observed_on``: the
    day the observation is about (the run's "as of"); an item opened after it is not moved by it."""
    done: dict[str, list] = {"opened": [], "closed": [], "reopened": [], "noted": [], "refused": []}
    round_ = None
    known = _inspector_items(department) if observations else {}
    for seen in observations:
        items = known.get(seen.reference, [])
        if observed_on is not None and any(i.opened_on > observed_on for i in items):
            continue  # an item was opened after the day observed: this observation says nothing about it
        active = [i for i in items if i.status not in rules.DONE]
        finished = [i for i in items if i.status in rules.DONE]
        step = rules.follow_observation(seen.passed, bool(active), bool(finished))
        if step in (rules.CLOSE_ACTIVE, rules.NOTE_ACTIVE):
            for item in active:
                if step == rules.NOTE_ACTIVE and item.events and item.events[-1].action == "observe":
                    continue  # still failing, already noted since the last move: the history (and the
                    # evidence that retention must keep) does not grow with every scheduled run
                recheck_from_observation(item, seen.passed, seen.evidence_ref, observed_at=observed_at)
                done["closed" if seen.passed else "noted"].append(item)
        elif step == rules.REOPEN_LAST:
            done["reopened"].append(
                recheck_from_observation(finished[0], False, seen.evidence_ref, observed_at=observed_at)
            )
        elif step == rules.OPEN_NEW and open_items:
            round_ = round_ or current_round(department)
            if round_ is None:
                continue  # no round includes the department: nothing to open an item in
            finding = rules.Finding(rules.INSPECTOR_CHECK, seen.reference, seen.title, seen.detail)
            try:
                done["opened"].append(open_from_finding(round_, department, finding, snapshot_ref=seen.evidence_ref))
            except RectificationError as exc:  # e.g. the due date reaches a year without a holiday schedule
                db.session.rollback()
                with force_locale("en"):  # kept for the command line and the job log
                    done["refused"].append((seen.reference, str(exc)))
    return done


def set_due(item, actor, working_days: int | None = None, due_on: date | None = None) -> RectificationItem:
    """Edit the due date: ``working_days`` counted again from the opening day, or a given day (not before
    the opening day). Audited; an overdue item whose new date lies ahead is open again."""
    before, before_due = item.status, item.due_on
    if due_on is not None:
        if due_on < item.opened_on:
            raise RectificationError(_l("The due date cannot be before the day the item was opened."))
        due_on = _given_due(item.opened_on, due_on)
        item.due_on = due_on
        try:
            item.working_days = max(1, _calendar().working_days_between(item.opened_on, due_on))
        except UnknownYear:
            item.working_days = max(1, (due_on - item.opened_on).days)  # calendar days: the year is unknown
    elif working_days is not None:
        item.due_on = _due(item.source, item.opened_on, working_days)
        item.working_days = working_days
    else:
        raise RectificationError(_l("Give a number of working days or a due date."))
    if item.status == rules.OVERDUE and not rules.is_overdue(rules.OPEN, item.due_on, local_today()):
        item.status = rules.OPEN
    item.updated_at = utcnow()
    _event(item, "due", before, actor, comment=item.due_on.isoformat(), due_before=before_due.isoformat(),
           due_after=item.due_on.isoformat())  # fmt: skip
    db.session.commit()
    return item


def effective_status(item: RectificationItem, today: date | None = None) -> str:
    """The item's status, ``overdue`` where the due date has passed and no sweep has flagged it yet."""
    return rules.OVERDUE if rules.is_overdue(item.status, item.due_on, today or local_today()) else item.status


def item_by_id(item_id: int) -> RectificationItem | None:
    return db.session.get(RectificationItem, item_id)


def mark_overdue(today: date | None = None, now: datetime | None = None) -> list[RectificationItem]:
    """Flag every item whose due date passed while the department still had to act (system act, audited)."""
    today = today or local_today(now)
    candidates = db.session.scalars(
        select(RectificationItem).where(
            RectificationItem.status.in_([rules.OPEN, rules.RETURNED]), RectificationItem.due_on < today
        )
    ).all()
    for item in candidates:
        transition(item, rules.MARK_OVERDUE, None, comment=item.due_on.isoformat(), now=now, commit=False)
    if candidates:
        db.session.commit()
    return list(candidates)


# -- reminders (the round reminders' SMTP set-up, limits and ``ReminderSend`` records) ---------------------


def due_overdue_reminders(
    now: datetime | None = None, round_: AssessmentRound | None = None
) -> list[tuple[RectificationItem, User, int]]:
    """Overdue items whose owner (or, without one, each coordinator) may be reminded now: fewer than
    ``REMINDER_MAX_PER_PERSON`` reminders about the item and the last at least ``REMINDER_MIN_HOURS`` ago."""
    from sqlalchemy import func

    now = now or utcnow()
    limit = int(current_app.config["REMINDER_MAX_PER_PERSON"])
    spacing = timedelta(hours=float(current_app.config["REMINDER_MIN_HOURS"]))
    items = db.session.scalars(
        select(RectificationItem).where(RectificationItem.status == rules.OVERDUE).order_by(RectificationItem.id)
    ).all()
    if round_ is not None:  # only the items the round shows (an administrator's round page)
        shown = {item.id for item in items_of_round(round_)}
        items = [item for item in items if item.id in shown]
    history = {
        (item_id, user_id): (count, last)
        for item_id, user_id, count, last in db.session.execute(
            select(ReminderSend.rectification_item_id, ReminderSend.user_id, func.count(),
                   func.max(ReminderSend.sent_at))
            .where(ReminderSend.rectification_item_id.is_not(None))
            .group_by(ReminderSend.rectification_item_id, ReminderSend.user_id)
        )
    }  # fmt: skip
    due = []
    for item in items:
        owners = [item.owner] if item.owner is not None and item.owner.active else coordinators_of(item.organisation)
        for user in owners:
            count, last = history.get((item.id, user.id), (0, None))
            if count < limit and (last is None or now - last >= spacing):
                due.append((item, user, count))
    return due


def overdue_without_recipient(round_: AssessmentRound | None = None) -> list[RectificationItem]:
    """Overdue items nobody can be reminded about: no active owner and no active coordinator in the
    department (reminders skip them; the command and the round page name them so someone assigns an owner)."""
    items = db.session.scalars(
        select(RectificationItem).where(RectificationItem.status == rules.OVERDUE).order_by(RectificationItem.id)
    ).all()
    if round_ is not None:
        shown = {item.id for item in items_of_round(round_)}
        items = [item for item in items if item.id in shown]
    return [
        item
        for item in items
        if not (item.owner is not None and item.owner.active) and not coordinators_of(item.organisation)
    ]


def _item_link(item: RectificationItem) -> str:
    """The item's page as a full address: the request's host when sent from the web, ``BASE_URL`` from the
    command line (as the round reminders do; a relative path cannot be followed from an e-mail)."""
    from flask import has_request_context, url_for

    if has_request_context():
        return url_for("rectification.item", item_id=item.id, _external=True)
    return (current_app.config.get("BASE_URL") or "").rstrip("/") + f"/rectification/{item.id}"


def _reminder_text(item: RectificationItem) -> tuple[str, str]:
    parts, subject = [], ""
    for lang in (current_app.config["BABEL_DEFAULT_LOCALE"], "en"):
        with force_locale(lang):
            title = item_title(item, lang)
            subject = subject or _("Overdue rectification: %(title)s", title=title)
            parts.append("\n".join([
                _("The rectification item %(title)s of %(department)s was due on %(date)s.", title=title,
                  department=item.organisation.name(lang), date=item.due_on.isoformat()),
                _("Please report what was done, with evidence: %(url)s", url=_item_link(item)),
            ]))  # fmt: skip
    return subject, "\n\n----\n\n".join(dict.fromkeys(parts))


def send_overdue_reminders(
    actor=None, now: datetime | None = None, round_: AssessmentRound | None = None
) -> list[tuple[RectificationItem, User]]:
    """Flag overdue items, then e-mail each due reminder (``ReminderSend`` with the item, audit
    ``reminder.send``), committed per message. ``ReminderError`` without an SMTP server."""
    from flask_mailman import EmailMessage

    from surveyapp.services.reminders import ReminderError, mail_configured

    mark_overdue(now=now)
    if not mail_configured():
        raise ReminderError(_l("No SMTP server is configured: download the list as CSV instead."))
    sent = []
    connection = current_app.extensions["mailman"].get_connection()
    with connection:
        for item, user, count in due_overdue_reminders(now, round_):
            subject, body = _reminder_text(item)
            try:
                EmailMessage(subject, body, to=[user.email], connection=connection).send()
            except Exception:  # one bad address must not stop the others
                log.warning("rectification reminder to account %s failed", user.id, exc_info=True)
                continue
            db.session.add(ReminderSend(round_id=item.round_id, user_id=user.id, channel="email",
                                        sent_at=now or utcnow(), rectification_item_id=item.id))  # fmt: skip
            record_event("reminder.send", actor=actor, obj=item, recipient=user.id, channel="email", number=count + 1)
            db.session.commit()
            sent.append((item, user))
    return sent


# -- across rounds ------------------------------------------------------------------------------------------


def previous_round(round_: AssessmentRound, department: Organisation) -> AssessmentRound | None:
    """The department's last round of the same agency before ``round_`` (by opening time)."""
    return next((r for r in _earlier_rounds(round_) if department in r.departments), None)


def _earlier_rounds(round_: AssessmentRound) -> list[AssessmentRound]:
    """The agency's rounds opened before ``round_``, newest first (ties broken by id)."""
    return db.session.scalars(
        select(AssessmentRound)
        .where(
            AssessmentRound.organisation_id == round_.organisation_id,
            AssessmentRound.id != round_.id,
            or_(
                AssessmentRound.created_at < round_.created_at,
                (AssessmentRound.created_at == round_.created_at) & (AssessmentRound.id < round_.id),
            ),
        )
        .order_by(AssessmentRound.created_at.desc(), AssessmentRound.id.desc())
    ).all()


def _shown_in(round_: AssessmentRound):
    """The SQL condition for the items a round shows: opened in it, or carried into it (opened in an earlier
    round of the same agency and not finished before it was opened). The one home of that rule: the round's
    list, its exports and report, and "since last round" (the previous round's items) all use it."""
    earlier_ids = select(AssessmentRound.id).where(
        AssessmentRound.organisation_id == round_.organisation_id,
        or_(
            AssessmentRound.created_at < round_.created_at,
            (AssessmentRound.created_at == round_.created_at) & (AssessmentRound.id < round_.id),
        ),
    )
    return or_(
        RectificationItem.round_id == round_.id,
        RectificationItem.round_id.in_(earlier_ids)
        & or_(RectificationItem.done_at.is_(None), RectificationItem.done_at >= round_.created_at),
    )


def items_of_round(round_: AssessmentRound, department: Organisation | None = None) -> list[RectificationItem]:
    """The items a round shows (``_shown_in``: opened in it and carried into it). Overdue ones are
    flagged first. Ordered by department code, due date."""
    mark_overdue()
    department_ids = [department.id] if department is not None else [d.id for d in round_.departments]
    query = (
        select(RectificationItem)
        .join(Organisation, Organisation.id == RectificationItem.organisation_id)
        .where(RectificationItem.organisation_id.in_(department_ids), _shown_in(round_))
        .order_by(Organisation.code, RectificationItem.due_on, RectificationItem.id)
    )
    return list(db.session.scalars(query))


def since_last_round(round_: AssessmentRound, department: Organisation, lang: str) -> rules.SinceLastRound | None:
    """The items the department's previous round showed (opened in it and carried into it, ``_shown_in``)
    and their states now (scorecard section, comparison column); None when there is no previous round or
    it showed no items."""
    previous = previous_round(round_, department)
    if previous is None:
        return None
    today = local_today()
    items = db.session.scalars(
        select(RectificationItem)
        .where(RectificationItem.organisation_id == department.id, _shown_in(previous))
        .order_by(RectificationItem.due_on, RectificationItem.id)
    ).all()
    if not items:
        return None
    statuses = [effective_status(i, today) for i in items]
    closed, still_open, overdue = rules.since_last_round_counts(statuses)
    with force_locale(lang):
        rows = tuple(
            (item_title(i, lang), status, status_name(status)) for i, status in zip(items, statuses, strict=True)
        )
    return rules.SinceLastRound(previous.name, closed, still_open, overdue, rows)


def since_last_round_by_department(round_: AssessmentRound) -> dict[int, rules.SinceLastRound]:
    """``since_last_round`` for every department of the round that has one (comparison column), in few
    queries: the agency's earlier rounds, then per distinct previous round the items it showed."""
    earlier = _earlier_rounds(round_)
    previous: dict[int, AssessmentRound] = {}
    wanted = {d.id for d in round_.departments}
    for earlier_round in earlier:
        for department in earlier_round.departments:
            if department.id in wanted and department.id not in previous:
                previous[department.id] = earlier_round
        if len(previous) == len(wanted):
            break
    if not previous:
        return {}
    today = local_today()
    departments_of: dict[int, list[int]] = {}
    rounds_by_id: dict[int, AssessmentRound] = {}
    for department_id, earlier_round in previous.items():
        departments_of.setdefault(earlier_round.id, []).append(department_id)
        rounds_by_id[earlier_round.id] = earlier_round
    by_department: dict[int, list[RectificationItem]] = {}
    for round_id, department_ids in departments_of.items():  # one query per distinct previous round
        items = db.session.scalars(
            select(RectificationItem)
            .where(RectificationItem.organisation_id.in_(department_ids), _shown_in(rounds_by_id[round_id]))
            .order_by(RectificationItem.due_on, RectificationItem.id)
        )
        for item in items:
            by_department.setdefault(item.organisation_id, []).append(item)
    result = {}
    for department_id, earlier_round in previous.items():
        found = by_department.get(department_id)
        if not found:
            continue
        statuses = [effective_status(i, today) for i in found]
        closed, still_open, overdue = rules.since_last_round_counts(statuses)
        result[department_id] = rules.SinceLastRound(earlier_round.name, closed, still_open, overdue)
    return result


# -- listing, export, API -------------------------------------------------------------------------------------


def _utc_text(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 that says it is UTC (``2026-11-30T11:42:00+00:00``)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def item_dict(item: RectificationItem, lang: str) -> dict:
    """One item as JSON-ready data (API, export): codes and dates, the title in ``lang``, its history with who
    acted (administrators and coordinators, by e-mail) and times in UTC; no person's answer."""
    return {
        "id": item.id, "round": item.round_id, "department": item.organisation.code, "source": item.source,
        "reference": item.reference, "title": item_title(item, lang), "status": item.status,
        "owner": item.owner.email if item.owner else None, "opened_on": item.opened_on.isoformat(),
        "working_days": counted_working_days(item), "due_on": item.due_on.isoformat(),
        "done_at": _utc_text(item.done_at),
        "history": [
            {"action": e.action, "from": e.from_status, "to": e.to_status, "at": _utc_text(e.at),
             "actor": e.actor.email if e.actor else None, "comment": e.comment, "evidence_url": e.evidence_url,
             "evidence_ref": e.evidence_ref}
            for e in item.events
        ],
    }  # fmt: skip


def export_rows(round_: AssessmentRound, lang: str, department: Organisation | None = None) -> Iterator[list]:
    """The round's items (carried ones included) as spreadsheet rows, header first: plain values (numbers,
    dates, text); the writers (``spreadsheet.csv_chunks``, ``write_xlsx``) make text inert, once."""
    with force_locale(lang):
        yield [_("Number"), _("Department code"), _("Department"), _("Source"), _("Reference"), _("Title"),
               _("Status"), _("Owner"), _("Opened"), _("Working days"), _("Due"), _("Round")]  # fmt: skip
        for item in items_of_round(round_, department):
            row = [item.id, item.organisation.code, item.organisation.name(lang), source_name(item.source),
                   item.reference, item_title(item, lang), status_name(item.status),
                   item.owner.email if item.owner else "", item.opened_on, counted_working_days(item), item.due_on,
                   item.round.name]  # fmt: skip
            yield row


def record_export(round_: AssessmentRound, actor, what: str) -> None:
    record_event("rectification.export", actor=actor, obj=round_, what=what)
    db.session.commit()


# -- the rectification report (GB/T 9704 layout, ``reporting.docx``) --------------------------------------------


def report_data(round_: AssessmentRound, department: Organisation, lang: str, today: date | None = None):
    """The plain data of the department's rectification report for ``round_`` in ``lang``: every item the
    round shows (carried ones included) with the measures reported (submissions), results (accepted or
    closed, with the day and the observation snapshot where there is one) and what is still open."""
    from surveyapp.reporting.docx import RectificationReportData, ReportItem

    today = today or local_today()
    items = items_of_round(round_, department)
    rows = []
    with force_locale(lang):
        for item in items:
            status = effective_status(item, today)
            measures = tuple(
                (to_local(e.at).date().isoformat(), e.comment, e.evidence_url)
                for e in item.events
                if e.action == rules.SUBMIT
            )
            result = ""
            if item.status in rules.DONE and item.done_at is not None:
                last = item.events[-1] if item.events else None
                result = _("%(status)s on %(date)s", status=status_name(item.status),
                           date=to_local(item.done_at).date().isoformat())  # fmt: skip
                if last is not None and last.evidence_ref:
                    result += " · " + _("observation %(ref)s", ref=last.evidence_ref)
            rows.append(ReportItem(
                title=item_title(item, lang), source=source_name(item.source), detail=item_detail(item, lang),
                status=status_name(status), status_key=status, due=item.due_on.isoformat(), measures=measures,
                result=result, found_in=item.round.name if item.round_id != round_.id else "",
            ))  # fmt: skip
    closed, still_open, overdue = rules.since_last_round_counts(r.status_key for r in rows)
    return RectificationReportData(
        lang=lang, issuer=department.name(lang), addressee=round_.organisation.name(lang), round_name=round_.name,
        issued_on=today, items=tuple(rows), counts={"closed": closed, "open": still_open, "overdue": overdue},
    )  # fmt: skip


def rectification_report(round_: AssessmentRound, department: Organisation, lang: str, actor) -> bytes:
    """The department's rectification report as a .docx (GB/T 9704 layout), recorded in the audit log."""
    from surveyapp.reporting.docx import rectification_report_docx

    if department not in round_.departments:
        raise RectificationError(_l("The department is not in this assessment round."))
    content = rectification_report_docx(report_data(round_, department, lang))
    record_event("rectification.report", actor=actor, obj=department, round=round_.id, lang=lang)
    db.session.commit()
    return content
