"""A round's life after it is opened: edit, close (by hand or at its deadline), reopen.

Deadlines are enforced three ways, all ending in ``close_due_rounds`` / ``enforce_deadline``:
RQ's scheduler when ``REDIS_URL`` is set (``schedule_deadline``), ``flask rounds close-due`` from cron
or a systemd timer, and a check on every access (``AssessmentRound.is_open`` is false once the deadline
is reached, and ``refusal_message`` closes the round on the spot). Deadlines are stored as naive UTC and
shown in the agency's time zone through ``surveyapp/localtime.py`` (filters ``localtime`` / ``localdate``).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, or_, select, update

from surveyapp import localtime
from surveyapp.domain import deadlines
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Invitation, Organisation, Response, ResponseStatus, RoundStatus
from surveyapp.models.base import utcnow
from surveyapp.services.audit import record_event
from surveyapp.services.organisations import is_below
from surveyapp.services.rounds import RoundError

log = logging.getLogger(__name__)


# -- time zone: thin calls into surveyapp/localtime.py (the one home for the agency's zone) ---------


def agency_timezone() -> str:
    """The IANA time zone deadlines are chosen and shown in (``TIMEZONE`` / ``SURVEYAPP_TIMEZONE``)."""
    return localtime.agency_zone().key


def local_datetime(instant: datetime | None) -> datetime | None:
    """A stored (naive UTC) instant in the agency's time zone."""
    return None if instant is None else localtime.to_local(instant)


