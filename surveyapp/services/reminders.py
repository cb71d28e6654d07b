"""Reminders to those who have not submitted a round's staff questionnaire.

Who is pending is decided in one function, ``pending_accounts`` (switch it when participation moves to
its own table). E-mail goes through Flask-Mailman's SMTP backend (settings ``MAIL_*``, i.e.
``SURVEYAPP_MAIL_SERVER`` …); without ``MAIL_SERVER`` the same list downloads as CSV for the agency's
own channels. Limits: at most ``REMINDER_MAX_PER_PERSON`` reminders per person and round, at least
``REMINDER_MIN_HOURS`` apart. Each send is audited (round, recipient account, count: never an answer).

Anonymous rounds (CONFIDENTIALITY_RULE 5): nothing any staff role is shown (page, CSV, command output,
audit record, reminder rows) may say who has or has not submitted, or a departing name beside a
changing department figure gives that person's scores by difference. So reminders go to everyone of
the round's departments (``reminder_recipients``), worded "if you have already answered, thank you",
and the sends are audited as one count per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Participation, ReminderSend, User
from surveyapp.models.base import utcnow
from surveyapp.models.round import round_departments
from surveyapp.permissions import Role
from surveyapp.services.audit import record_event
from surveyapp.services.participation import SUBMITTED
from surveyapp.services.round_lifecycle import days_left, format_local

log = logging.getLogger(__name__)


class ReminderError(ValueError):
    """Reminders cannot be sent as asked; the message is for the user."""


def pending_accounts(round_: AssessmentRound, among: list[User] | None = None) -> list[User]:
    """Active staff and coordinator accounts of the round's departments (or those of ``among``) that have
    not submitted its staff part, by e-mail. Read from participation status
    (``services.participation``), never from responses: whether someone submitted, never what. The
    only query of "who has submitted" used by reminders and the banner."""
    if among is not None:
        # Only whether the given accounts' departments are in the round: the banner asks this on every page,
        # and loading the round's departments (hundreds) for it was a fifth of a questionnaire page's time.
        organisation_ids = {u.organisation_id for u in among if u.organisation_id is not None}
        in_round = set(db.session.scalars(select(round_departments.c.organisation_id).where(
            round_departments.c.round_id == round_.id,
            round_departments.c.organisation_id.in_(organisation_ids)))) if organisation_ids else set()  # fmt: skip
        accounts = [u for u in among if u.organisation_id in in_round]
    else:
        department_ids = [d.id for d in round_.departments]
        if not department_ids:
            return []
        accounts = list(
            db.session.scalars(
                select(User)
                .where(
                    User.organisation_id.in_(department_ids),
                    User.active.is_(True),
                    User.role.in_([Role.STAFF.value, Role.COORDINATOR.value]),
                )
                .order_by(User.email)
            )
        )
    if not accounts:
        return []
    # Participation status (account x round x part), never the responses: the same for named and
    # anonymous rounds, and nothing here can pair an account with what it answered.
    done = set(db.session.scalars(select(Participation.user_id).where(
        Participation.round_id == round_.id,
        Participation.part == round_.questionnaire.staff_part.key,
        Participation.status == SUBMITTED,
        Participation.user_id.in_([u.id for u in accounts]))))  # fmt: skip
    return [u for u in accounts if u.id not in done]


def in_scope_accounts(round_: AssessmentRound) -> list[User]:
    """Active staff and coordinator accounts of the round's departments, by e-mail."""
    department_ids = [d.id for d in round_.departments]
    if not department_ids:
        return []
    return list(db.session.scalars(select(User).where(
        User.organisation_id.in_(department_ids), User.active.is_(True),
        User.role.in_([Role.STAFF.value, Role.COORDINATOR.value])).order_by(User.email)))  # fmt: skip


def reminder_recipients(round_: AssessmentRound) -> list[User]:
    """Who a reminder goes to and who the reminder page and CSV list: in a named round those who have
    not submitted (``pending_accounts``); in an anonymous round everyone of its departments, so that
    neither the list nor the sends say who has submitted (CONFIDENTIALITY_RULE 5)."""
    if round_.anonymous:
        return in_scope_accounts(round_)
    return pending_accounts(round_)


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _history(round_: AssessmentRound) -> dict[int, tuple[int, datetime]]:
    rows = db.session.execute(
        select(ReminderSend.user_id, func.count(), func.max(ReminderSend.sent_at))
        .where(ReminderSend.round_id == round_.id, ReminderSend.rectification_item_id.is_(None))
        .group_by(ReminderSend.user_id)
    )
    return {user_id: (count, last) for user_id, count, last in rows}


def due_reminders(round_: AssessmentRound, now: datetime | None = None) -> list[tuple[User, int]]:
    """Recipients (``reminder_recipients``) that may be reminded now, each with the reminders they had
    so far: fewer than ``REMINDER_MAX_PER_PERSON`` and the last one at least ``REMINDER_MIN_HOURS`` ago."""
    now = now or utcnow()
    limit = int(current_app.config["REMINDER_MAX_PER_PERSON"])
    spacing = timedelta(hours=float(current_app.config["REMINDER_MIN_HOURS"]))
    history = _history(round_)
    due = []
    for user in reminder_recipients(round_):
        count, last = history.get(user.id, (0, None))
        if count < limit and (last is None or now - last >= spacing):
            due.append((user, count))
    return due


