"""WTForms' own messages ("This field is required.", "Not a valid choice."...) in the page's language.

WTForms ships catalogues for ``zh`` (Simplified) and ``zh_TW`` (Traditional); our locales are
``zh_Hans`` and ``zh_Hant``, so Flask-WTF's built-in lookup (which asks for the locale's own name)
finds none and every built-in message stays English. ``form_translations`` maps our locale to
WTForms' and consults our catalogue first for the messages WTForms' catalogues lack (listed in
``MESSAGES_MISSING_UPSTREAM``, so that ``make messages`` extracts them).
"""

from __future__ import annotations

from functools import cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms.i18n import get_translations as wtforms_translations

from surveyapp.i18n import current_translations

# Our locale -> WTForms' catalogue (wtforms/locale/<name>).
WTFORMS_LOCALES = {"zh_Hans": "zh", "zh_Hant": "zh_TW", "en": "en"}

# WTForms 3.3 messages missing from its zh and/or zh_TW catalogues (the same msgids as WTForms').
MESSAGES_MISSING_UPSTREAM = (
    _l("'%(value)s' is not a valid choice for this field."),
    _l("Not a valid week value."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
)


class FormTranslations:
    """The ``gettext``/``ngettext`` object WTForms asks for: our catalogue, then WTForms' own."""

    def __init__(self, ours, theirs):
        self.ours, self.theirs = ours, theirs

    def gettext(self, message: str) -> str:
        translated = self.ours.gettext(message)
        return translated if translated != message else self.theirs.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if n == 1:
            translated = self.ours.gettext(singular)
            if translated != singular:
                return translated
        return self.theirs.ngettext(singular, plural, n)


def form_translations() -> FormTranslations:
    """The translations for WTForms' messages in the current request's language."""
    locale = str(get_locale() or "en")
    return FormTranslations(current_translations(), _wtforms_catalogue(WTFORMS_LOCALES.get(locale, "en")))


@cache
def _wtforms_catalogue(name: str):
    """WTForms' catalogue ``name``, found and read once per process (its lookup searches the disk)."""
    return wtforms_translations([name])