def format_local(instant: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in the agency's time zone ('' for none): ``localtime.format_datetime``."""
    return localtime.format_datetime(instant)


def deadline_from_date(day: date | None) -> datetime | None:
    """The end of ``day`` in the agency's time zone (``localtime.end_of_local_day``), as naive UTC;
    ``RoundError`` when it has passed."""
    if day is None:
        return None
    deadline = localtime.end_of_local_day(day)
    check_future(deadline)
    return deadline


def check_future(deadline: datetime | None) -> None:
    """Deadlines are in the future only (``RoundError`` otherwise)."""
    if deadline is not None and deadline <= utcnow():
        raise RoundError(_l("The deadline must be in the future."), field="deadline")


def days_left(round_: AssessmentRound) -> int | None:
    """Calendar days until the deadline in the agency's time zone (0: last day; None: no deadline)."""
    if round_.deadline is None:
        return None
    return deadlines.days_left(round_.deadline, utcnow(), agency_timezone())


# -- the agency's departments -----------------------------------------------------------------------


def belongs_to(organisation: Organisation, agency: Organisation) -> bool:
    """True when ``organisation`` lies below ``agency`` in the organisation tree (not the agency itself)."""
    return organisation.id != agency.id and is_below(organisation.parent, agency)


def check_departments_in_agency(agency: Organisation, departments: list[Organisation]) -> None:
    """A round asks only departments of its own agency: ``RoundError`` naming the others."""
    outside = [d.code for d in departments if not belongs_to(d, agency)]
    if outside:
        raise RoundError(
            _l(
                "These departments do not belong to the agency %(agency)s: %(codes)s.",
                agency=agency.code,
                codes=", ".join(outside),
            )
        )


def departments_of_agency(agency: Organisation, candidates: list[Organisation]) -> list[Organisation]:
    """Those of ``candidates`` that belong to ``agency``."""
    return [d for d in candidates if belongs_to(d, agency)]


# -- edit -------------------------------------------------------------------------------------------


def responses_by_department(round_: AssessmentRound) -> dict[int, int]:
    """Responses (started or submitted) per department id of a round."""
    rows = db.session.execute(
        select(Response.organisation_id, func.count())
        .where(Response.round_id == round_.id)
        .group_by(Response.organisation_id)
    )
    return {organisation_id: count for organisation_id, count in rows}


def edit_round(
    round_: AssessmentRound,
    actor,
    *,
    name: str | None = None,
    deadline: datetime | None = None,
    clear_deadline: bool = False,
    add: list[Organisation] = (),
    remove: list[Organisation] = (),
) -> AssessmentRound:
    """Change a round's name, deadline and departments, audited, all or nothing.

    Refused (``RoundError``, nothing written): a closed round, a deadline not in the future, a
    department outside the round's agency, removing a department that has responses (the reason
    names it and the count), or leaving no department.
    """
    if round_.status == RoundStatus.CLOSED:
        raise RoundError(_l("A closed round cannot be edited; reopen it first."))
    changes: dict = {}
    if name is not None and name.strip() and name.strip() != round_.name:
        changes["name"] = [round_.name, name.strip()]
    if clear_deadline and round_.deadline is not None:
        changes["deadline"] = [round_.deadline.isoformat(), None]
    elif deadline is not None and deadline != round_.deadline:
        check_future(deadline)
        changes["deadline"] = [round_.deadline.isoformat() if round_.deadline else None, deadline.isoformat()]
    current = {d.id for d in round_.departments}
    add = [d for d in add if d.id not in current]
    check_departments_in_agency(round_.organisation, add)
    remove = [d for d in remove if d.id in current]
    counts = responses_by_department(round_)
    busy = [d for d in remove if counts.get(d.id)]
    if busy:
        raise RoundError(
            lazy_ngettext(
                "%(codes)s cannot be removed: its staff have already started or submitted %(num)d response, "
                "which would be lost.",
                "%(codes)s cannot be removed: its staff have already started or submitted %(num)d responses, "
                "which would be lost.",
                sum(counts[d.id] for d in busy),
                codes=", ".join(d.code for d in busy),
            ),
            field="remove_department_ids",
        )
    if len(current) + len(add) - len(remove) < 1:
        raise RoundError(_l("Choose at least one department."), field="remove_department_ids")
    if "name" in changes:
        round_.name = changes["name"][1]
    if "deadline" in changes:
        round_.deadline = None if clear_deadline else deadline
    for department in add:
        round_.departments.append(department)
    for department in remove:
        round_.departments.remove(department)
    if add:
        changes["added"] = [d.code for d in add]
    if remove:
        changes["removed"] = [d.code for d in remove]
    if changes:
        record_event("round.edit", actor=actor, obj=round_, **changes)
    db.session.commit()
    if "deadline" in changes:
        schedule_deadline(round_)
    return round_


# -- close and reopen -------------------------------------------------------------------------------


def freeze_summary(round_: AssessmentRound) -> dict[str, int]:
    """What closing freezes, for the confirmation page: submitted and draft responses, unused invitation links."""
    by_status = dict(
        db.session.execute(
            select(Response.status, func.count()).where(Response.round_id == round_.id).group_by(Response.status)
        ).all()
    )
    unused = db.session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.round_id == round_.id, Invitation.used_at.is_(None))
    )
    return {
        "submitted": by_status.get(ResponseStatus.SUBMITTED, 0),
        "drafts": by_status.get(ResponseStatus.DRAFT, 0),
        "unused_invitations": unused or 0,
    }


