"""Configuration: defaults, then ``instance/config.py``, then the environment.

Environment variables: ``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL`` and any ``SURVEYAPP_<NAME>``
(for example ``SURVEYAPP_MIN_GROUP_SIZE=5``). Values that parse as JSON (numbers, true/false) are
converted; anything else stays a string.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh_Hans", "zh_Hant", "en")


class Defaults:
    SQLALCHEMY_DATABASE_URI = None  # filled in from the instance folder when not configured
    SQLALCHEMY_ENGINE_OPTIONS = None  # filled in by engine_options() for the database's kind
    REPORTS_DIR = str(PROJECT_ROOT / "reports")
    UPLOADS_DIR = None  # defaults to <instance>/uploads
    INSPECTIONS_DIR = None  # WARC snapshots of inspected pages; defaults to <instance>/inspections
    # The inspector (services/inspection.py, crawler.py): identifying User-Agent, politeness and budgets.
    INSPECT_USER_AGENT = "surveyapp-inspector/1.0 (+government self-assessment; contact: the agency's administrator)"
    INSPECT_TIMEOUT_SECONDS = 15.0  # per request, and the availability probe's limit (国办秘函〔2019〕19号)
    INSPECT_MIN_INTERVAL_SECONDS = 1.0  # between two requests to one host
    INSPECT_MAX_PAGES = 200  # per target and run
    INSPECT_MAX_BYTES = 20 * 1024 * 1024  # per target and run
    INSPECT_MAX_PAGE_BYTES = 3 * 1024 * 1024  # one response body
    INSPECT_ALLOW_PRIVATE_HOSTS = False  # fetch hosts on loopback/private addresses (tests, `flask demo site`)
    # How observation and declaration combine: "observed" (default: an observation decides the red line and
    # replaces the declared value in the score where it exists) or "declared" (shown side by side only).
    INSPECT_COMBINE = "observed"
    # A failed check opens a rectification item in the department's current round; later runs close or reopen it.
    INSPECT_OPEN_ITEMS = True
    INSPECT_RUN_EVERY_HOURS = 24  # `flask inspect schedule` with REDIS_URL: a full inspection this often
    INSPECT_PROBE_EVERY_MINUTES = 60  # and an availability probe this often (168 probes a week)
    # Evidence retention: a run's WARC file and snapshots are removed this many days after it was fetched
    # (`flask inspect prune`, scheduled daily with REDIS_URL); findings stay, marked "evidence expired".
    # A year and a month: one annual assessment cycle and the rectification after it. Snapshots a
    # rectification item refers to and each department's latest run are never removed.
    INSPECT_KEEP_DAYS = 400
    INSPECT_PRUNE_EVERY_HOURS = 24
    REDIS_URL = None
    RQ_QUEUE = "surveyapp"  # the queue bulk exports use; workers run `rq worker <RQ_QUEUE>`
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024  # whole request body; evidence uploads are limited separately
    MAX_FORM_MEMORY_SIZE = 4 * 1024 * 1024  # a 1 MB Chinese text, URL-encoded, still gets a field-level message
    LANGUAGES = LANGUAGES
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "surveyapp" / "translations")
    LANGUAGE_COOKIE = "surveyapp_lang"
    MIN_GROUP_SIZE = 3
    ADMIN_EMAIL = "admin@localhost"
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_MIN_STRENGTH = 3  # zxcvbn score 0-4 (services/passwords.py)
    # Sign-in throttle (services/login_throttle.py): growing delays, never a hard lock.
    LOGIN_THROTTLE_FREE_FAILURES = 5  # per account (or known device) before delays start
    LOGIN_THROTTLE_ADDRESS_FREE_FAILURES = 20  # per client address (an office may share one)
    LOGIN_THROTTLE_MAX_SECONDS = 300  # longest delay between two checked attempts
    LOGIN_THROTTLE_FORGET_MINUTES = 60  # a key's failures are forgotten this long after the last one
    LOGIN_RATE_LIMIT = "20 per minute"  # per address, on sign-in attempts
    # Server-side sessions (services/sessions.py). Long enough to read and answer a long questionnaire page.
    SESSION_IDLE_MINUTES = 120
    SESSION_MAX_HOURS = 12
    # Reverse proxies whose X-Forwarded-For / -Proto are trusted (Werkzeug ProxyFix): how many
    # proxies are in front, and which direct peers may be one. 0: headers ignored.
    PROXY_COUNT = 0
    PROXY_ADDRESSES = "127.0.0.1,::1"
    # E-mail (Flask-Mailman, SMTP): SURVEYAPP_MAIL_SERVER, _PORT, _USERNAME, _PASSWORD, _USE_TLS, _DEFAULT_SENDER.
    # Without MAIL_SERVER no e-mail is sent; reminder lists download as CSV instead.
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = False
    MAIL_DEFAULT_SENDER = "surveyapp@localhost"
    MAIL_TIMEOUT = 20
    REMINDER_MAX_PER_PERSON = 3  # reminders per person and round
    REMINDER_MIN_HOURS = 48  # minimum spacing between two reminders to the same person
    INVITATION_DAYS = 14  # links expire at the round's deadline; this many days when it has none
    BASE_URL = None  # public address, e.g. https://survey.example.gov.cn, for links made outside a request
    TIMEZONE = "Asia/Shanghai"  # IANA zone in which times are shown (SURVEYAPP_TIMEZONE)
    # Bulk exports: how often a running job writes its heartbeat, and after how long without one
    # it counts as failed (its worker was killed or redeployed).
    BULK_HEARTBEAT_SECONDS = 10
    BULK_STALE_SECONDS = 90
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set SURVEYAPP_SESSION_COOKIE_SECURE=true behind https
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Refuse to render a PDF when WeasyPrint falls back to fontTools (libharfbuzz-subset0 missing).
    STRICT_FONTS = False


class SettingError(ValueError):
    """A setting whose value the app cannot use; the message names the setting and what it accepts."""


def check_settings(config) -> None:
    """Refuse, at start-up, settings that take one of a few values (a misspelt one otherwise surfaces as a
    500 on every page that reads it). Raises ``SettingError``."""
    from surveyapp.domain.inspection import COMBINE_MODES

    combine = config.get("INSPECT_COMBINE", "observed")
    if combine not in COMBINE_MODES:
        raise SettingError(f"SURVEYAPP_INSPECT_COMBINE must be one of {', '.join(COMBINE_MODES)}, not {combine!r}")


def engine_options(url: str) -> dict:
    """SQLAlchemy engine options for the database at ``url``: a database server (PostgreSQL) may
    drop idle connections, so each one is tested when taken from the pool (``pool_pre_ping``); an
    SQLite file has no server to lose, and the test would be one more statement on every request."""
    return {} if url.startswith("sqlite") else {"pool_pre_ping": True}


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _parse_value(raw: str):
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def settings_from_environment(environ=os.environ) -> dict:
    """The settings the environment overrides, by config key."""
    settings = {}
    for name, raw in environ.items():
        if name.startswith("SURVEYAPP_"):
            settings[name[len("SURVEYAPP_") :]] = _parse_value(raw)
    if environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("REDIS_URL"):
        settings["REDIS_URL"] = environ["REDIS_URL"]
    return settings


def load_or_create_secret_key(instance_path: str) -> str:
    """Read the secret key kept in the instance folder, creating it (mode 0600) on first start."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
