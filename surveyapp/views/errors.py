"""Error pages in the reader's language; never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

# Titles and explanations per status code, translated at render time.
MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("Your account may not see this page.")),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    405: (_l("Method not allowed"), _l("This page cannot be used in this way.")),
    413: (_l("Too large"), _l("What you sent is larger than this site accepts.")),
    429: (_l("Too many requests"), _l("Please wait a moment before trying again.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Please try again later.")),
}
CSRF_MESSAGE = _l("The form expired or was not sent from this site. Please reload the page and try again.")
SESSION_LOST_MESSAGE = _l(
    "Your session has expired, so nothing was saved. Sign in again (invitees: open your link again): "
    "the answers you typed are kept in this browser and come back on the page."
)


def render_error(code: int, detail=None):
    title, explanation = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if request.path.startswith("/api/") or request.path == "/healthz":
        return jsonify({"error": code, "message": str(title)}), code
    return (
        render_template("errors/error.html", code=code, title=title, explanation=detail or explanation),
        code,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def handle_csrf(error):
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
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)


def session_lost(request):
    """A questionnaire page sent after the session expired (no sign-in, no form token left): to the
    sign-in page and back to that page, where the browser restores what was typed (static/js/drafts.js).
    None for any other refused form."""
    from flask import flash, redirect, session, url_for
    from flask_login import current_user

    if request.endpoint != "respond.page" or "csrf_token" in session or current_user.is_authenticated:
        return None
    flash(str(SESSION_LOST_MESSAGE), "error")
    return redirect(url_for("auth.login", next=request.path), 303)
