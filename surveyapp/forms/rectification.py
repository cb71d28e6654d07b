"""Forms of rectification items: open by hand or from results, report what was done, review, close or
reopen, change the due date."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional

from surveyapp.forms.base import FlaskForm


class OpenItemForm(FlaskForm):
    title = StringField(_l("What must be fixed"), validators=[InputRequired(), Length(max=500)])
    detail = TextAreaField(_l("Details (the finding)"), validators=[Optional(), Length(max=4000)])
    owner_id = SelectField(_l("Owner (a coordinator of the department)"), coerce=int, validate_choice=True)
    working_days = IntegerField(_l("Working days to fix it (default 20)"),
                                validators=[Optional(), NumberRange(min=1, max=250)])  # fmt: skip
    due_on = DateField(_l("Or a due date"), validators=[Optional()])
    submit = SubmitField(_l("Open the item"))


class FromResultsForm(FlaskForm):
    due_on = DateField(_l("Due date for all (empty: by source, in working days)"), validators=[Optional()])
    submit = SubmitField(_l("Open items from red lines and dimensions below the pass line"))


class SubmitItemForm(FlaskForm):
    comment = TextAreaField(_l("What was done"), validators=[InputRequired(), Length(max=4000)])
    evidence_url = StringField(_l("Evidence link (web address)"),
                               validators=[Optional(), Length(max=1000), URL(require_tld=False)])  # fmt: skip
    submit = SubmitField(_l("Submit for review"))


class ReviewItemForm(FlaskForm):
    comment = TextAreaField(_l("Comment (required to return)"), validators=[Optional(), Length(max=4000)])
    accept = SubmitField(_l("Accept"))
    return_ = SubmitField(_l("Return"))


class ItemStateForm(FlaskForm):
    comment = TextAreaField(_l("Why"), validators=[InputRequired(), Length(max=4000)])
    close = SubmitField(_l("Close the item"))
    reopen = SubmitField(_l("Reopen the item"))


class DueForm(FlaskForm):
    working_days = IntegerField(_l("Working days from the opening day"),
                                validators=[Optional(), NumberRange(min=1, max=250)])  # fmt: skip
    due_on = DateField(_l("Or a due date"), validators=[Optional()])
    submit = SubmitField(_l("Change the due date"))


class RemindForm(FlaskForm):
    submit = SubmitField(_l("Remind the owners of overdue items"))
