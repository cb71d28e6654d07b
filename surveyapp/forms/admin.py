"""Administrators' forms: accounts, organisations, rounds, invitations, audit filters."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from surveyapp.forms.base import FlaskForm
from surveyapp.forms.fields import CheckboxListField
from surveyapp.permissions import Role

ROLE_LABELS = {
    Role.STAFF: _l("Staff"),
    Role.COORDINATOR: _l("Department coordinator"),
    Role.ADMIN: _l("Administrator"),
    Role.TRAINER: _l("Trainer"),
    Role.SYSADMIN: _l("System administrator"),
}


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def valid_email(form, field) -> None:
    """WTForms validator: the services' one e-mail rule (``services.users.normalise_email``)."""
    from surveyapp.services.users import AccountError, normalise_email

    try:
        normalise_email(field.data or "")
    except AccountError as exc:
        raise ValidationError(str(exc)) from None


def not_only_spaces(form, field) -> None:
    """WTForms validator: a text of only white space is refused (an empty optional one is fine)."""
    if field.data and not field.data.strip():
        raise ValidationError(_l("Enter a name (not only spaces)."))


def _strip(value):
    return value.strip() if isinstance(value, str) and value.strip() else value


class UserForm(FlaskForm):
    email = StringField(
        _l("E-mail"),
        validators=[
            InputRequired(),
            Length(max=254),
            valid_email,
        ],
    )
    display_name = StringField(_l("Name"), validators=[not_only_spaces, Optional(), Length(max=200)], filters=[_strip])
    role = SelectField(_l("Role"), validators=[InputRequired()])
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
    level = SelectField(_l("Staff level"), validators=[Optional()])
    post = SelectField(_l("Post"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class OrganisationForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            InputRequired(),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, - _ . only.")),
        ],
    )
    kind = SelectField(
        _l("Kind"), choices=options([("agency", _l("Agency")), ("department", _l("Department")), ("unit", _l("Unit"))])
    )
    parent_id = SelectField(_l("Belongs to"), coerce=int, validators=[Optional()])
    name_zh_hans = StringField(
        _l("Name (Simplified Chinese)"),
        validators=[InputRequired(), not_only_spaces, Length(max=200)],
        filters=[_strip],
        render_kw={"lang": "zh-Hans"},  # the text typed is in that language, whatever the page's
    )
    name_zh_hant = StringField(
        _l("Name (Traditional Chinese)"),
        validators=[Optional(), Length(max=200)],
        filters=[_strip, lambda v: v or ""],
        render_kw={"lang": "zh-Hant"},
    )
    name_en = StringField(
        _l("Name (English)"),
        validators=[Optional(), Length(max=200)],
        filters=[_strip, lambda v: v or ""],
        render_kw={"lang": "en"},
    )
    submit = SubmitField(_l("Save"))


class RoundForm(FlaskForm):
    name = StringField(
        _l("Name of the round"), validators=[InputRequired(), not_only_spaces, Length(max=200)], filters=[_strip]
    )
    agency_id = SelectField(_l("Agency"), coerce=int, validators=[InputRequired()])
    department_ids = CheckboxListField(_l("Departments"), coerce=int)
    questionnaire = SelectField(_l("Questionnaire"), validators=[InputRequired()])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    anonymous = BooleanField(_l("Anonymous: keep each response's department, not its person"))
    submit = SubmitField(_l("Open the round"))


class InvitationForm(FlaskForm):
    department_id = SelectField(_l("Department"), coerce=int)
    count = IntegerField(_l("Number of links"), default=1, validators=[InputRequired(), NumberRange(1, 200)])
    label = StringField(_l("Note (for example the group invited)"), validators=[Optional(), Length(max=200)])
    expires = DateField(_l("Valid until (default: the round's deadline)"), validators=[Optional()])
    submit = SubmitField(_l("Create invitation links"))
