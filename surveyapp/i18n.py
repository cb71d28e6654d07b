"""Language choice: the switcher's cookie first, then the browser's Accept-Language, then the default."""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import get_locale, get_translations

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


def current_translations():
    """``flask_babel.get_translations()``, remembered for the current locale of this request or app
    context: flask_babel looks the catalogue up anew on every call (context, locale, domain, cache),
    which was a fifth of a text-heavy page's time. ``force_locale`` and ``refresh`` replace the
    context's locale object, so the memo (kept beside it, keyed by that object) follows them."""
    if not g:
        return get_translations()
    state = g.get("_flask_babel")
    memo = getattr(state, "surveyapp_translations", None)
    if memo is not None and memo[0] is getattr(state, "babel_locale", None):
        return memo[1]
    translations = get_translations()
    state = g._flask_babel  # flask_babel's per-context state, with the locale it just chose
    state.surveyapp_translations = (getattr(state, "babel_locale", None), translations)
    return translations


def current_locale_name() -> str:
    """``str(flask_babel.get_locale())`` ("zh_Hans", "en"...), remembered like ``current_translations``
    beside the context's locale object: babel builds the string anew on every ``str()``, and a
    questionnaire page asks about twenty times. "" outside a request or app context."""
    locale = get_locale()
    if locale is None:
        return ""
    state = g._flask_babel  # set by get_locale: flask_babel's per-context state
    memo = getattr(state, "surveyapp_locale_name", None)
    if memo is not None and memo[0] is locale:
        return memo[1]
    name = str(locale)
    state.surveyapp_locale_name = (locale, name)
    return name


def install_template_gettext(jinja_env) -> None:
    """Templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext`` through
    ``current_translations`` (what flask_babel installs, without its per-call lookup)."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
