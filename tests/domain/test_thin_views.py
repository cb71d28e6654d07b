"""Views only parse, call a service and render: no query, no commit, no guard borrowed from another view.

Read from the source (AST), next to the purity test: a view that builds a ``select(``, executes,
writes or commits through ``db.session``, or imports from another view module, fails here.
"""

import ast
from pathlib import Path

import surveyapp.views

VIEWS = Path(surveyapp.views.__path__[0])
# Reading one row by primary key is a lookup, not a query: guards use it to answer 404.
ALLOWED_SESSION = {"get"}
# Modules of views/ that other views may import: the shared guards and the cached question markup (a
# rendering helper with no route, used by the template context).
SHARED = {"surveyapp.views.guards", "surveyapp.views.question_markup"}


def offences(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "sqlalchemy":
                found.append(f"{name}:{node.lineno} imports {node.module}")
            if node.module.startswith("surveyapp.views.") and node.module not in SHARED:
                found.append(f"{name}:{node.lineno} imports from another view, {node.module}")
        elif isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "select") or (
                isinstance(func, ast.Attribute) and func.attr == "select"
            ):
                found.append(f"{name}:{node.lineno} builds a query (select)")
            if isinstance(func, ast.Attribute) and func.attr in ("commit", "rollback", "flush"):
                found.append(f"{name}:{node.lineno} ends a transaction ({func.attr})")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            owner = node.value
            if owner.attr == "session" and isinstance(owner.value, ast.Name) and owner.value.id == "db":
                if node.attr not in ALLOWED_SESSION:
                    found.append(f"{name}:{node.lineno} uses db.session.{node.attr}")
    return found


def test_views_do_not_query_write_or_commit():
    found = []
    for file in sorted(VIEWS.glob("*.py")):
        found += offences(file.read_text(encoding="utf-8"), file.name)
    assert found == []


def test_the_check_catches_a_query_a_commit_and_a_borrowed_guard():
    bad = (
        "from sqlalchemy import select\n"
        "from surveyapp.views.admin import helper\n"
        "def view():\n"
        "    rows = db.session.scalars(select(User)).all()\n"
        "    db.session.add(rows[0])\n"
        "    db.session.commit()\n"
    )
    found = " ".join(offences(bad, "bad.py"))
    for expected in ("imports sqlalchemy", "another view", "select", "db.session.scalars", "db.session.add", "commit"):
        assert expected in found
    assert offences("def view():\n    return db.session.get(User, 1)\n", "ok.py") == []
