"""Unsaved answers kept by the browser (``static/js/drafts.js``) and when the browser must forget them.

The browser keeps what is typed on a questionnaire page in local storage, under a key made of the
response id and the page number only (``surveyapp.draft.<response>.<page>``: nothing that names the
person). The server tells it, on the next page it renders, which of those copies to drop:

- after a page was saved, that page's copy (``"<response>:<page>"``);
- after a response was submitted, every page's copy (``"<response>:*"``).

Sign-out clears every copy (the script, and a ``Clear-Site-Data`` header on the sign-out response).
A copy is restored only over the same saved state it was typed on: ``page_version`` is a keyed digest
of a page's saved answers (of its ``answer_versions``, which the page form sends back so a save can
tell which answers were saved elsewhere meanwhile), so a copy made before a later save elsewhere is
dropped, and the digest reveals nothing about the answers without the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

from flask import current_app, session

from surveyapp.domain.questionnaire import NA

SAVED = "saved_drafts"
_KEEP = 20  # markers kept in the session until a page is rendered


def note_saved(response_id: int, page: int | None = None) -> None:
    """Tell the browser, on the next rendered page, that a page (or, with ``page=None``, every page) of
    the response is saved and its local copy must go."""
    marker = f"{response_id}:{'*' if page is None else int(page)}"
    session[SAVED] = [*session.get(SAVED, []), marker][-_KEEP:]


def take_saved() -> list[str]:
    """The markers noted since the last rendered page (each given out once)."""
    if SAVED not in session:
        return []
    return [str(marker) for marker in session.pop(SAVED)]


def answer_digest(response_id: int, key: str, value: Any) -> str:
    """A keyed digest (hex, 8 characters) of one saved answer (``None``: no answer)."""
    text = json.dumps([response_id, key, "\u2205na" if value is NA else value], sort_keys=True, default=str,
                      ensure_ascii=False)  # fmt: skip
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:8]


def answer_versions(response_id: int, answers: dict[str, Any], keys: Iterable[str]) -> str:
    """``answer_digest`` of each item ``keys`` (in that order), joined by ".": what a page form sends back
    (``base_version``), so a save can tell which answers were saved elsewhere after the page was
    rendered (``services.responses.merge_with_saved``). Reveals nothing without the secret key."""
    return ".".join(answer_digest(response_id, key, answers.get(key)) for key in keys)


def page_version(versions: str) -> str:
    """A keyed digest (hex, 16 characters) of a page's ``answer_versions``: the saved state the browser's
    copy of unsaved answers is kept under."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"page:" + versions.encode(), hashlib.sha256).hexdigest()[:16]
