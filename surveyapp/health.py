"""The health probe, ``GET /healthz``, answered in front of the web framework.

Load balancers and monitoring poll it many times a second. It needs none of what a page needs
(session cookie, sign-in, CSRF, rate limits, language, templates), so this WSGI middleware answers
it before Flask's request handling runs: one read of the database's migration state per probe
(``services.diagnostics.database_status``), at a small fraction of a page's cost.

Answers (JSON, never cached, with the site's security headers):

* 200 ``{"database": "ok", "status": "ok"}``;
* 503 ``{"database": "outdated" | "unavailable", "status": "degraded"}``;
* 405 for methods other than GET and HEAD.

It is not a Flask route, so the access and confidentiality matrices list it under ``ENDPOINT``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

PATH = "/healthz"
ENDPOINT = "health.probe"  # its name in tests/web/test_access_matrix.py and test_confidentiality_matrix.py
_STATUS_LINES = {200: "200 OK", 405: "405 METHOD NOT ALLOWED", 503: "503 SERVICE UNAVAILABLE"}


def health_body(database: str) -> tuple[int, dict[str, str]]:
    """HTTP status and JSON body for a ``database_status`` answer ('ok', 'outdated', 'unavailable')."""
    return (200 if database == "ok" else 503), {
        "database": database,
        "status": "ok" if database == "ok" else "degraded",
    }


class HealthProbe:
    """WSGI middleware: answers ``PATH`` itself and passes every other request to ``wsgi_app``.

    ``database_status`` is called once per GET or HEAD probe and returns 'ok', 'outdated' or
    'unavailable'; ``headers`` are added to every answer (the site's security headers)."""

    def __init__(self, wsgi_app, database_status: Callable[[], str], headers: Sequence[tuple[str, str]]):
        self.wsgi_app = wsgi_app
        self.database_status = database_status
        self.headers = list(headers)

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.wsgi_app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        extra: list[tuple[str, str]] = []
        if method in ("GET", "HEAD"):
            code, body = health_body(self.database_status())
        else:
            code, body = 405, {"error": "405", "message": "Method Not Allowed"}
            extra.append(("Allow", "GET, HEAD"))
        payload = json.dumps(body, sort_keys=True).encode("ascii")
        start_response(
            _STATUS_LINES[code],
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                ("Cache-Control", "no-store"),
                *self.headers,
                *extra,
            ],
        )
        return [b""] if method == "HEAD" else [payload]
