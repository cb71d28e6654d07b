"""The inspector's form: register a website, feed or CSV export of a department."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from surveyapp.forms.base import FlaskForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TargetForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[
        SelectChoice("website", _l("Website")), SelectChoice("feed", _l("Feed (RSS, Atom, JSON Feed)")),
        SelectChoice("csv", _l("CSV export of post dates"))])  # fmt: skip
    url = StringField(_l("Address (URL)"), validators=[InputRequired(), Length(max=1000)], filters=[_strip])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=200)], filters=[_strip])
    columns = TextAreaField(
        _l("Columns (optional), one a line: URL | name | news, notices, policies, plans or other"),
        validators=[Optional(), Length(max=20000)],
    )
    list_item = StringField(_l("XPath of list items (optional)"), validators=[Optional(), Length(max=300)],
                            filters=[_strip])  # fmt: skip
    date_path = StringField(_l("XPath of an item's date (optional)"), validators=[Optional(), Length(max=300)],
                            filters=[_strip])  # fmt: skip
    entrances = StringField(
        _l("Required entrances (optional, comma-separated; default: guide, catalogue, annual report, message)"),
        validators=[Optional(), Length(max=500)],
        filters=[_strip],
    )
    submit = SubmitField(_l("Register"))
