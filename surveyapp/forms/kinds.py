"""The form field of each item kind: a registry keyed by the kind names of ``surveyapp.domain.kinds``.

Each ``FieldKind`` builds the WTForms fields of one item (``build``), reads the domain answer back
from a validated form (``answer``), gives the field data that shows a stored answer (``formdata``)
and the answer an XLSForm ``default`` stands for (``default_answer``),
and tells the question macro how to lay the question out (``group``: a fieldset of radio buttons or
checkboxes; ``css_class``; ``upload``: a file input with the stored file shown). ``register_jinja``
exposes ``field_kind``, ``item_kind`` and ``answer_text_of`` to templates, so they never test
``item.kind`` themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import Length, Optional

from surveyapp.domain import kinds as domain_kinds
from surveyapp.domain.kinds import TEXT_MAX, URL_MAX
from surveyapp.domain.questionnaire import NA, Item, Questionnaire
from surveyapp.forms.fields import (
    CheckboxListField,
    choice_in,
    not_with_na,
    number_in_range,
    number_or_blank,
    one_value,
    parse_number,
    web_address,
)

NA_VALUE = "na"
NA_SUFFIX = "__na"
REMOVE_SUFFIX = "__remove"
NOT_READ = object()  # ``answer`` result: this field's answer is not read from the form (uploads)


def _na_label():
    return _l("Not applicable")


def _choices_with_na(item: Item, choices) -> list[SelectChoice]:
    pairs = list(choices) + ([(NA_VALUE, _na_label())] if item.allow_na else [])
    return [SelectChoice(value, label) for value, label in pairs]


class FieldKind:
    """Form behaviour of one kind. ``build`` returns {field name: unbound field}."""

    group = False  # a fieldset of radio buttons / checkboxes rather than one labelled input
    css_class = ""
    upload = False
    na_checkbox = False  # "not applicable" is a separate checkbox (``<key>__na``)

    def build(self, item: Item, lang: str, questionnaire: Questionnaire) -> dict[str, Field]:
        raise NotImplementedError

    def answer(self, item: Item, data: Any) -> Any:
        """The domain answer from the field's data (NA checkboxes are handled by the caller)."""
        text = (data or "").strip()
        return text or None

    def formdata(self, item: Item, value: Any) -> dict[str, Any]:
        """Field data showing a stored answer; {} when the field cannot show it."""
        if value is NA:
            return {item.key + NA_SUFFIX: True} if self.na_checkbox else {item.key: NA_VALUE}
        return {item.key: str(value)}

    def default_answer(self, item: Item) -> Any:
        """The answer the form starts with before one is stored (XLSForm ``default``); None: none."""
        return item.default


class RadioKind(FieldKind):
    """One radio group (with "not applicable" when the item allows it) that refuses other values."""

    group = True

    def pairs(self, item: Item, lang: str, questionnaire: Questionnaire) -> list[tuple[str, Any]]:
        return [(o.value, o.label.get(lang)) for o in item.options]

    def build(self, item, lang, questionnaire):
        choices = _choices_with_na(item, self.pairs(item, lang, questionnaire))
        return {
            item.key: RadioField(
                item.text.get(lang),
                choices=choices,
                validate_choice=False,
                validators=[one_value, Optional(), choice_in(c.value for c in choices)],
            )
        }

    def value(self, data: str) -> Any:
        return str(data)

    def answer(self, item, data):
        if data in (None, "", "None"):
            return None
        if data == NA_VALUE:
            return NA
        try:
            return self.value(data)
        except ValueError:  # e.g. a blank or tampered five-point answer: refused by ``kinds.check_answer``
            return str(data)


class LikertField(RadioKind):
    css_class = "likert"

    def pairs(self, item, lang, questionnaire):
        labels = questionnaire.likert_labels[lang]
        return [(str(i), f"{i} · {labels[i - 1]}") for i in range(1, 6)]

    def value(self, data):
        return int(data)


class YesNoField(RadioKind):
    def pairs(self, item, lang, questionnaire):
        return [("yes", _l("Yes")), ("no", _l("No"))]


class MultiChoiceField(FieldKind):
    group = True

    def build(self, item, lang, questionnaire):
        choices = _choices_with_na(item, [(o.value, o.label.get(lang)) for o in item.options])
        return {
            item.key: CheckboxListField(
                item.text.get(lang),
                choices=choices,
                validate_choice=False,
                validators=[choice_in(c.value for c in choices)],
            )
        }

    def answer(self, item, data):
        values = [v for v in (data or []) if v]
        return NA if NA_VALUE in values else (values or None)

    def formdata(self, item, value):
        return {item.key: [NA_VALUE] if value is NA else list(value)}

    def default_answer(self, item):
        return item.default.split() if item.default is not None else None  # XLSForm: space-separated


