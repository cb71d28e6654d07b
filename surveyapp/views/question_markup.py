"""The markup of a choice question (radio buttons, checkboxes) on a questionnaire page, rendered once and
reused with each respondent's own ticks.

Rendering the ``question`` macro was a third of a questionnaire page's server time, and all of it but the
``checked`` attributes is the same for every respondent: the text, help, "why we ask" and the options of
one question of one questionnaire version, in one language, with one number. ``cached_question`` renders
the macro once for an empty form of the page's form class (nothing ticked, no error, nothing of a user,
a response or a session in it) and keeps the markup with the place of each option's ``checked``; for a
request it inserts ``checked`` where this respondent's own form data ticks an option.

It answers None (the template renders the macro as before) where the markup would depend on more than
the ticks: a question with errors, a kind that is not a group of options, an option ticked by default.
The key is the form class (one per questionnaire key, version, fingerprint, part, page and language, see
``forms.questionnaire.page_form_class``), the question, its number, the language and whether a response
is shown, so a new questionnaire version or another language never meets another's markup. The "why we
ask" text is fixed by the form class: it is the item's own, its dimension's (both in the fingerprinted
definition) or the overlay file of that key and version (``definitions/why.py``), read once per process.
The tests compare it, byte for byte, with the macro's own output.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict

from flask import current_app
from markupsafe import Markup, escape

from surveyapp.forms.kinds import field_kind
from surveyapp.i18n import current_locale_name

MAX_ENTRIES = 4096  # questions kept per process (a questionnaire has about a hundred)
CHECKED = Markup(" checked")
_INPUT = "<input"
# (form class, item key, number, language, locale, why) -> (markup, insertion offset per option) or None
_cache: OrderedDict[tuple, tuple[str, list[int]] | None] = OrderedDict()
_lock = threading.Lock()
_MISSING = object()


def clear() -> None:
    _cache.clear()


def _selected(field) -> list[bool]:
    return [bool(choice[2]) for choice in field.iter_choices()]


def _build(item, form, lang: str, number: int, response) -> tuple[Markup, list[int]] | None:
    """The macro's markup for an empty form of ``form``'s class and where each option's ``checked`` goes."""
    blank = type(form)(formdata=None, data={})
    field = blank[item.key]
    if any(_selected(field)):  # ticked by default: not the same for every respondent's empty page
        return None
    macro = current_app.jinja_env.get_template("macros/questions.html").module.question_markup
    markup = macro(item, blank, lang, number, {}, response)  # Markup: the macro's own escaped output
    if not isinstance(markup, Markup):
        return None  # only autoescaped output is reused
    offsets = []
    for index in range(len(_selected(field))):
        at = markup.find(f' id="{escape(f"{field.id}-{index}")}"')
        start = markup.rfind(_INPUT, 0, at) if at >= 0 else -1
        if start < 0 or markup.count(f' id="{escape(f"{field.id}-{index}")}"') != 1:
            return None  # not the markup this module knows: render the macro each time
        offsets.append(start + len(_INPUT))
    return markup, offsets


def cached_question(item, form, lang: str, number: int, response) -> Markup | None:
    """The question's markup with this form's ticks, or None to render the ``question_markup`` macro."""
    if not current_app.config.get("QUESTION_MARKUP_CACHE", True):
        return None
    field = form._fields.get(item.key)
    if field is None or field.errors or not field_kind(item).group:
        return None
    key = (type(form), item.key, number, lang, current_locale_name(), response is None)
    entry = _cache.get(key, _MISSING)
    if entry is _MISSING:
        entry = _build(item, form, lang, number, response)
        with _lock:  # threaded workers: one writer at a time; a reader at worst renders the macro once more
            _cache[key] = entry
            while len(_cache) > MAX_ENTRIES:
                _cache.popitem(last=False)
    else:
        with _lock, contextlib.suppress(KeyError):
            _cache.move_to_end(key)
    if entry is None:
        return None
    markup, offsets = entry
    selected = _selected(field)
    if len(selected) != len(offsets):
        return None
    parts, last = [], 0
    for offset, ticked in zip(offsets, selected, strict=True):
        if ticked:
            parts += [markup[last:offset], CHECKED]
            last = offset
    parts.append(markup[last:])
    return Markup("").join(parts)  # every piece is Markup: the macro's own output and CHECKED
