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

# (endpoint, label, roles that see it or None for everyone, the folders of its section: a page whose path,
# below the mount point, lies in one of them is marked as within the entry's section). Entries whose endpoint
# is not registered are skipped, so features add their own entries as they land.
NAVIGATION = [
    ("main.index", _l("Home"), None, ()),
    ("respond.index", _l("My assessments"), (Role.STAFF, Role.COORDINATOR), ("/responses",)),
    ("compare.index", _l("Compare"), (Role.TRAINER, Role.ADMIN), ("/compare",)),
    ("admin.round_list", _l("Administration"), (Role.ADMIN,), ("/admin",)),
    ("inspection.index", _l("Inspection"), (Role.ADMIN, Role.COORDINATOR), ("/departments",)),
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
    entry's own page and "true" on a page below one of its section's folders (a questionnaire page is within
    "My assessments", a round's invitations within "Administration"); None elsewhere, and everywhere on an
    error page (``g.error_page``, set by views/errors: it is in no section, whatever its path)."""
    from flask import current_app, g

    mark = bool(request) and not g.get("error_page")
    here = browser_path(query=False) if mark else None
    path = request.path if mark else ""
    items = []
    for endpoint, label, roles, folders in NAVIGATION:
        if endpoint not in current_app.view_functions:
            continue
        if roles is None or has_role(user, *roles):
            href = fixed_url(endpoint)
            within = path and any(path.startswith(folder + "/") for folder in folders)
            items.append((href, label, "page" if href == here else "true" if within else None))
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
    """A stored file's size ``size`` (bytes, an int >= 0) for the reader: bytes below 1 KB, then KB, then MB
    to one decimal, the number in the reader's locale (Babel), the unit from the catalogue. 1 KB is 1,024
    bytes, as the upload limits ("larger than 5 MB") count; a size that rounds to 1,024 KB reads "1 MB".
    A 40-byte file reads "40 bytes", never "0.0 KB"."""
    from flask_babel import format_decimal, gettext, ngettext

    if size < 1024:
        return ngettext("%(size)s byte", "%(size)s bytes", size, size=format_decimal(size))
    kilobytes = round(size / 1024, 1)
    if kilobytes < 1024:
        return gettext("%(size)s KB", size=format_decimal(kilobytes, format="#,##0.#"))
    return gettext("%(size)s MB", size=format_decimal(round(size / 1024 / 1024, 1), format="#,##0.#"))


def register_template_helpers(app: Flask, html_lang) -> None:
    # {{ text|in_lang(lang) }}: a questionnaire text in the reader's language.
    app.jinja_env.filters["in_lang"] = lambda text, lang: text.get(lang)
    # {{ when|localtime }} / {{ when|localdate }}: a stored UTC time in the agency's time zone.
    app.jinja_env.filters["localtime"] = format_datetime
    app.jinja_env.filters["localdate"] = format_date
    # {{ stored.size|file_size }}: "40 bytes", "1.5 KB", "2.3 MB" in the reader's language.
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
