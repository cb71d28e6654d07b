from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from surveyapp.forms.base import FlaskForm


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])
    new_password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))
