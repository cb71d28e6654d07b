"""Field classes and validators shared by the forms: the multi-checkbox field (defined once) and the
checks on questionnaire answers (offered choice, web address, number and range)."""

from __future__ import annotations

import math
import unicodedata
from urllib.parse import urlsplit

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from surveyapp.domain.questionnaire import Item


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (``macros/forms.html`` renders it by this name)."""

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


def one_value(form, field):
    """A single choice posted with several values (a tampered form) is refused, not cut to the first."""
    if len([value for value in (field.raw_data or ()) if value not in (None, "")]) > 1:
        raise ValidationError(_l("Choose one of the answers offered."))


def web_address(form, field):
    """Only http and https links are accepted as evidence."""
    if not field.data:
        return
    parts = urlsplit(field.data.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))


class NumberTyping(ValueError):
    """A number typed in a way ``parse_number`` does not read; ``message`` says how to write it."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_number(text: str) -> int | float:
    """The number a respondent typed: ``"1,250"`` → 1250, ``"12.5"`` → 12.5, ``"１２．５"`` → 12.5.

    Read by Babel's strict parser (``babel.numbers.parse_decimal``) in the page's locale: a point for
    decimals and commas only between groups of three digits (zh_Hans, zh_Hant and en write numbers
    alike). Full-width digits and signs, as a Chinese input method types them, count as their ASCII
    forms (Unicode NFKC). Raises ``NumberTyping`` for anything else, so that "12,5" (a decimal comma)
    is refused with how to write it instead of being read as 125, and for an infinite or undefined
    number. Returns an int for a whole number, else a float.
    """
    normal = unicodedata.normalize("NFKC", str(text)).strip()
    try:
        value = parse_decimal(normal, locale=str(get_locale() or "en"), strict=True)
    except NumberFormatError as error:
        if "\u3002" in normal or (getattr(error, "suggestions", None) and "," in normal):  # 。: a Chinese full stop
            raise NumberTyping(
                _l("Write decimals with a point (12.5); a comma only separates thousands (1,250).")
            ) from None
        raise NumberTyping(_l("Enter a number.")) from None
    number = float(value) if value.is_finite() else math.nan
    if not math.isfinite(number):
        raise NumberTyping(_l("Enter a number."))
    return int(number) if number.is_integer() else number


def number_or_blank(form, field):
    if field.data in (None, ""):
        return
    try:
        parse_number(field.data)
    except NumberTyping as refused:
        raise ValidationError(refused.message) from None


def number_in_range(item: Item, lang: str = "en"):
    def check(form, field):
        if field.data in (None, ""):
            return
        try:
            value = float(parse_number(field.data))
        except NumberTyping:
            return  # number_or_blank reports it
        low, high = item.minimum, item.maximum
        own = item.constraint_message.get(lang)
        if item.integer and not value.is_integer():
            raise ValidationError(own or _l("Enter a whole number."))
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValidationError(
                own or _l("Enter a number from %(low)s to %(high)s.", low=_fmt(low, "−∞"), high=_fmt(high, "∞"))
            )

    return check


def _fmt(number, default):
    if number is None:
        return default
    return int(number) if float(number).is_integer() else number


def not_with_na(na_field_name: str):
    """Refuse a value given together with the "not applicable" tick (the value would be lost)."""

    def check(form, field):
        na_field = form._fields.get(na_field_name)
        if na_field is not None and na_field.data and field.raw_data and str(field.raw_data[0]).strip():
            raise ValidationError(_l('Either give an answer or tick "not applicable", not both.'))

    return check
