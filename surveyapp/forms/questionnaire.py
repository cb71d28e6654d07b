"""Forms built from a questionnaire: one form class per page, its fields from the kinds' field registry.

``page_form_class`` makes (and caches) a ``FlaskForm`` subclass for one page of one part of one
questionnaire version in one language; fields are named by item key, in questionnaire order, and
built by each item's ``FieldKind`` (``forms/kinds.py``).
``answers_from_form`` and ``formdata_from_answers`` are the only bridge between forms and the
domain. Whether a question must be answered is decided by the domain (``unanswered_required``),
not by the fields, so a respondent can save a half-finished page as a draft.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale

from surveyapp.domain.questionnaire import NA, Questionnaire
from surveyapp.forms.base import FlaskForm
from surveyapp.forms.kinds import NA_SUFFIX, NA_VALUE, NOT_READ, field_kind  # noqa: F401  (re-exported)

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
            attributes.update(field_kind(item).build(item, lang, questionnaire))
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
        value = field_kind(item).answer(item, field.data)
        if value is not NOT_READ:
            answers[item.key] = value
    return answers


def formdata_from_answers(items, answers: dict[str, Any]) -> dict[str, Any]:
    """Field data that shows stored answers in a page form (to resume a draft)."""
    data: dict[str, Any] = {}
    for item in items:
        value = answers.get(item.key)
        if value is None and item.key not in answers:
            value = field_kind(item).default_answer(item)  # XLSForm default
        if value is None:
            continue
        data.update(field_kind(item).formdata(item, value))
    return data
