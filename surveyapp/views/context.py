"""What every template may use: the language list, the current language, the navigation."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from surveyapp.definitions.why import respondent_why
from surveyapp.drafts import take_saved
from surveyapp.i18n import current_locale_name
from surveyapp.localtime import format_date, format_datetime
from surveyapp.permissions import Role, has_role
from surveyapp.views.guards import browser_path
from surveyapp.views.question_markup import cached_question

LANGUAGE_NAMES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}

# (endpoint, label, roles that see it). Entries whose endpoint is not registered are skipped,
# so features add their own entries as they land.
# (endpoint, label, roles allowed or None for everyone, the paths of its section: a page whose path, below the
# mount point, starts with one of them is marked as within the entry's section).
NAVIGATION = [
    ("main.index", _l("Home"), None, ()),
    ("respond.index", _l("My assessments"), (Role.STAFF, Role.COORDINATOR), ("/my", "/responses/")),
    ("compare.index", _l("Compare"), (Role.TRAINER, Role.ADMIN), ("/compare",)),
    ("admin.round_list", _l("Administration"), (Role.ADMIN,), ("/admin/",)),
    ("inspection.index", _l("Inspection"), (Role.ADMIN, Role.COORDINATOR), ("/inspection", "/departments/")),
]


# (script root, endpoint, values) -> URL; see fixed_url.
_FIXED_URLS: dict[tuple[str, str, tuple], str] = {}


def fixed_url(endpoint: str, **values: str) -> str:
    """``url_for(endpoint, **values)`` for a URL that depends on nothing of the request but where the
    app is mounted (``request.script_root``, from the reverse proxy's prefix): static files and the
    navigation's pages. Remembered per mount point: building the same dozen URLs on every page was a
    twentieth of a questionnaire page's time. For the templates' literal endpoints and values only
    (a bounded set), never for values that vary (ids, user input)."""
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    url = _FIXED_URLS.get(key)
    if url is None:
        url = _FIXED_URLS[key] = url_for(endpoint, **values)
    return url


def navigation_for(user) -> list[tuple[str, str, str | None]]:
    """The header's entries for ``user``: (URL, label, ``aria-current`` value). The value is "page" on the
    entry's own page, "true" on another page of its section (a questionnaire page is within "My
    assessments", a round's invitations within "Administration"), None elsewhere."""
    from flask import current_app

    here = browser_path(query=False) if request else None
    path = request.path if request else ""
    items = []
    for endpoint, label, roles, section in NAVIGATION:
        if endpoint not in current_app.view_functions:
            continue
        if roles is None or has_role(user, *roles):
            href = fixed_url(endpoint)
            current = "page" if href == here else "true" if path.startswith(section) and section else None
            items.append((href, label, current))
    return items


def heat_cell(value: float | None, label: str | None = None) -> Markup:
    """One heatmap cell: ``<td class="heat heat-N">`` with the score to one decimal, N its 20-point band
    (0–4) of the number shown (19.96 shows as 20.0, in the 20–40 band), "—" and ``heat-none`` for no
    score; ``label`` (escaped) becomes ``data-label`` for the phone layout. A function, not a template
    macro: the comparison page draws about 1,500 of them."""
    attribute = Markup(' data-label="%s"') % label if label else Markup("")
    if value is None:
        return Markup('<td%s class="heat heat-none">—</td>') % attribute
    shown = round(value, 1)
    return Markup('<td%s class="heat heat-%d">%.1f</td>') % (attribute, min(int(shown // 20), 4), shown)


def file_size(size: int) -> str:
    """A stored file's size ``size`` (bytes, an int >= 0) as the reader's locale writes it (Babel's CLDR unit
    names): bytes below 1 KB, then KB, then MB to one decimal. 1 KB is 1,024 bytes, as the upload limits
    ("larger than 5 MB") count. A 40-byte file reads "40 byte", never "0.0 KB"."""
    from babel.units import format_unit

    locale = current_locale_name()
    if size < 1024:
        return format_unit(size, "digital-byte", length="short", locale=locale)
    unit, scale = ("digital-kilobyte", 1024) if size < 1024 * 1024 else ("digital-megabyte", 1024 * 1024)
    return format_unit(size / scale, unit, length="short", format="#,##0.#", locale=locale)


def register_template_helpers(app: Flask, html_lang) -> None:
    # {{ text|in_lang(lang) }}: a questionnaire text in the reader's language.
    app.jinja_env.filters["in_lang"] = lambda text, lang: text.get(lang)
    # {{ when|localtime }} / {{ when|localdate }}: a stored UTC time in the agency's time zone.
    app.jinja_env.filters["localtime"] = format_datetime
    app.jinja_env.filters["localdate"] = format_date
    # {{ stored.size|file_size }}: "40 byte", "1.5 kB", "2.3 MB" in the reader's language.
    app.jinja_env.filters["file_size"] = file_size
    # {{ respondent_why(questionnaire, item) }}: "why we ask" for respondents (never the scholarly basis).
    app.jinja_env.globals["respondent_why"] = respondent_why
    # {{ cached_question(item, form, lang, number, response) }}: a choice question's markup, rendered once.
    app.jinja_env.globals["cached_question"] = cached_question
    app.jinja_env.globals["heat_cell"] = heat_cell
    # {{ fixed_url('static', filename='css/app.css') }}: url_for for URLs fixed per mount point.
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.filters["reject_key"] = lambda mapping, key: {k: v for k, v in mapping.items() if k != key}

    @app.context_processor
    def inject():
        locale = current_locale_name()
        return {
            "current_locale": locale,
            "html_lang": html_lang(locale),
            "language_names": LANGUAGE_NAMES,
            "navigation": navigation_for(current_user),
            "Role": Role,
            # This page's path as the browser asked for it (mount point included): the language links' next=.
            "request_path": browser_path() if request else "/",
            # Pages whose unsaved copy the browser must now forget (surveyapp/drafts.py).
            "cleared_drafts": take_saved() if request else [],
        }