class NumberField(FieldKind):
    na_checkbox = True

    def build(self, item, lang, questionnaire):
        fields = {
            item.key: StringField(
                item.text.get(lang),
                validators=[
                    Optional(),
                    Length(max=40),
                    number_or_blank,
                    number_in_range(item, lang),
                    not_with_na(item.key + NA_SUFFIX),
                ],
                render_kw={"inputmode": "decimal", "autocomplete": "off"},
            )
        }
        if item.allow_na:
            fields[item.key + NA_SUFFIX] = BooleanField(_na_label())
        return fields

    def answer(self, item, data):
        text = str(data or "").strip()
        return None if not text else parse_number(text)

    def default_answer(self, item):
        value = item.default
        return int(value) if isinstance(value, float) and value.is_integer() else value


class DateKind(FieldKind):
    na_checkbox = True

    def build(self, item, lang, questionnaire):
        fields = {
            item.key: DateField(
                item.text.get(lang),
                validators=[Optional(), not_with_na(item.key + NA_SUFFIX)],
                description=_l("Use the form YYYY-MM-DD."),
            )
        }
        if item.allow_na:
            fields[item.key + NA_SUFFIX] = BooleanField(_na_label())
        return fields

    def answer(self, item, data):
        return data.isoformat() if isinstance(data, dt.date) else None

    def formdata(self, item, value):
        if value is NA:
            return super().formdata(item, value)
        try:
            return {item.key: dt.date.fromisoformat(str(value))}
        except ValueError:
            return {}


class TextKind(FieldKind):
    def build(self, item, lang, questionnaire):
        message = _l("Write at most %(n)d characters.", n=TEXT_MAX)
        validators = [Optional(), Length(max=TEXT_MAX, message=message)]
        if item.min_length is not None or item.max_length is not None:  # an XLSForm constraint
            low, high = item.min_length or 0, item.max_length if item.max_length is not None else TEXT_MAX
            own = item.constraint_message.get(lang)
            validators.append(
                Length(
                    min=low, max=high, message=own or _l("Write %(low)d to %(high)d characters.", low=low, high=high)
                )
            )
        return {item.key: TextAreaField(item.text.get(lang), validators=validators)}


class EvidenceUrlField(FieldKind):
    def build(self, item, lang, questionnaire):
        message = _l("Write at most %(n)d characters.", n=URL_MAX)
        return {
            item.key: StringField(
                item.text.get(lang),
                validators=[Optional(), Length(max=URL_MAX, message=message), web_address],
                render_kw={"type": "url", "inputmode": "url", "placeholder": "https://"},
            )
        }


class EvidenceFileField(FieldKind):
    """A file input; the upload is stored by the evidence service, not read here."""

    upload = True

    def build(self, item, lang, questionnaire):
        return {
            item.key: FileField(item.text.get(lang)),
            item.key + REMOVE_SUFFIX: BooleanField(_l("Remove the uploaded file")),
        }

    def answer(self, item, data):
        return NOT_READ

    def formdata(self, item, value):
        return {} if value is not NA else super().formdata(item, value)


FIELDS: dict[str, FieldKind] = {
    "likert5": LikertField(),
    "yesno": YesNoField(),
    "single_choice": RadioKind(),
    "multi_choice": MultiChoiceField(),
    "number": NumberField(),
    "date": DateKind(),
    "text": TextKind(),
    "evidence_url": EvidenceUrlField(),
    "evidence_file": EvidenceFileField(),
}


def field_kind(item: Item) -> FieldKind:
    """The form behaviour of ``item``'s kind. Raises KeyError when no field is registered for it."""
    try:
        return FIELDS[item.kind]
    except KeyError:  # the loader refuses unknown kinds; this guards against drift
        raise KeyError(f"no form builder for item kind {item.kind!r} ({item.key})") from None


def web_answer_text(item: Item, value: Any, questionnaire: Questionnaire, lang: str) -> str:
    """``domain.kinds.answer_text`` with the current request's translations (for templates)."""
    return domain_kinds.answer_text(item, value, questionnaire, lang, gettext)


def register_jinja(app) -> None:
    """Templates get ``field_kind(item)``, ``item_kind(item)`` and
    ``answer_text_of(item, value, questionnaire, lang)``."""
    app.jinja_env.globals.update(field_kind=field_kind, item_kind=domain_kinds.kind_of, answer_text_of=web_answer_text)
