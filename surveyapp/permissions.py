"""Roles and the rules of who may do what.

One ``Role`` enum, pure ``can_*`` predicates (they take plain objects with ``role``,
``organisation_id`` and, for organisations, ``id`` and ``parent_id``; views, services and
templates share them), and one view decorator, ``role_required``.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

# The confidentiality rule: the promise the privacy notice (/privacy), the README and the
# questionnaire make, enforced by the predicates below and by the services they name.
CONFIDENTIALITY_RULE = """
1. A staff response (answers, explanation, personal scorecard, evidence) is readable by its
   respondent only: nobody else, system administrators included (``can_view_response``).
   Department checklists are not personal: the department's coordinators and administrators
   whose scope covers the department read them.
2. Administrators see participation (who has or has not submitted; names only in rounds that
   are not anonymous) and staff results only as aggregates of at least MIN_GROUP_SIZE
   respondents (``domain.stats.is_suppressed``); a smaller group shows no figures, to anyone.
3. An administrator may reopen a submitted staff response at its respondent's request from the
   participation list, without seeing it (audited); its last submission keeps counting in every
   figure until it is submitted again (``services.responses.reopen_response``); in an anonymous
   round a submitted response is sealed and cannot be reopened.
4. Row-level exports of staff answers carry no identifier that joins with another record: a
   serial number in random order, the submission day only, staff level and post k-anonymous
   within each department, k = MIN_GROUP_SIZE (``domain.stats.k_anonymous_labels``).
5. Anonymous rounds: the response keeps no account; a draft is found through a keyed hash of
   account and round, removed on submit; participation is stored apart; audit events of the
   response carry no actor, response id or address (``services.participation``); nothing shown
   to a staff role says who has or has not submitted or used a link: reminders go to everyone
   asked (``services.reminders.reminder_recipients``), link states hide use.
"""


class Role(StrEnum):
    STAFF = "staff"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    TRAINER = "trainer"
    SYSADMIN = "sysadmin"


# Which part of a questionnaire each role may answer, by the part's ``respondent``.
ANSWERING_ROLES = {"staff": (Role.STAFF, Role.COORDINATOR), "coordinator": (Role.COORDINATOR,)}


def has_role(user, *roles: Role) -> bool:
    """True when the user is signed in and holds one of ``roles`` (a system administrator holds all)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.SYSADMIN or user.role in roles


def in_scope(user, organisation) -> bool:
    """An administrator's or trainer's scope: everything when not tied to an organisation,
    else their own organisation and everything below it."""
    if user.role == Role.SYSADMIN or user.organisation_id is None:
        return True
    node = organisation
    while node is not None:
        if node.id == user.organisation_id:
            return True
        node = node.parent
    return False


def can_answer_part(user, respondent: str, department) -> bool:
    """May ``user`` fill in a part meant for ``respondent`` on behalf of ``department``?"""
    roles = ANSWERING_ROLES.get(respondent, ())
    return (
        getattr(user, "is_authenticated", False)
        and user.role in roles
        and department is not None
        and user.organisation_id == department.id
    )


def anonymous_owner_key(round_id: int, user_id: int) -> str:
    """In an anonymous round a response keeps its department, not its person: the owner is a keyed
    hash that only the app can recompute, so the respondent can resume but no one can look it up."""
    import hashlib
    import hmac

    from flask import current_app

    secret = str(current_app.config["SECRET_KEY"]).encode()
    return "anon:" + hmac.new(secret, f"{round_id}:{user_id}".encode(), hashlib.sha256).hexdigest()[:40]


def can_edit_response(user, response) -> bool:
    """The owner of a staff response; any coordinator of the department for its checklist."""
    if not getattr(user, "is_authenticated", False):
        return False
    if response.owner_key == "department":
        return user.role == Role.COORDINATOR and user.organisation_id == response.organisation_id
    if response.owner_key.startswith("anon:"):
        return response.owner_key == anonymous_owner_key(response.round_id, user.id)
    return response.user_id is not None and response.user_id == user.id


def is_personal(response) -> bool:
    """A staff response is personal; only the department checklist (owner "department") is not."""
    return response.owner_key != "department"


def is_sealed(response) -> bool:
    """A submitted response of an anonymous round: no account, no keyed hash, no way back to anyone."""
    return response.owner_key.startswith("sealed:")


def can_view_response(user, response) -> bool:
    """Rule 1 of ``CONFIDENTIALITY_RULE``: a staff response, its respondent only; a department
    checklist, its coordinators and the administrators whose scope covers its department."""
    if can_edit_response(user, response):
        return True
    if is_personal(response):
        return False
    return has_role(user, Role.ADMIN) and in_scope(user, response.organisation)


def can_view_department_results(user, department) -> bool:
    """A department's full results: its coordinators, and administrators whose scope covers it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.COORDINATOR:
        return user.organisation_id == department.id
    return has_role(user, Role.ADMIN) and in_scope(user, department)


def can_inspect_department(user, department) -> bool:
    """The inspector's pages of a department (its targets, findings and their history) and registering its
    targets: the department's coordinators and administrators whose scope covers it. Findings are about
    public websites, never about a person's answers."""
    return can_view_department_results(user, department)


def can_reopen_response(user, response) -> bool:
    """Rule 3: administrators in scope, never a sealed (anonymous, submitted) response."""
    return has_role(user, Role.ADMIN) and in_scope(user, response.organisation) and not is_sealed(response)


def can_see_participation(user, round_) -> bool:
    """Rule 2: administrators whose scope covers the round see who has or has not submitted."""
    return has_role(user, Role.ADMIN) and in_scope(user, round_.organisation)


def can_manage_user(actor, user) -> bool:
    """Administrators manage accounts in their scope; only a system administrator manages
    system administrators and accounts tied to no organisation."""
    if not has_role(actor, Role.ADMIN):
        return False
    if actor.role == Role.SYSADMIN:
        return True
    if user.role == Role.SYSADMIN:
        return False
    if user.organisation is None:
        return actor.organisation_id is None
    return in_scope(actor, user.organisation)


def can_view_rectification(user, department) -> bool:
    """Rectification items of a department (they are about the department, never a person's answers):
    its coordinators and administrators whose scope covers it, as its results."""
    return can_view_department_results(user, department)


def can_submit_rectification(user, department) -> bool:
    """Reporting what was done about an item, with evidence: the department's coordinators."""
    return (
        getattr(user, "is_authenticated", False)
        and user.role == Role.COORDINATOR
        and user.organisation_id == department.id
    )


def can_review_rectification(user, department) -> bool:
    """Opening, accepting, returning, closing and reopening items, editing due dates: administrators
    whose scope covers the department."""
    return has_role(user, Role.ADMIN) and in_scope(user, department)


def can_administer(user) -> bool:
    return has_role(user, Role.ADMIN)


def role_required(*roles: Role):
    """View decorator: sign-in required, and 403 unless the user holds one of ``roles``."""
    from flask import abort
    from flask_login import current_user

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from surveyapp.extensions import login_manager

                return login_manager.unauthorized()
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
