"""Language choice: the switcher's cookie first, then the browser's Accept-Language, then the default."""

from __future__ import annotations

from flask import current_app, request

# Browser language tags mapped onto the three catalogues. Regions that write Traditional
# characters map to zh_Hant; every other Chinese tag maps to zh_Hans.
_TRADITIONAL = {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}


def catalogue(value: str | None) -> str | None:
    """The catalogue for a language named as in ``config.LANGUAGES``, written with "_" or "-"
    (``zh-Hans`` and ``zh_Hans`` → ``zh_Hans``); None for anything else. The one normaliser of a
    ``lang`` parameter, option or cookie (browser tags go through ``locale_for_tag``)."""
    from surveyapp.config import LANGUAGES

    lang = (value or "").replace("-", "_")
    return lang if lang in LANGUAGES else None


def locale_for_tag(tag: str) -> str | None:
    """The catalogue for one Accept-Language tag, or None when it has none."""
    tag = tag.strip().lower().replace("_", "-")
    if tag.startswith("en"):
        return "en"
    if tag == "zh" or tag.startswith("zh-"):
        if any(tag == t or tag.startswith(t + "-") for t in _TRADITIONAL):
            return "zh_Hant"
        return "zh_Hans"
    return None


def negotiate_locale(accept_languages, default: str) -> str:
    """Pick the catalogue for ``accept_languages``, a list of (tag, quality) best first."""
    for tag, _quality in accept_languages:
        locale = locale_for_tag(tag)
        if locale:
            return locale
    return default


def select_locale() -> str:
    chosen = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return negotiate_locale(request.accept_languages, current_app.config["BABEL_DEFAULT_LOCALE"])


def html_lang(locale) -> str:
    """BCP 47 tag for the ``lang`` attribute: zh_Hant → zh-Hant."""
    return str(locale).replace("_", "-")
