"""The inspector's machinery outside the pure core: safe HTTP fetching (``crawler``), one inspection of a
department's targets (``run``) and a small local government-style site for offline trials (``demo_site``).
No Flask, no database: the service (``services/inspection.py``) stores what these return.

The two helpers below are here, not in ``crawler``, because the web app uses them at start-up
(registering targets) and should not import the HTTP stack until it fetches something.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def host_of(url: str) -> str:
    """``host[:port]`` of ``url``, lower case, without user information (the unit a registration allows);
    empty for an address that has none or cannot be parsed (an invalid IPv6 literal, a port out of range)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return ""


def refused_error(error: str | None) -> bool:
    """Whether a fetch ``error`` names one of the crawler's own refusals (not the site failing). A robots.txt
    that could not be read because the server failed is the site failing."""
    error = error or ""
    return error in ("robots.txt", "not registered", "page budget", "byte budget") or error.startswith(
        ("private address ", "redirect to unregistered host ")
    )