def _answer_link() -> str:
    """The "my assessments" page as a full address (``BASE_URL`` when sent from the command line)."""
    from flask import has_request_context, url_for

    if has_request_context():
        return url_for("respond.index", _external=True)
    return (current_app.config.get("BASE_URL") or "").rstrip("/") + "/my"


def _message_text(round_: AssessmentRound, user: User) -> tuple[str, str]:
    """Subject and body in the default language, then English (no per-person language is stored)."""
    parts, subject = [], ""
    left = days_left(round_)
    for lang in (current_app.config["BABEL_DEFAULT_LOCALE"], "en"):
        with force_locale(lang):
            subject = subject or _("Reminder: %(round)s", round=round_.name)
            lines = [_("Please complete the questionnaire of the assessment round %(round)s.", round=round_.name)]
            if round_.deadline is not None:
                lines.append(
                    ngettext(
                        "Deadline: %(date)s (%(num)d day left).",
                        "Deadline: %(date)s (%(num)d days left).",
                        max(left, 0),
                        date=format_local(round_.deadline),
                    )
                )
            lines.append(_("Sign in to answer: %(url)s", url=_answer_link()))
            if round_.anonymous:  # sent to everyone: whether you answered is not known to whoever sends it
                lines.append(_("This reminder goes to everyone asked to answer. If you have already answered, thank "
                               "you: there is nothing more to do. Your answers are anonymous."))  # fmt: skip
            else:
                lines.append(_("Your answers are confidential; this reminder was sent because the questionnaire is "
                               "not submitted."))  # fmt: skip
            parts.append("\n".join(lines))
    return subject, "\n\n----\n\n".join(dict.fromkeys(parts))


def send_reminders(round_: AssessmentRound, actor=None, now: datetime | None = None) -> list[User]:
    """E-mail every due reminder over SMTP and record each (``ReminderSend`` + audit ``reminder.send``,
    committed per message so a failure midway keeps the count right). Returns the accounts reminded.

    ``ReminderError`` when no SMTP server is configured or the round accepts no answers; SMTP errors of
    one message are logged and that person is not counted."""
    from flask_mailman import EmailMessage

    if not mail_configured():
        raise ReminderError(_l("No SMTP server is configured: download the list as CSV instead."))
    if not round_.is_open:
        raise ReminderError(_l("This assessment round is closed."))
    sent = []
    connection = current_app.extensions["mailman"].get_connection()
    with connection:
        for user, count in due_reminders(round_, now):
            subject, body = _message_text(round_, user)
            message = EmailMessage(subject, body, to=[user.email], connection=connection)
            try:
                message.send()
            except Exception:  # one bad address must not stop the others
                log.warning("reminder to account %s failed", user.id, exc_info=True)
                continue
            db.session.add(ReminderSend(round_id=round_.id, user_id=user.id, channel="email", sent_at=now or utcnow()))
            if not round_.anonymous:
                record_event("reminder.send", actor=actor, obj=round_, recipient=user.id, channel="email",
                             number=count + 1)  # fmt: skip
            db.session.commit()
            sent.append(user)
    if round_.anonymous and sent:  # one count, no recipient: everyone in scope is reminded alike
        record_event("reminder.send", actor=actor, obj=round_, channel="email", count=len(sent), everyone=True)
        db.session.commit()
    return sent


def pending_csv_rows(round_: AssessmentRound, lang: str) -> Iterator[list]:
    """The recipients (``reminder_recipients``: in an anonymous round everyone of its departments) for
    the agency's own channels (header first), values as stored: the CSV writer (``spreadsheet.csv_chunks``)
    makes each cell spreadsheet-safe, once."""
    with force_locale(lang):
        yield [_("E-mail"), _("Name"), _("Department code"), _("Department"), _("Deadline")]
    deadline = format_local(round_.deadline)
    for user in reminder_recipients(round_):
        department = user.organisation
        row = [user.email, user.display_name, department.code, department.name(lang), deadline]
        yield row


def record_csv_download(round_: AssessmentRound, actor, count: int) -> None:
    record_event("reminder.csv", actor=actor, obj=round_, count=count)
    db.session.commit()


def open_questionnaires_for(user) -> list[tuple[AssessmentRound, int | None]]:
    """For the staff banner: open rounds (deadline not passed) of the user's department whose staff part
    the user has not submitted, each with its days left."""
    if not getattr(user, "is_authenticated", False) or user.role not in (Role.STAFF, Role.COORDINATOR):
        return []
    from surveyapp.services.rounds import open_rounds_for

    result = []
    for round_, _parts in open_rounds_for(user):
        if pending_accounts(round_, among=[user]):
            result.append((round_, days_left(round_)))
    return result
