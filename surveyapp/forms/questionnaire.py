"""Forms built from a questionnaire: one builder per item kind, one form class per page.

``page_form_class`` makes (and caches) a ``FlaskForm`` subclass for one page of one part of one
questionnaire version in one language; fields are named by item key, in questionnaire order.
``answers_from_form`` and ``formdata_from_answers`` are the only bridge between forms and the
domain. Whether a question must be answered is decided by the domain (``unanswered_required``),
not by the fields, so a respondent can save a half-finished page as a draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import Field
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from surveyapp.domain.questionnaire import NA, Item, Questionnaire
from surveyapp.forms.base import FlaskForm

NA_VALUE = "na"
NA_SUFFIX = "__na"
TEXT_MAX = 5000
URL_MAX = 2000


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choice_in(values, message=None):
    """Refuse a value the question does not offer (tampered forms)."""
    allowed = {str(v) for v in values}

    def check(form, field):
        data = field.data if isinstance(field.data, list) else [field.data]
        if any(value not in (None, "") and str(value) not in allowed for value in data):
            raise ValidationError(message or _l("Choose one of the answers offered."))

    return check


def web_address(form, field):
    """Only http and https links are accepted as evidence."""
    if not field.data:
        return
    parts = urlsplit(field.data.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))


def number_or_blank(form, field):
    if field.data in (None, ""):
        return
    try:
        float(str(field.data).replace(",", ""))
    except ValueError:
        raise ValidationError(_l("Enter a number.")) from None


def number_in_range(item: Item):
    def check(form, field):
        if field.data in (None, ""):
            return
        try:
            value = float(str(field.data).replace(",", ""))
        except ValueError:
            return  # number_or_blank reports it
        low, high = item.minimum, item.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValidationError(
                _l("Enter a number from %(low)s to %(high)s.", low=_fmt(low, "−∞"), high=_fmt(high, "∞"))
            )

    return check


def _fmt(number, default):
    if number is None:
        return default
    return int(number) if float(number).is_integer() else number


def _na_label():
    return _l("Not applicable")


# -- builders: one per kind; each returns {field name: unbound field} ------------------------------

Builder = Callable[[Item, str, Questionnaire], dict[str, Field]]


def _choices_with_na(item: Item, choices) -> list[SelectChoice]:
    pairs = list(choices) + ([(NA_VALUE, _na_label())] if item.allow_na else [])
    return [SelectChoice(value, label) for value, label in pairs]


def _radio_group(item: Item, lang: str, pairs) -> dict[str, Field]:
    """One radio group (with "not applicable" when the item allows it) that refuses other values."""
    choices = _choices_with_na(item, pairs)
    return {
        item.key: RadioField(
            item.text.get(lang),
            choices=choices,
            validate_choice=False,
            validators=[Optional(), choice_in(c.value for c in choices)],
        )
    }


def build_likert(item: Item, lang: str, questionnaire: Questionnaire):
    labels = questionnaire.likert_labels[lang]
    return _radio_group(item, lang, [(str(i), f"{i} · {labels[i - 1]}") for i in range(1, 6)])


def build_yesno(item: Item, lang: str, questionnaire: Questionnaire):
    return _radio_group(item, lang, [("yes", _l("Yes")), ("no", _l("No"))])


def build_single_choice(item: Item, lang: str, questionnaire: Questionnaire):
    return _radio_group(item, lang, [(o.value, o.label.get(lang)) for o in item.options])


def build_multi_choice(item: Item, lang: str, questionnaire: Questionnaire):
    choices = _choices_with_na(item, [(o.value, o.label.get(lang)) for o in item.options])
    return {
        item.key: MultiCheckboxField(
            item.text.get(lang),
            choices=choices,
            validate_choice=False,
            validators=[choice_in(c.value for c in choices)],
        )
    }


def build_number(item: Item, lang: str, questionnaire: Questionnaire):
    fields = {
        item.key: StringField(
            item.text.get(lang),
            validators=[Optional(), Length(max=40), number_or_blank, number_in_range(item)],
            render_kw={"inputmode": "decimal", "autocomplete": "off"},
        )
    }
    if item.allow_na:
        fields[item.key + NA_SUFFIX] = BooleanField(_na_label())
    return fields


def build_date(item: Item, lang: str, questionnaire: Questionnaire):
    fields = {
        item.key: DateField(item.text.get(lang), validators=[Optional()], description=_l("Use the form YYYY-MM-DD."))
    }
    if item.allow_na:
        fields[item.key + NA_SUFFIX] = BooleanField(_na_label())
    return fields


def build_text(item: Item, lang: str, questionnaire: Questionnaire):
    message = _l("Write at most %(n)d characters.", n=TEXT_MAX)
    return {
        item.key: TextAreaField(item.text.get(lang), validators=[Optional(), Length(max=TEXT_MAX, message=message)])
    }


def build_evidence_url(item: Item, lang: str, questionnaire: Questionnaire):
    message = _l("Write at most %(n)d characters.", n=URL_MAX)
    return {
        item.key: StringField(
            item.text.get(lang),
            validators=[Optional(), Length(max=URL_MAX, message=message), web_address],
            render_kw={"type": "url", "inputmode": "url", "placeholder": "https://"},
        )
    }


def build_evidence_file(item: Item, lang: str, questionnaire: Questionnaire):
    fields = {item.key: FileField(item.text.get(lang))}
    fields[item.key + "__remove"] = BooleanField(_l("Remove the uploaded file"))
    return fields


BUILDERS: dict[str, Builder] = {
    "likert5": build_likert,
    "yesno": build_yesno,
    "single_choice": build_single_choice,
    "multi_choice": build_multi_choice,
    "number": build_number,
    "date": build_date,
    "text": build_text,
    "evidence_url": build_evidence_url,
    "evidence_file": build_evidence_file,
}


_form_classes: dict[tuple, type[FlaskForm]] = {}


def page_form_class(questionnaire: Questionnaire, part_key: str, page: int, lang: str) -> type[FlaskForm]:
    """The form class for one page (cached per questionnaire version, part, page and language)."""
    cache_key = (questionnaire.key, questionnaire.version, questionnaire.fingerprint, part_key, page, lang)
    form_class = _form_classes.get(cache_key)
    if form_class is None:
        form_class = _form_classes[cache_key] = _build_page_form_class(questionnaire, part_key, page, lang)
    return form_class


def _build_page_form_class(questionnaire: Questionnaire, part_key: str, page: int, lang: str) -> type[FlaskForm]:
    items = questionnaire.part(part_key).sections[page].items
    attributes: dict[str, Any] = {}
    with force_locale(lang):
        for item in items:
            builder = BUILDERS.get(item.kind)
            if builder is None:  # the loader refuses unknown kinds; this guards against drift
                raise KeyError(f"no form builder for item kind {item.kind!r} ({item.key})")
            attributes.update(builder(item, lang, questionnaire))
    return type(f"Page_{questionnaire.key}_{questionnaire.version}_{part_key}_{page}_{lang}", (FlaskForm,), attributes)


def answers_from_form(form: FlaskForm, items) -> dict[str, Any]:
    """Domain answers from a validated page form; None means "no answer" (clears a stored one).

    Evidence files are not read here: the view stores uploads and passes their values in.
    """
    answers: dict[str, Any] = {}
    for item in items:
        field = form[item.key]
        na_field = form._fields.get(item.key + NA_SUFFIX)
        if na_field is not None and na_field.data:
            answers[item.key] = NA
            continue
        data = field.data
        if item.kind == "evidence_file":
            continue
        if item.kind == "multi_choice":
            values = [v for v in (data or []) if v]
            answers[item.key] = NA if NA_VALUE in values else (values or None)
        elif item.kind in ("likert5", "yesno", "single_choice"):
            if data in (None, "", "None"):
                answers[item.key] = None
            elif data == NA_VALUE:
                answers[item.key] = NA
            else:
                answers[item.key] = int(data) if item.kind == "likert5" else str(data)
        elif item.kind == "number":
            text = str(data or "").replace(",", "").strip()
            answers[item.key] = None if not text else _number(text)
        elif item.kind == "date":
            answers[item.key] = data.isoformat() if isinstance(data, dt.date) else None
        else:
            text = (data or "").strip()
            answers[item.key] = text or None
    return answers


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def formdata_from_answers(items, answers: dict[str, Any]) -> dict[str, Any]:
    """Field data that shows stored answers in a page form (to resume a draft)."""
    data: dict[str, Any] = {}
    for item in items:
        value = answers.get(item.key)
        if value is None:
            continue
        if value is NA:
            if item.kind in ("number", "date"):
                data[item.key + NA_SUFFIX] = True
            elif item.kind == "multi_choice":
                data[item.key] = [NA_VALUE]
            else:
                data[item.key] = NA_VALUE
        elif item.kind == "date":
            try:
                data[item.key] = dt.date.fromisoformat(str(value))
            except ValueError:
                continue
        elif item.kind == "evidence_file":
            continue
        elif item.kind == "multi_choice":
            data[item.key] = list(value)
        else:
            data[item.key] = str(value)
    return data
