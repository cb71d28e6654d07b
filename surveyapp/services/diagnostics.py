"""``flask doctor``: is this machine able to run the app and render Chinese PDFs quickly?"""

from __future__ import annotations

import ctypes.util
import functools
import importlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REQUIRED_MODULES = (
    "flask",
    "flask_wtf",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_babel",
    "flask_login",
    "argon2",
    "yaml",
    "openpyxl",
    "matplotlib",
    "weasyprint",
    "numpy",
    "scipy",
    "rq",
    "redis",
    "requests",
    "htmldate",
    "feedparser",
    "warcio",
    "lxml",
)
# Debian's Noto CJK collection; the TC face is used for zh-Hant, SC for zh-Hans.
REQUIRED_FONT_FAMILIES = {"zh-tw": "Noto Sans CJK TC", "zh-cn": "Noto Sans CJK SC"}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str


def check_python_modules(import_module=importlib.import_module) -> Check:
    missing = []
    for module in REQUIRED_MODULES:
        try:
            import_module(module)
        except Exception as exc:  # an import can fail with OSError when a C library is missing
            missing.append(f"{module} ({exc.__class__.__name__}: {exc})")
    if missing:
        return Check(
            "python packages",
            False,
            "cannot import " + "; ".join(missing) + ". Run `make run` to install requirements.txt.",
        )
    return Check("python packages", True, f"{len(REQUIRED_MODULES)} modules import")


def list_font_families(lang: str) -> list[str] | None:
    """Font families fontconfig offers for ``lang``, or None when fc-list is not installed."""
    if shutil.which("fc-list") is None:
        return None
    out = subprocess.run(["fc-list", f":lang={lang}", "family"], capture_output=True, text=True, check=False).stdout
    return [family for line in out.splitlines() for family in line.split(",")]


def check_cjk_fonts(list_families=None) -> Check:
    list_families = list_families or list_font_families
    problems = []
    for lang, family in REQUIRED_FONT_FAMILIES.items():
        families = list_families(lang)
        if families is None:
            return Check("CJK fonts", False, "fc-list not found: install the Debian package fontconfig.")
        if family not in families:
            problems.append(family)
    if problems:
        return Check(
            "CJK fonts",
            False,
            f"fontconfig does not see {', '.join(problems)}: install the Debian package "
            "fonts-noto-cjk. Chinese text in PDFs and charts cannot render without it.",
        )
    return Check("CJK fonts", True, ", ".join(REQUIRED_FONT_FAMILIES.values()) + " found")


EMOJI_FONT_FAMILY = "Noto Color Emoji"


def list_all_font_families() -> list[str] | None:
    """Every font family fontconfig offers, or None when fc-list is not installed."""
    if shutil.which("fc-list") is None:
        return None
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    return [family.strip() for line in out.splitlines() for family in line.split(",")]


def check_emoji_font(list_families=None) -> Check:
    """The emoji fallback face of PDFs and charts (emoji in department or file names)."""
    families = (list_families or list_all_font_families)()
    if families is None:
        return Check("emoji font", False, "fc-list not found: install the Debian package fontconfig.")
    if EMOJI_FONT_FAMILY not in families:
        return Check(
            "emoji font",
            False,
            f"fontconfig does not see {EMOJI_FONT_FAMILY}: install the Debian package fonts-noto-color-emoji. "
            "Without it emoji in names print as empty boxes in PDFs and charts.",
        )
    return Check("emoji font", True, f"{EMOJI_FONT_FAMILY} found")


def find_shared_library(name: str) -> str | None:
    return ctypes.util.find_library(name)


def check_harfbuzz_subset(find_library=None) -> Check:
    find_library = find_library or find_shared_library
    if find_library("harfbuzz-subset") is None:
        return Check(
            "libharfbuzz-subset0",
            False,
            "libharfbuzz-subset is missing: install the Debian package libharfbuzz-subset0. "
            "Without it WeasyPrint falls back to fontTools and a Chinese page takes seconds.",
        )
    return Check("libharfbuzz-subset0", True, "found")


def check_database(engine, migrations_dir: str) -> Check:
    """The database answers and is at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(migrations_dir).get_heads())
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:
        return Check("database", False, f"cannot connect to {engine.url!r}: {exc}")
    if current != heads:
        return Check(
            "database",
            False,
            f"schema at {sorted(current) or 'nothing'}, code expects {sorted(heads)}: run `flask db upgrade`.",
        )
    return Check("database", True, f"{engine.url.get_backend_name()} at {', '.join(sorted(heads))}")


def check_writable(label: str, directory: str) -> Check:
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory):
            pass
    except OSError as exc:
        return Check(label, False, f"{directory} is not writable: {exc}")
    return Check(label, True, f"{directory} writable")


def check_holiday_schedule(calendar=None, today=None) -> Check:
    """Working-day deadlines need this year's holiday schedule (FAIL without it) and, before the year ends,
    next year's (said in the message: due dates reaching it are refused until it is added to
    ``surveyapp/calendars/workdays.yaml`` or a newer chinesecalendar is installed)."""
    from datetime import date

    from surveyapp.definitions.workdays import working_calendar

    calendar = calendar or working_calendar()
    year = (today or date.today()).year
    if not calendar.knows(year):
        message = f"no holiday schedule for {year}: working-day deadlines cannot be counted. "
        return Check("holiday schedule", False, message + f"Add {year} to surveyapp/calendars/workdays.yaml.")
    if not calendar.knows(year + 1):
        return Check("holiday schedule", True, f"known for {year}; not yet for {year + 1}: due dates in {year + 1} "
                     f"are refused until its schedule is added to surveyapp/calendars/workdays.yaml "
                     "(or a newer chinesecalendar is installed)")  # fmt: skip
    return Check("holiday schedule", True, f"known for {year} and {year + 1}")


def run_diagnostics(app) -> list[Check]:
    """Every check, in the order a person would fix them."""
    from surveyapp.extensions import db

    with app.app_context():
        return [
            check_python_modules(),
            check_cjk_fonts(),
            check_emoji_font(),
            check_harfbuzz_subset(),
            check_database(db.engine, app.extensions["migrate"].directory),
            check_writable("reports directory", app.config["REPORTS_DIR"]),
            check_writable("uploads directory", app.config["UPLOADS_DIR"]),
            check_writable("inspections directory", app.config["INSPECTIONS_DIR"]),
            check_holiday_schedule(),
        ]


def database_status(engine, migrations_dir: str | None = None) -> str:
    """'ok' when the database answers and, given ``migrations_dir``, its schema is at the newest
    migration; 'outdated' when it answers but is not migrated to head (an empty database included);
    'unavailable' when it does not answer. Used by /healthz."""
    from sqlalchemy import inspect, text

    try:
        with engine.connect() as connection:
            if migrations_dir is None:
                connection.execute(text("SELECT 1"))
                return "ok"
            # Alembic's own table, read directly (what MigrationContext.get_current_heads reads, at a
            # fraction of its cost per request): one statement when all is well.
            try:
                current = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
            except Exception:
                # Only now tell "answers but nothing is migrated" (no such table) from "does not answer".
                connection.rollback()
                connection.execute(text("SELECT 1"))
                return "unavailable" if inspect(connection).has_table("alembic_version") else "outdated"
    except Exception:
        return "unavailable"
    return "ok" if current == migration_heads(migrations_dir) else "outdated"


@functools.cache
def migration_heads(migrations_dir: str) -> frozenset[str]:
    """The head revisions of the migration scripts (read once per process)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(migrations_dir).get_heads())