def _close(round_id: int, actor, **details) -> bool:
    """Close in one conditional UPDATE so two closers (a person, the scheduler, an access) record it once."""
    result = db.session.execute(
        update(AssessmentRound)
        .where(AssessmentRound.id == round_id, AssessmentRound.status != RoundStatus.CLOSED)
        .values(status=RoundStatus.CLOSED)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    round_ = db.session.get(AssessmentRound, round_id)
    db.session.refresh(round_)
    record_event("round.close", actor=actor, obj=round_, **details)
    return True


def enforce_deadline(round_: AssessmentRound) -> bool:
    """The check on access: close an open round whose deadline has passed (audited). True when it closed now."""
    if round_.status != RoundStatus.OPEN or not round_.deadline_passed:
        return False
    closed = _close(round_.id, None, reason="deadline", deadline=round_.deadline.isoformat())
    db.session.commit()
    return closed


def close_due_rounds() -> list[AssessmentRound]:
    """Close every open round whose deadline has passed (``flask rounds close-due``, the RQ job). Returns them."""
    due = list(
        db.session.scalars(
            select(AssessmentRound).where(
                AssessmentRound.status == RoundStatus.OPEN,
                AssessmentRound.deadline.is_not(None),
                AssessmentRound.deadline <= utcnow(),
            )
        )
    )
    closed = [r for r in due if _close(r.id, None, reason="deadline", deadline=r.deadline.isoformat())]
    db.session.commit()
    return closed


def refusal_message(round_: AssessmentRound):
    """Why ``round_`` accepts no answers, for the respondent; closes it on the spot when its deadline passed."""
    if round_.deadline_passed:
        enforce_deadline(round_)
    return closed_notice(round_)


def closed_notice(round_: AssessmentRound):
    """Why ``round_`` accepts no answers (deadline passed, or closed), for the respondent; writes nothing."""
    if round_.deadline_passed:
        return _l(
            "The deadline of this round (%(deadline)s) has passed: answers can no longer be saved or submitted.",
            deadline=format_local(round_.deadline),
        )
    return _l("This assessment round is closed.")


def round_is_closed(round_: AssessmentRound) -> bool:
    """Closed by an administrator or by its deadline (what reopening applies to)."""
    return round_.status == RoundStatus.CLOSED


def reopen_round(round_: AssessmentRound, actor, reason: str, deadline: datetime | None = None) -> None:
    """Reopen a closed round, audited with the reason. A passed deadline must be replaced by a future one
    (or it would close again at once); ``RoundError`` otherwise."""
    reason = (reason or "").strip()
    if round_.status != RoundStatus.CLOSED:
        raise RoundError(_l("Only a closed round can be reopened."))
    if not reason:
        raise RoundError(_l("Give the reason for reopening; it is kept in the audit log."))
    if deadline is not None:
        check_future(deadline)
    elif round_.deadline_passed:
        raise RoundError(_l("The deadline has passed: give a new deadline in the future."))
    previous = round_.deadline
    if deadline is not None:
        round_.deadline = deadline
    round_.status = RoundStatus.OPEN
    record_event(
        "round.reopen",
        actor=actor,
        obj=round_,
        reason=reason[:500],
        deadline=[previous.isoformat() if previous else None, round_.deadline.isoformat() if round_.deadline else None],
    )
    db.session.commit()
    schedule_deadline(round_)


# -- RQ's scheduler ----------------------------------------------------------------------------------

QUEUE_NAME = "surveyapp"


def schedule_deadline(round_: AssessmentRound) -> str | None:
    """With ``REDIS_URL``, ask RQ's scheduler (``rq worker --with-scheduler surveyapp``) to run
    ``close_due_rounds`` at the deadline. Returns the job id, or None (no Redis, no deadline, Redis down:
    ``flask rounds close-due`` and the check on access still close the round)."""
    url = current_app.config.get("REDIS_URL")
    if not url or round_.deadline is None or round_.status != RoundStatus.OPEN:
        return None
    try:
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE_NAME, connection=Redis.from_url(url))
        job = queue.enqueue_at(round_.deadline.replace(tzinfo=UTC), "surveyapp.jobs.close_due_rounds")
    except Exception:  # Redis unreachable: the other two ways still close the round
        log.warning("could not schedule the deadline of round %s on RQ", round_.id, exc_info=True)
        return None
    return job.id


def open_rounds_query():
    """Open rounds whose deadline has not passed (a where-clause for lists of rounds people can answer)."""
    return (
        AssessmentRound.status == RoundStatus.OPEN,
        or_(AssessmentRound.deadline.is_(None), AssessmentRound.deadline > utcnow()),
    )
