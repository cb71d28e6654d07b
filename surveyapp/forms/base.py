"""The base of every form: Flask-WTF's, with the submitted data checked for its kind.

Flask-WTF hands the request's files to every field. A file sent where text is expected (or a
JSON body that is not an object) then reaches validators written for strings and raises. Here a
file goes only to a ``FileField`` of the same name; anything else is treated as not sent.
"""

from __future__ import annotations

import flask_wtf
from flask import request
from flask_wtf.file import FileField
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict


class FlaskForm(flask_wtf.FlaskForm):
    class Meta(flask_wtf.FlaskForm.Meta):
        def get_translations(self, form):
            """WTForms' built-in messages in the page's language (``forms.i18n``)."""
            from surveyapp.forms.i18n import form_translations

            return form_translations()

        def wrap_formdata(self, form, formdata):
            if formdata is not flask_wtf.form._Auto:  # data given explicitly, not from the request
                return formdata
            if not form.is_submitted():
                return None
            if request.files:
                file_fields = {name for name, field in form._fields.items() if isinstance(field, FileField)}
                files = ImmutableMultiDict(
                    [(name, upload) for name, upload in request.files.items(multi=True) if name in file_fields]
                )
                return CombinedMultiDict((files, request.form))
            if request.form:
                return request.form
            if request.is_json:
                body = request.get_json(silent=True)
                return ImmutableMultiDict(body) if isinstance(body, dict) else None
            return None
