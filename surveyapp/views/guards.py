"""Guards shared by the blueprints: load the object a URL names and refuse (404 / 403) when it does
not exist or the current user may not reach it. The rules themselves are in ``permissions``; views
import guards from here, never from another view."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request, session
from flask_login import current_user

from surveyapp.extensions import db, login_manager
from surveyapp.models import AssessmentRound, Organisation, RectificationItem, Response, ResponseStatus
from surveyapp.permissions import (
    can_see_participation,
    can_view_department_results,
    can_view_rectification,
    can_view_response,
    in_scope,
)

# Browser-session keys of invitees (who have no account): the responses opened here through an
# invitation or resume link, and those of them submitted from this very session.
INVITED = "invited_responses"
SUBMITTED_HERE = "submitted_here"


def invited(response: Response) -> bool:
    """Whether this browser session holds ``response`` as its invitee (CONFIDENTIALITY_RULE 1: the
    respondent only). A draft: any session that opened its invitation or private resume link. After
    submission only the session that submitted it keeps access (a second browser that opened the
    resume link loses it); a sealed response (anonymous round) no session at all."""
    if not response.owner_key.startswith("invite:") or response.id not in session.get(INVITED, []):
        return False
    return response.status == ResponseStatus.DRAFT or response.id in session.get(SUBMITTED_HERE, [])


def note_submitted_here(response: Response) -> None:
    """Remember that this browser session submitted ``response`` (an invitee's, not sealed)."""
    if invited(response) or (response.owner_key.startswith("invite:") and response.id in session.get(INVITED, [])):
        session[SUBMITTED_HERE] = [*[r for r in session.get(SUBMITTED_HERE, []) if r != response.id][-9:], response.id]


def respondent_required(view):
    """Signed in, or holding an invitation in this browser session."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated and not session.get(INVITED):
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def own_response_or_abort(response_id: int) -> Response:
    """A response the current user, or this invitee browser session, may read (404 / 403)."""
    response = db.session.get(Response, response_id) or abort(404)
    if not (can_view_response(current_user, response) or invited(response)):
        abort(403)
    return response


def round_in_scope_or_abort(round_id: int) -> AssessmentRound:
    """A round the current administrator's scope covers: 404 when it does not exist, 403 outside the scope."""
    round_ = db.session.get(AssessmentRound, round_id) or abort(404)
    if not in_scope(current_user, round_.organisation):
        abort(403)
    return round_


def round_participation_or_abort(round_id: int) -> AssessmentRound:
    """A round whose participation list the current administrator may see (``can_see_participation``):
    404 when it does not exist, 403 otherwise."""
    round_ = db.session.get(AssessmentRound, round_id) or abort(404)
    if not can_see_participation(current_user, round_):
        abort(403)
    return round_


def round_department_or_abort(round_id: int, organisation_id: int) -> tuple[AssessmentRound, Organisation]:
    """A round and one of its departments, if the current user may see that department's results."""
    round_ = db.session.get(AssessmentRound, round_id) or abort(404)
    department = db.session.get(Organisation, organisation_id) or abort(404)
    if department not in round_.departments:
        abort(404)
    if not can_view_department_results(current_user, department):
        abort(403)
    return round_, department


def browser_path(query: bool = True) -> str:
    """This request's path as the browser asked for it: below the app's mount point (``script_root``,
    e.g. ``/survey`` behind a reverse proxy), with the query string unless ``query`` is false. The
    ``next=`` value that brings the browser back here (``safe_next`` follows it)."""
    path = request.full_path.rstrip("?") if query else request.path
    return request.script_root + path


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths are followed after a redirect-style action (no backslash, which
    browsers read as a slash, and no control character, which cannot go into a Location header)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return fallback
    return target


def rectification_item_or_abort(item_id: int):
    """A rectification item the current user may see (its department's coordinators, administrators in
    scope: ``permissions.can_view_rectification``): 404 when it does not exist, 403 otherwise."""
    item = db.session.get(RectificationItem, item_id) or abort(404)
    if not can_view_rectification(current_user, item.organisation):
        abort(403)
    return item
