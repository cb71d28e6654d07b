"""Error pages in the reader's language; never a stack trace.

Every handler first rolls the database session back (a failed flush or a lost connection leaves
it unusable) and renders without needing the database: when the signed-in user cannot be loaded,
the page is drawn as for a visitor, and when even that fails, a standalone page is used.
"""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

# Titles and explanations per status code, translated at render time.
MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("Your account may not see this page.")),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    405: (_l("Method not allowed"), _l("This page cannot be used in this way.")),
    409: (
        _l("Changed at the same time"),
        _l("Another request changed the same data at the same moment. Please reload the page and check."),
    ),
    413: (_l("Too large"), _l("What you sent is larger than this site accepts.")),
    429: (_l("Too many requests"), _l("Please wait a moment before trying again.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Please try again later.")),
    503: (
        _l("Temporarily unavailable"),
        _l("The database cannot be reached at the moment. Nothing was lost; please try again in a few minutes."),
    ),
}
CSRF_MESSAGE = _l("The form expired or was not sent from this site. Please reload the page and try again.")
SESSION_LOST_MESSAGE = _l(
    "Your session has expired, so nothing was saved. Sign in again (invitees: open your link again): "
    "the answers you typed are kept in this browser and come back on the page."
)


def _reset_database_session() -> None:
    """Roll back whatever the failed request left in the session (never raises)."""
    from surveyapp.services.failures import reset_session

    reset_session()


def _user_without_database() -> None:
    """Make ``current_user`` safe to use in the page: a visitor when the account cannot be loaded."""
    from flask_login import current_user

    from surveyapp.extensions import login_manager

    try:
        current_user.is_authenticated  # noqa: B018  (loads the user on first use)
    except Exception:  # noqa: BLE001
        _reset_database_session()
        g._login_user = login_manager.anonymous_user()


def render_error(code: int, detail=None):
    _reset_database_session()
    title, explanation = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if request.path.startswith("/api/"):
        return jsonify({"error": code, "message": str(title)}), code
    _user_without_database()
    try:
        g.error_page = True  # the header marks no section (views/context.navigation_for, base.html)
        html = render_template("errors/error.html", code=code, title=title, explanation=detail or explanation)
    except Exception:  # noqa: BLE001  (e.g. a navigation entry needing the database)
        _reset_database_session()
        html = _standalone_page(code, title, detail or explanation)
    return html, code


def _standalone_page(code: int, title, explanation) -> str:
    """The error page without the site's layout and without context processors."""
    from flask import current_app
    from flask_babel import get_locale

    from surveyapp.i18n import html_lang

    template = current_app.jinja_env.get_template("errors/standalone.html")
    return template.render(code=code, title=title, explanation=explanation, html_lang=html_lang(str(get_locale())))


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def handle_csrf(error):
        _reset_database_session()
        _user_without_database()  # session_lost reads current_user; the database may be down
        lost = session_lost(request)
        if lost is not None:
            return lost
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http(error)
        from surveyapp.services.failures import database_error_status

        status = database_error_status(error)
        if status is not None and status != 503:
            app.logger.warning("Database refused %s %s: %s", request.method, request.path, error)
            return render_error(status)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(status or InternalServerError.code)


def session_lost(request):
    """A questionnaire page sent after the session expired (no sign-in, no form token left): to the
    sign-in page and back to that page, where the browser restores what was typed (static/js/drafts.js).
    None for any other refused form."""
    from flask import flash, redirect, session, url_for
    from flask_login import current_user

    from surveyapp.views.guards import browser_path

    if request.endpoint != "respond.page" or "csrf_token" in session or current_user.is_authenticated:
        return None
    flash(str(SESSION_LOST_MESSAGE), "error")
    return redirect(url_for("auth.login", next=browser_path(query=False)), 303)
