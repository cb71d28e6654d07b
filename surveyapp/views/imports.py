"""Administrators: create accounts and organisations from CSV files."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from surveyapp.definitions.spreadsheet import CSV_MIMETYPE
from surveyapp.permissions import Role, role_required
from surveyapp.services.account_import import COLUMNS, AccountImportError, import_accounts, passwords_csv
from surveyapp.services.organisation_upload import import_organisations_upload
from surveyapp.services.organisations import COLUMNS as ORGANISATION_COLUMNS
from surveyapp.services.organisations import OrganisationImportError
from surveyapp.services.questionnaires import latest_version

IMPORT_DONE_COOKIE = "account_import_done"

bp = Blueprint("imports", __name__, url_prefix="/admin")
MAX_FILE = 2 * 1024 * 1024


def _uploaded() -> tuple[bytes | None, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, ""
    return upload.read(MAX_FILE + 1), upload.filename


@bp.route("/users/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def accounts():
    form = FlaskForm()
    problems: list[str] = []
    if form.validate_on_submit():
        data, _name = _uploaded()
        if data is None:
            problems = [_("Choose a CSV file.")]
        elif len(data) > MAX_FILE:
            problems = [_("The file is larger than 2 MB.")]
        else:
            row = latest_version("transparency")
            levels, posts = (row.questionnaire.staff_levels, row.questionnaire.staff_posts) if row else (None, None)
            try:
                created = import_accounts(data, current_user, levels, posts)
            except AccountImportError as exc:
                problems = [str(p) for p in exc.problems]
            else:  # the passwords go to the browser once, as this response, and are kept nowhere
                flash(ngettext("%(num)d account created; its one-time password is in the downloaded file "
                               "one-time-passwords.csv.",
                               "%(num)d accounts created; their one-time passwords are in the downloaded file "
                               "one-time-passwords.csv.", len(created)), "info")  # fmt: skip
                download = Response(
                    "\ufeff" + passwords_csv(created),
                    content_type=CSV_MIMETYPE,
                    headers={"Content-Disposition": "attachment; filename=one-time-passwords.csv",
                             "Cache-Control": "no-store"},
                )  # fmt: skip
                # The page that sent the file reloads when it sees this cookie, showing the count (import.js).
                download.set_cookie(IMPORT_DONE_COOKIE, "1", max_age=120, samesite="Strict", path=request.path)
                return download
    status = 400 if problems or form.errors else 200
    return render_template("admin/import_accounts.html", form=form, problems=problems, columns=COLUMNS), status


@bp.route("/organisations/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organisations():
    form = FlaskForm()
    problems: list[str] = []
    if form.validate_on_submit():
        data, name = _uploaded()
        if data is None:
            problems = [_("Choose a CSV file.")]
        elif len(data) > MAX_FILE:
            problems = [_("The file is larger than 2 MB.")]
        else:
            try:
                created, updated = import_organisations_upload(data, name, current_user)
            except OrganisationImportError as exc:
                problems = exc.problems
            else:
                flash(_("%(created)s, %(updated)s.",
                        created=ngettext("%(num)d organisation created", "%(num)d organisations created", created),
                        updated=ngettext("%(num)d updated", "%(num)d updated", updated)), "info")  # fmt: skip
                return redirect(url_for("admin.organisation_list"))
    status = 400 if problems or form.errors else 200
    return render_template("admin/import_organisations.html", form=form, problems=problems,
                           columns=ORGANISATION_COLUMNS), status  # fmt: skip
