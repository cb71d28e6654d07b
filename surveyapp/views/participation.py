"""Administrators: who takes part in a round (never what anyone answered), and reopening a
staff response at its respondent's request without seeing it (CONFIDENTIALITY_RULE 2 and 3)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from surveyapp.permissions import Role, role_required
from surveyapp.services import participation as participation_service
from surveyapp.services import responses as response_service
from surveyapp.views.guards import round_participation_or_abort

bp = Blueprint("participation", __name__, url_prefix="/admin")


@bp.get("/rounds/<int:round_id>/participation")
@role_required(Role.ADMIN)
def round_participation(round_id: int):
    round_ = round_participation_or_abort(round_id)
    departments, entries = participation_service.participants_in_scope(round_, current_user)
    return render_template(
        "admin/participation.html", round=round_, departments=departments, entries=entries, lang=str(get_locale())
    )


@bp.post("/rounds/<int:round_id>/participation/<int:user_id>/reopen")
@role_required(Role.ADMIN)
def reopen(round_id: int, user_id: int):
    round_ = round_participation_or_abort(round_id)
    try:
        participation_service.reopen_for_participant(round_, user_id, current_user, request.form.get("reason", ""))
    except LookupError:
        abort(404)
    except PermissionError:
        abort(403)
    except (participation_service.ParticipationError, response_service.ResponseError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("The response is open again for its respondent."), "info")
    return redirect(url_for("participation.round_participation", round_id=round_id))
