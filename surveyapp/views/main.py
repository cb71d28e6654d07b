from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from surveyapp.i18n import catalogue
from surveyapp.permissions import Role, has_role
from surveyapp.services.overview import coordinator_progress, next_steps
from surveyapp.views.guards import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    steps = next_steps(current_user) if has_role(current_user, Role.ADMIN) else []
    progress = coordinator_progress(current_user) if has_role(current_user, Role.COORDINATOR) else []
    return render_template("main/index.html", steps=steps, progress=progress, lang=str(get_locale()))


@bp.get("/privacy")
def privacy():
    """The respondent-facing privacy notice: ``permissions.CONFIDENTIALITY_RULE`` in plain words."""
    return render_template("main/privacy.html", min_group_size=current_app.config["MIN_GROUP_SIZE"])


@bp.get("/language/<code>")
def set_language(code: str):
    """The language switcher: remember the choice in a cookie and go back."""
    response = make_response(redirect(safe_next(request.args.get("next"), url_for("main.index"))))
    code = catalogue(code)
    if code is not None:
        response.set_cookie(
            current_app.config["LANGUAGE_COOKIE"],
            code,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
