"""What the benchmarks share: a throw-away app in a temporary folder (its own SQLite database, migrated),
so nothing of the instance is touched."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def temporary_app(name: str, **config):
    """``(app, workdir)``: an app on a fresh, migrated SQLite database in a new temporary folder named after
    the benchmark, without CSRF or rate limits (benchmarks post forms as a test client); ``config`` adds to
    or overrides those settings."""
    from flask_migrate import upgrade

    from surveyapp.app import create_app

    workdir = Path(tempfile.mkdtemp(prefix=f"surveyapp-bench-{name}-"))
    settings = {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.db",
                "REPORTS_DIR": str(workdir / "reports"), "UPLOADS_DIR": str(workdir / "uploads"),
                "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False} | config  # fmt: skip
    app = create_app(settings)
    with app.app_context():
        upgrade()
    return app, workdir
