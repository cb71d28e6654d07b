"""Forms of a round's life after opening: edit, reopen, reminders."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from surveyapp.forms.fields import CheckboxListField


class RoundEditForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[InputRequired(), Length(max=200)])
    deadline = DateField(_l("Deadline (empty: none)"), validators=[Optional()])
    add_department_ids = CheckboxListField(_l("Add departments"), coerce=int)
    remove_department_ids = CheckboxListField(_l("Remove departments"), coerce=int)
    submit = SubmitField(_l("Save the round"))


class RoundReopenForm(FlaskForm):
    reason = TextAreaField(_l("Reason for reopening (kept in the audit log)"),
                           validators=[InputRequired(), Length(max=500)])  # fmt: skip
    deadline = DateField(_l("New deadline"), validators=[Optional()])
    submit = SubmitField(_l("Reopen the round"))


class ReminderForm(FlaskForm):
    submit = SubmitField(_l("Send the reminders that are due"))
