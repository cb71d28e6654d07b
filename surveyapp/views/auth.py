from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from surveyapp.extensions import limiter, login_manager
from surveyapp.forms.auth import ChangePasswordForm, LoginForm
from surveyapp.services import login_throttle
from surveyapp.services import sessions as session_service
from surveyapp.services import users as user_service
from surveyapp.views.guards import safe_next

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.session_protection = "basic"
# The signed session cookie carries this server-side session token (services.sessions).
SESSION_ID_KEY = "_sid"
# Set after a successful sign-in: this browser is a known device of that account (login_throttle).
DEVICE_COOKIE = "surveyapp_device"


@login_manager.user_loader
def load_user(session_id: str):
    """The account behind the session, while its server-side session is live (not signed out,
    not idle too long, not too old)."""
    return user_service.load_user_by_session_id(session_id, session.get(SESSION_ID_KEY))


# Pages a user with a one-time password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {
    "auth.change_password",
    "auth.logout",
    "main.set_language",
    "static",
}


@bp.before_app_request
def require_password_change():
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE
    ):
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = user_service.authenticate(
            form.email.data,
            form.password.data,
            address=request.remote_addr,
            device_token=request.cookies.get(DEVICE_COOKIE),
        )
        if result.user is not None:
            _start_session(result.user)
            response = redirect(safe_next(request.args.get("next"), url_for("main.index")))
            if login_throttle.device_key(request.cookies.get(DEVICE_COOKIE), result.user.email) is None:
                response.set_cookie(
                    DEVICE_COOKIE,
                    login_throttle.issue_device_token(result.user.email),
                    max_age=365 * 24 * 3600,
                    secure=current_app.config["SESSION_COOKIE_SECURE"],
                    httponly=True,
                    samesite="Lax",
                )
            return response
        # The same messages whether or not the account exists.
        if result.checked:
            flash(_("Wrong e-mail or password."), "error")
        if result.wait_seconds:
            flash(ngettext("Too many failed sign-ins: wait %(num)d second before the next try.",
                           "Too many failed sign-ins: wait %(num)d seconds before the next try.",
                           result.wait_seconds), "error")  # fmt: skip
    return render_template("auth/login.html", form=form)


def _start_session(user) -> None:
    session.pop(SESSION_ID_KEY, None)
    login_user(user)
    session[SESSION_ID_KEY] = session_service.start_session(user)


@bp.post("/logout")
@login_required
def logout():
    session_service.end_session(session.pop(SESSION_ID_KEY, None))
    logout_user()
    flash(_("You are signed out."), "info")
    response = redirect(url_for("auth.login"))
    # Unsaved answers kept by this browser go with the session (surveyapp/drafts.py).
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user_service.change_password(
                current_user._get_current_object(), form.current_password.data, form.new_password.data
            )
        except user_service.AccountError as exc:
            getattr(form, exc.field or "new_password").errors.append(str(exc))
        else:
            login_user(current_user._get_current_object())  # new session id after the version bump
            flash(_("Your password is changed."), "info")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)
