"""The application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request

from surveyapp.config import (
    Defaults,
    check_settings,
    engine_options,
    load_or_create_secret_key,
    normalise_database_url,
    settings_from_environment,
)
from surveyapp.extensions import babel, csrf, db, limiter, login_manager, mail, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then the environment (or ``test_config``)."""
    project_root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=os.environ.get("SURVEYAPP_INSTANCE_PATH", str(project_root / "instance")),
        instance_relative_config=True,
    )
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(settings_from_environment())
    else:
        app.config.update(test_config)
    _finish_config(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(project_root / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)

    from surveyapp.i18n import html_lang, install_template_gettext, select_locale

    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app.jinja_env)

    from surveyapp import models  # noqa: F401  (register every table)
    from surveyapp.routing import register_converters

    register_converters(app)
    from surveyapp.views import (
        admin,
        api,
        auth,
        compare,
        errors,
        imports,
        inspection,
        invitations,
        main,
        participation,
        rectification,
        reports,
        respond,
        results,
        round_lifecycle,
    )

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(invitations.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(participation.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(round_lifecycle.bp)
    app.register_blueprint(inspection.bp)
    app.register_blueprint(rectification.bp)
    errors.register(app)

    from surveyapp.views.context import register_template_helpers

    register_template_helpers(app, html_lang)

    from surveyapp.forms.kinds import register_jinja

    register_jinja(app)
    from surveyapp.domain.scoring import grade_bands_text, grade_label
    from surveyapp.reporting.report import maturity_text

    def maturity_bands_text(questionnaire, lang):
        """The maturity levels with their bounds, as the scorecard's reading aid prints them."""
        return maturity_text((m.label.get(lang), float(m.min)) for m in questionnaire.maturity_levels)

    app.jinja_env.globals.update(
        grade_name=grade_label, grade_bands_text=grade_bands_text, maturity_bands_text=maturity_bands_text
    )

    from surveyapp.cli import register_commands

    register_commands(app)
    app.after_request(_security_headers)
    from surveyapp.health import HealthProbe
    from surveyapp.proxies import TrustedProxyFix
    from surveyapp.services.diagnostics import database_status

    with app.app_context():
        engine = db.engine
    migrations = app.extensions["migrate"].directory
    app.wsgi_app = HealthProbe(
        TrustedProxyFix(app.wsgi_app, app.config["PROXY_COUNT"], app.config["PROXY_ADDRESSES"]),
        lambda: database_status(engine, migrations),
        SECURITY_HEADERS,
    )
    return app


# No inline script or style anywhere, so the policy can forbid them; charts are data: images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)


def _security_headers(response):
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    # Pages, exports, PDFs and API answers may carry answers or scores: never kept by a browser or
    # shared cache. Only the static assets (CSS, JS, fonts) may be cached.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _finish_config(app: Flask) -> None:
    check_settings(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + os.path.join(app.instance_path, "surveyapp.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if app.config.get("SQLALCHEMY_ENGINE_OPTIONS") is None:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("UPLOADS_DIR"):
        app.config["UPLOADS_DIR"] = os.path.join(app.instance_path, "uploads")
    if not app.config.get("INSPECTIONS_DIR"):
        app.config["INSPECTIONS_DIR"] = os.path.join(app.instance_path, "inspections")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    # Explicit, because Flask-Limiter otherwise keeps whatever a previous init_app in the process set.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # Redis unreachable: count in memory meanwhile rather than refuse every sign-in.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
