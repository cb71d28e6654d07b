"""The domain must stay importable without Flask or SQLAlchemy."""

import pkgutil
import subprocess
import sys

import surveyapp.domain


def test_domain_imports_without_flask_or_sqlalchemy():
    modules = ["surveyapp.domain"] + [
        f"surveyapp.domain.{info.name}" for info in pkgutil.iter_modules(surveyapp.domain.__path__)
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "web = ('flask', 'sqlalchemy', 'flask_sqlalchemy')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in web)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"domain pulled in: {result.stdout.strip()}"
