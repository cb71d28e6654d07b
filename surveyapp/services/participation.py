"""Participation (who takes part in a round) kept apart from responses (what they answered).

Rule: ``surveyapp.permissions.CONFIDENTIALITY_RULE``. A ``Participation`` row says account ×
round × part and a status; it never names a response. In a named round the response also names
its account (``user_id``), so the respondent can read it back and an administrator can reopen it
at the respondent's request. In an anonymous round the response never names an account: while
it is a draft it is found through a keyed hash of account and round (HMAC-SHA-256 with the
secret key, ``permissions.anonymous_owner_key``); on submit that hash is replaced by a random
value, its times are cut to the day and its audit events carry no actor, response id or address,
so from then on nothing links the response to the participation, the account or the audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from surveyapp.domain.stats import is_suppressed
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Invitation, Organisation, Participation, Response, ResponseStatus, User
from surveyapp.models.base import utcnow
from surveyapp.permissions import Role, in_scope, is_personal
from surveyapp.services.audit import record_event

DRAFT, SUBMITTED = "draft", "submitted"


class ParticipationError(ValueError):
    """A refused request about participation; the message is for the user."""


def participation_of(user_id: int, round_id: int, part: str) -> Participation | None:
    return db.session.get(Participation, (round_id, user_id, part))


def mark(user, round_: AssessmentRound, part: str, status: str) -> None:
    """Record that ``user`` has a draft of, or has submitted, ``part`` in ``round_`` (caller commits)."""
    row = participation_of(user.id, round_.id, part)
    if row is None:
        row = Participation(round_id=round_.id, user_id=user.id, part=part, organisation_id=user.organisation_id)
        db.session.add(row)
    row.status = status


def has_submitted_anonymously(user, round_: AssessmentRound, part: str) -> bool:
    """True once ``user`` has submitted ``part`` of an anonymous round: the response is sealed."""
    row = participation_of(user.id, round_.id, part)
    return bool(round_.anonymous and row is not None and row.status == SUBMITTED)


def sealed_parts(user, rounds) -> set[tuple[int, str]]:
    """(round id, part) of the ``(round, parts)`` pairs that ``user`` has submitted anonymously (sealed)."""
    return {
        (round_.id, part.key)
        for round_, parts in rounds
        for part in parts
        if has_submitted_anonymously(user, round_, part.key)
    }


def day_of(moment: datetime | None) -> datetime | None:
    """A timestamp cut to its day (UTC), so it cannot be matched to a sign-in or a request log."""
    return None if moment is None else datetime(moment.year, moment.month, moment.day)


def seal(response: Response) -> None:
    """Unlink a submitted anonymous response from everyone: random owner key, no account, day-only times."""
    response.owner_key = "sealed:" + secrets.token_hex(16)
    response.user_id = None
    today = day_of(utcnow())
    response.started_at = day_of(response.started_at) or today
    response.submitted_at = today
    response.updated_at = today


def anonymous_event(action: str, round_: AssessmentRound, **details) -> None:
    """An audit event about an anonymous response: no actor, no response id, no address, the day only."""
    event = record_event(action, object_type="assessment_rounds", object_id=round_.id, anonymous=True, **details)
    event.ip_address = None
    event.created_at = day_of(utcnow())


def log_response_access(action: str, actor, response: Response, **details) -> None:
    """Record a read of a response that must leave a trace (an evidence download) and commit it at
    once; for a staff response of an anonymous round without actor, response id or address."""
    if response.round.anonymous and is_personal(response):
        anonymous_event(action, response.round, **details)
    else:
        record_event(action, actor=actor, obj=response, **details)
    db.session.commit()


def group_safe_level_post(actor, min_group_size: int) -> tuple[str | None, str | None]:
    """The level and post an anonymous response may keep: each only when at least ``min_group_size``
    active accounts of the respondent's department share it (and both only when that many share both)."""
    level, post = getattr(actor, "level", None), getattr(actor, "post", None)
    if actor.organisation_id is None:
        return None, None

    def count(*conditions) -> int:
        return db.session.scalar(
            select(func.count(User.id)).where(
                User.organisation_id == actor.organisation_id,
                User.active.is_(True),
                User.role.in_([Role.STAFF.value, Role.COORDINATOR.value]),
                *conditions,
            )
        )

    level_ok = level is not None and not is_suppressed(count(User.level == level), min_group_size)
    post_ok = post is not None and not is_suppressed(count(User.post == post), min_group_size)
    if level_ok and post_ok and not is_suppressed(count(User.level == level, User.post == post), min_group_size):
        return level, post
    if level_ok:
        return level, None
    return None, (post if post_ok else None)


def on_start(user, round_: AssessmentRound, response: Response, part: str) -> None:
    """A staff member has started ``part``: record participation and the audit event (caller commits)."""
    mark(user, round_, part, DRAFT)
    # No event for an anonymous start: responses are numbered in the order they are started, so the
    # order of start events would pair each with a response number (and a sign-in next to it).
    if not round_.anonymous:
        record_event("response.start", actor=user, obj=response, part=part)


def keep_level_post(actor, round_: AssessmentRound, response: Response) -> None:
    """Snapshot the respondent's level and post on a staff response being submitted, for training
    analysis by group; in an anonymous round only by the group-size rule."""
    if not getattr(actor, "is_authenticated", False):
        return
    if round_.anonymous:
        response.staff_level, response.staff_post = group_safe_level_post(actor, current_app.config["MIN_GROUP_SIZE"])
    else:
        response.staff_level, response.staff_post = actor.level, actor.post


