"""Guards shared by the blueprints: load the object a URL names and refuse (404 / 403) when it does
not exist or the current user may not reach it. The rules themselves are in ``permissions``; views
import guards from here, never from another view."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort
from flask_login import current_user

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation
from surveyapp.permissions import can_see_participation, can_view_department_results, in_scope


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
