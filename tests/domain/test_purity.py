"""The pure core (rules, file formats, rendering) must stay importable without Flask or SQLAlchemy."""

import ast
import pkgutil
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

PURE_PACKAGES = ("surveyapp.domain", "surveyapp.definitions", "surveyapp.reporting")
WEB = ("flask", "flask_sqlalchemy", "flask_wtf", "flask_login", "sqlalchemy", "wtforms")
# Layers above the pure core: a pure module importing one of these would pull the app back in.
UPPER = tuple(
    f"surveyapp.{name}"
    for name in ("app", "extensions", "models", "services", "views", "forms", "cli", "jobs", "permissions", "i18n")
)


def _modules(package: str) -> list[str]:
    path = import_module(package).__path__
    return [package] + [f"{package}.{info.name}" for info in pkgutil.iter_modules(path)]


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_package_imports_without_flask_or_sqlalchemy(package):
    modules = _modules(package)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"web = {WEB!r}\n"
        f"upper = {UPPER!r}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in web"
        " or any(m == u or m.startswith(u + '.') for u in upper))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{package} pulled in: {result.stdout.strip()}"


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_package_has_no_deferred_web_imports(package):
    """Imports inside functions are not run by the import test above; read every import statement instead."""
    offenders = []
    for file in sorted(Path(import_module(package).__path__[0]).glob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.split(".")[0] in WEB or any(name == u or name.startswith(u + ".") for u in UPPER):
                    offenders.append(f"{file.name}:{node.lineno} imports {name}")
    assert offenders == []