def on_submit(actor, round_: AssessmentRound, response: Response) -> Callable[[], None]:
    """A staff response was submitted (scores stored, caller commits): record participation, and
    in an anonymous round seal the response. Returns what the caller must run after its commit."""
    if getattr(actor, "is_authenticated", False):
        mark(actor, round_, response.part, SUBMITTED)
    if not round_.anonymous:
        # No score in the audit log: the log is read by system administrators (CONFIDENTIALITY_RULE 1).
        record_event("response.submit", actor=actor, obj=response, part=response.part)
        return lambda: None
    seal(response)
    # An invitation may carry a label naming someone: it no longer points at the response.
    invitations = list(db.session.scalars(select(Invitation.id).where(Invitation.response_id == response.id)))
    db.session.execute(update(Invitation).where(Invitation.id.in_(invitations)).values(response_id=None))
    anonymous_event("response.submit", round_, part=response.part)
    user_id = getattr(actor, "id", None) if getattr(actor, "is_authenticated", False) else None
    return lambda: _rewrite_apart(round_.id, response.part, user_id, invitations)


def _rewrite_apart(round_id: int, part: str, user_id: int | None, invitation_ids: list[int]) -> None:
    """PostgreSQL stamps each row version with the transaction that wrote it (``xmin``); the submit
    wrote the participation (or invitation) and the sealed response together. Writing those rows
    again in a transaction of their own gives them another stamp, so the live rows no longer pair
    up (the old row versions are gone once the table is vacuumed)."""
    if user_id is not None:
        db.session.execute(
            update(Participation)
            .where(Participation.round_id == round_id, Participation.user_id == user_id, Participation.part == part)
            .values(status=SUBMITTED)
        )
    if invitation_ids:
        db.session.execute(
            update(Invitation).where(Invitation.id.in_(invitation_ids)).values(used_at=Invitation.used_at)
        )
    db.session.commit()


@dataclass(frozen=True)
class RosterEntry:
    user_id: int
    name: str
    department_id: int
    status: str | None  # None: not started; "draft"; "submitted"


def roster(round_: AssessmentRound, part: str, departments: list[Organisation]) -> list[RosterEntry]:
    """Staff of ``departments`` and how far they are with ``part`` (names only: never an answer).

    Only for rounds that are not anonymous; raises ``ParticipationError`` otherwise.
    """
    if round_.anonymous:
        raise ParticipationError(_l("In an anonymous round nobody is shown who has or has not submitted."))
    ids = [d.id for d in departments]
    staff = db.session.scalars(
        select(User)
        .where(
            User.organisation_id.in_(ids),
            User.active.is_(True),
            User.role.in_([Role.STAFF.value, Role.COORDINATOR.value]),
        )
        .order_by(User.organisation_id, User.email)
    ).all()
    status = dict(
        db.session.execute(
            select(Participation.user_id, Participation.status).where(
                Participation.round_id == round_.id, Participation.part == part
            )
        ).all()
    )
    return [RosterEntry(u.id, u.display_name or u.email, u.organisation_id, status.get(u.id)) for u in staff]


def response_of_participant(round_: AssessmentRound, user_id: int, part: str) -> Response:
    """The submitted response of a named round's participant, for reopening; never read by the caller."""
    if round_.anonymous:
        raise ParticipationError(_l("A response submitted in an anonymous round is sealed and cannot be reopened."))
    response = db.session.scalar(
        select(Response).where(
            Response.round_id == round_.id,
            Response.part == part,
            Response.owner_key == f"user:{user_id}",
            Response.status == ResponseStatus.SUBMITTED,
        )
    )
    if response is None:
        raise ParticipationError(_l("This person has no submitted response to reopen."))
    return response


def staff_part_key(round_: AssessmentRound) -> str:
    """The key of the round's staff part (the one participation is kept for)."""
    return round_.questionnaire.staff_part.key


def participants_in_scope(round_: AssessmentRound, actor) -> tuple[list[Organisation], list[RosterEntry] | None]:
    """The round's departments in ``actor``'s scope, and their staff with how far each is (None in an
    anonymous round: nobody is shown who has or has not submitted)."""
    departments = [d for d in round_.departments if in_scope(actor, d)]
    if round_.anonymous:
        return departments, None
    return departments, roster(round_, staff_part_key(round_), departments)


def reopen_for_participant(round_: AssessmentRound, user_id: int, actor, reason: str = "") -> None:
    """Reopen the submitted staff response of participant ``user_id`` at their request, without its
    content reaching ``actor`` (CONFIDENTIALITY_RULE 3; audited by ``reopen_response``).

    Raises ``LookupError`` for an unknown account, ``PermissionError`` for one outside ``actor``'s
    scope, ``ParticipationError`` or ``ResponseError`` (session rolled back) when it cannot be reopened.
    """
    from surveyapp.services.responses import ResponseError, reopen_response

    user = db.session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    if user.organisation is None or not in_scope(actor, user.organisation):
        raise PermissionError(user_id)
    try:
        response = response_of_participant(round_, user.id, staff_part_key(round_))
        reopen_response(response, actor, reason[:500])
    except (ParticipationError, ResponseError):
        db.session.rollback()
        raise


def on_reopen(response: Response) -> None:
    """A staff response was reopened: its respondent's participation is a draft again (caller commits)."""
    if response.user_id is None:
        return
    row = participation_of(response.user_id, response.round_id, response.part)
    if row is not None:
        row.status = DRAFT
