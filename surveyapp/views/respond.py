"""The respondent's flow: my assessments → one page per dimension → review → submit."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from surveyapp.domain.kinds import answer_text
from surveyapp.domain.questionnaire import NA, visible_items
from surveyapp.drafts import answer_versions, note_saved, page_version
from surveyapp.extensions import db
from surveyapp.forms.kinds import field_kind
from surveyapp.forms.questionnaire import NA_SUFFIX, answers_from_form, formdata_from_answers, page_form_class
from surveyapp.i18n import current_locale_name
from surveyapp.models import AssessmentRound, Response, ResponseStatus
from surveyapp.permissions import can_edit_response, can_reopen_response, can_view_response, is_sealed
from surveyapp.services import participation
from surveyapp.services import responses as response_service
from surveyapp.services.answers import answers_of, progress
from surveyapp.services.estimates import start_card, start_cards
from surveyapp.services.evidence import content_type, evidence_path
from surveyapp.services.invitations import (
    InvitationError,
    invitation_for_link,
    redeem_invitation,
    response_for_resume,
    resume_token,
)
from surveyapp.services.round_lifecycle import closed_notice, refusal_message
from surveyapp.services.rounds import closed_rounds_for, open_rounds_for
from surveyapp.views.guards import INVITED, invited, note_submitted_here, respondent_required, safe_next

bp = Blueprint("respond", __name__)

ACTIONS = ("previous", "save", "next", "review")
# A draft save may name where to go next: the page tabs, header links and language switcher submit the
# page's form first (static/js/drafts.js), so leaving a page never drops what was ticked on it.
NEXT = "next"
# The page's saved state when it was rendered (drafts.answer_versions), sent back so a save does not
# silently overwrite answers saved meanwhile on another device or tab.
BASE_VERSION = "base_version"


def sealed_message() -> str:
    return _(
        "Thank you. Your answers are submitted and sealed: in an anonymous round nobody, you included, "
        "can open them again or tell they are yours."
    )


def _invited(response: Response) -> bool:
    """A response opened through an invitation link, in this browser session (``guards.invited``)."""
    return invited(response)


def _may_edit(user, response) -> bool:
    return can_edit_response(user, response) or _invited(response)


def _may_view(user, response) -> bool:
    return can_view_response(user, response) or _invited(response)


def _lang() -> str:
    return current_locale_name()


def _load_response(response_id: int, predicate) -> Response:
    response = response_service.response_with_round(response_id)
    if response is None:
        abort(404)
    if not predicate(current_user, response):
        abort(403)
    return response


@bp.get("/my")
@login_required
def index():
    """The rounds the user is asked to answer, with the state of each response."""
    rounds = open_rounds_for(current_user)
    closed = closed_rounds_for(current_user)
    existing = response_service.editable_responses(current_user, [r for r, _ in rounds + closed])
    sealed = participation.sealed_parts(current_user, rounds + closed)
    return render_template(
        "respond/index.html", rounds=rounds, closed=closed, existing=existing, sealed=sealed, lang=_lang(),
        min_group_size=current_app.config["MIN_GROUP_SIZE"], estimates=start_cards(rounds),
    )  # fmt: skip


@bp.post("/rounds/<int:round_id>/<part_key>/start")
@login_required
def start(round_id: int, part_key: str):
    round_ = db.session.get(AssessmentRound, round_id) or abort(404)
    try:
        response = response_service.start_response(current_user, round_, part_key)
    except response_service.ResponseError as exc:
        if not participation.has_submitted_anonymously(current_user, round_, part_key):
            abort(exc.status)
        flash(str(exc), "info")  # sealed: nothing to open, say why
        return redirect(url_for("respond.index"))
    if response.status == ResponseStatus.SUBMITTED:
        return redirect(url_for("respond.view", response_id=response.id))
    return redirect(url_for("respond.page", response_id=response.id, page=response.current_page))


@bp.route("/responses/<int:response_id>/page/<int:page>", methods=["GET", "POST"])
@respondent_required
def page(response_id: int, page: int):
    response = _load_response(response_id, _may_edit)
    if response.status != ResponseStatus.DRAFT:
        flash(_("This response has been submitted and can no longer be changed."), "error")
        return redirect(url_for("respond.view", response_id=response.id))
    if not response.round.is_open:  # closed or past its deadline: read-only, with the reason (see view)
        if request.method == "POST":  # refused (and closed on access when its deadline passed), as before
            flash(str(refusal_message(response.round)) + " " + _("Nothing was saved."), "error")
            return _render_view(response, status=409)
        return redirect(url_for("respond.view", response_id=response.id), 303)
    questionnaire = response_service.questionnaire_of(response)
    part = questionnaire.part(response.part)
    if not 0 <= page < len(part.sections):
        abort(404)
    items = part.sections[page].items
    answers = answers_of(response)
    form_class = page_form_class(questionnaire, part.key, page, _lang())

    if request.method == "GET":  # reading a page writes nothing (the page is remembered on save)
        form = form_class(formdata=None, data=formdata_from_answers(items, answers))
        return _render_page(response, questionnaire, part, page, form, answers)

    form = form_class()
    expected = set(form._fields) | {"action", NEXT, BASE_VERSION}
    unexpected = sorted(str(name) for name in (set(request.form) | set(request.files)) - expected)
    action = request.form.get("action", "save")
    if unexpected or action not in ACTIONS:
        flash(_("The form contained fields that are not questions of this page. Nothing was saved."), "error")
        return _render_page(response, questionnaire, part, page, form, answers, status=400)
    if not form.validate_on_submit():
        flash(_("Some answers need correcting; see the marked questions. Nothing was saved."), "error")
        return _render_page(response, questionnaire, part, page, form, answers, status=400)

    page_answers = answers_from_form(form, items)
    file_items = [item.key for item in items if field_kind(item).upload]
    uploads = {key: request.files[key] for key in file_items if request.files.get(key) and request.files[key].filename}
    removals = {key for key in file_items if key + "__remove" in form._fields and form[key + "__remove"].data}
    page_answers, conflicts = response_service.merge_with_saved(
        response, page, request.form.get(BASE_VERSION), page_answers, set(uploads) | removals
    )
    if conflicts:
        return _render_conflict(
            response, questionnaire, part, page, answers, page_answers, conflicts, uploads, removals
        )
    try:
        response_service.save_page_with_uploads(response, page, page_answers, uploads, removals, current_user)
    except response_service.UploadRefused as exc:
        form[exc.item_key].errors = [str(exc)]
        flash(_("Some answers need correcting; see the marked questions. Nothing was saved."), "error")
        return _render_page(response, questionnaire, part, page, form, answers, status=400)
    except response_service.ResponseError as exc:
        for key, message in exc.item_errors.items():
            form[key].errors = [str(message)]
        flash(str(exc) + " " + _("Nothing was saved."), "error")
        return _render_page(response, questionnaire, part, page, form, answers, status=exc.status)

    note_saved(response.id, page)
    answers = answers_of(response)
    target = safe_next(request.form.get(NEXT), "")
    if action == "save" and target:
        return redirect(target)
    if action == "previous":
        return redirect(url_for("respond.page", response_id=response.id, page=max(page - 1, 0)))
    if action == "save":
        flash(_("Your answers are saved as a draft."), "info")
        return redirect(url_for("respond.page", response_id=response.id, page=page))
    if action == "review":
        return redirect(url_for("respond.review", response_id=response.id))
    # "next": the draft is saved; stay when a required question on this page is unanswered.
    missing = [i for i in response_service.missing_answers(response) if i.key in {it.key for it in items}]
    if missing:
        form = form_class(formdata=None, data=formdata_from_answers(items, answers))
        for item in missing:
            form[item.key].errors = [item.required_message.get(_lang()) or _("This question needs an answer.")]
        flash(_("Your answers are saved. Please answer the marked questions before going on."), "error")
        return _render_page(response, questionnaire, part, page, form, answers)
    if page + 1 < len(part.sections):
        return redirect(url_for("respond.page", response_id=response.id, page=page + 1))
    return redirect(url_for("respond.review", response_id=response.id))


def _render_conflict(response, questionnaire, part, page, stored, to_save, conflicts, uploads, removals):
    """409: nothing saved. The page shows the answers saved elsewhere where this save left them alone and
    this save's own answers where it changed them; each conflicting question says what was saved there,
    and a file chosen here must be chosen again (a browser cannot be given it back). Its base is the
    state saved now, so saving again keeps what is shown."""
    items = part.sections[page].items
    shown = {**stored, **to_save}
    form = page_form_class(questionnaire, part.key, page, _lang())(
        formdata=None, data=formdata_from_answers(items, shown)
    )
    for key in removals:
        form[key + "__remove"].data = True
    for item in conflicts:
        saved = answer_text(item, stored.get(item.key), questionnaire, _lang(), _)
        form[item.key].errors = [
            _("Saved on another device or tab after you opened this page: %(answer)s", answer=saved)
        ]
    for key in uploads:
        form[key].errors = [*form[key].errors, _("The file you chose was not saved: choose it again.")]
    flash(_("This page was saved on another device or tab after you opened it, so nothing was saved. Your answers "
            "are still here, and the marked questions show what was saved there. Save again to keep yours."),
          "error")  # fmt: skip
    current = answer_versions(response.id, stored, [item.key for item in items])
    return _render_page(response, questionnaire, part, page, form, stored, status=409, base_version=current)


def _render_page(response, questionnaire, part, page, form, answers, status=200, base_version=None):
    """``base_version``: the saved state the form's answers were typed over (sent back by the form); by
    default the posted one when a refused save is shown again (its answers were typed over that state),
    else the page's saved state now."""
    # Items whose show_if points at an earlier page are decided now; those depending on this
    # page are rendered and toggled in the browser (and checked again on save).
    page_keys = {item.key for item in part.sections[page].items}
    shown = {item.key for item in visible_items(part.items, answers)}
    version = answer_versions(response.id, answers, [item.key for item in part.sections[page].items])
    rendered = [
        item
        for item in part.sections[page].items
        if item.key in shown or (item.show_if is not None and item.show_if.item in page_keys)
    ]
    return (
        render_template(
            "respond/page.html",
            response=response,
            questionnaire=questionnaire,
            part=part,
            page=page,
            items=rendered,
            form=form,
            answers=answers,
            progress=progress(response, answers),
            numbers={item.key: number for number, item in enumerate(part.items, start=1)},
            has_files=any(field_kind(item).upload for item in rendered),
            lang=_lang(),
            NA=NA,
            NA_SUFFIX=NA_SUFFIX,
            draft_version=page_version(version),
            base_version=base_version or (request.form.get(BASE_VERSION) if status >= 400 else None) or version,
            restore=request.method == "GET",
            refused=status >= 400,
            resume_url=_resume_url(response, answers),
            steps=_steps(response, questionnaire, part, _lang()),
        ),
        status,
    )


def _steps(response, questionnaire, part, lang: str) -> list[tuple[str, str]]:
    """The steps bar: (URL, dimension title) of each page of ``part``. The pages' URLs differ only in
    their last segment (``.../page/<n>``), so one is built and the others follow from it."""
    first = url_for("respond.page", response_id=response.id, page=0)
    pages = range(len(part.sections))
    if first.endswith("/0"):
        urls = [first[:-1] + str(page) for page in pages]
    else:  # not the route this knows
        urls = [url_for("respond.page", response_id=response.id, page=page) for page in pages]
    titles = [questionnaire.dimension(section.dimension).title.get(lang) for section in part.sections]
    return list(zip(urls, titles, strict=True))


def _resume_url(response, answers) -> str | None:
    """An invitee's private link to continue on another device, once something is saved."""
    if not answers or not _invited(response):
        return None
    token = resume_token(response)
    return url_for("respond.resume", token=token, _external=True) if token else None


@bp.get("/responses/<int:response_id>/review")
@respondent_required
def review(response_id: int):
    response = _load_response(response_id, _may_edit)
    if response.status != ResponseStatus.DRAFT or not response.round.is_open:
        return redirect(url_for("respond.view", response_id=response.id))
    questionnaire = response_service.questionnaire_of(response)
    part = questionnaire.part(response.part)
    page_of = {item.key: index for index, section in enumerate(part.sections) for item in section.items}
    answers = answers_of(response)
    return render_template(
        "respond/review.html",
        response=response,
        questionnaire=questionnaire,
        part=part,
        missing=response_service.missing_answers(response),
        page_of=page_of,
        progress=progress(response, answers),
        lang=_lang(),
        steps=_steps(response, questionnaire, part, _lang()),
    )


@bp.post("/responses/<int:response_id>/submit")
@respondent_required
def submit(response_id: int):
    response = _load_response(response_id, _may_edit)
    try:
        response_service.submit_response(response, current_user)
    except response_service.ResponseError as exc:
        flash(str(exc), "error")
        if exc.status == 409:
            return redirect(url_for("respond.view", response_id=response.id)), 303
        return redirect(url_for("respond.review", response_id=response.id)), 303
    note_saved(response.id)
    note_submitted_here(response)
    if is_sealed(response):
        flash(sealed_message(), "info")
        return redirect(url_for("respond.index") if current_user.is_authenticated else url_for("main.privacy"))
    flash(_("Thank you. Your answers are submitted."), "info")
    return redirect(url_for("respond.view", response_id=response.id))


@bp.get("/responses/<int:response_id>")
@respondent_required
def view(response_id: int):
    return _render_view(_load_response(response_id, _may_view))


def _render_view(response, status=200):
    questionnaire = response_service.questionnaire_of(response)
    part = questionnaire.part(response.part)
    answers = answers_of(response)
    return render_template(
        "respond/view.html",
        response=response,
        questionnaire=questionnaire,
        part=part,
        answers=answers,
        shown={item.key for item in visible_items(part.items, answers)},
        can_reopen=can_reopen_response(current_user, response),
        can_edit=_may_edit(current_user, response) and response.round.is_open,
        closed=None
        if response.round.is_open or response.status != ResponseStatus.DRAFT
        else closed_notice(response.round),
        numbers={item.key: number for number, item in enumerate(part.items, start=1)},
        lang=_lang(),
        NA=NA,
    ), status


@bp.post("/responses/<int:response_id>/reopen")
@login_required
def reopen(response_id: int):
    response = _load_response(response_id, can_reopen_response)
    try:
        response_service.reopen_response(response, current_user, request.form.get("reason", "")[:500])
    except response_service.ResponseError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The response is open again for its respondent."), "info")
    if not can_view_response(current_user, response):  # a staff response: back to the participation list
        return redirect(url_for("participation.round_participation", round_id=response.round_id))
    return redirect(url_for("respond.view", response_id=response.id))


@bp.get("/responses/<int:response_id>/evidence/<item_key>")
@respondent_required
def evidence(response_id: int, item_key: str):
    response = _load_response(response_id, _may_view)
    value = answers_of(response).get(item_key)
    path = evidence_path(response.id, value) if isinstance(value, dict) else None
    if path is None:
        abort(404)
    participation.log_response_access("evidence.download", current_user, response, item=item_key)
    return send_file(
        path, mimetype=content_type(value), as_attachment=True, download_name=value.get("name") or path.name
    )


def _remember_invited(response_id: int) -> None:
    """Bind an invitee's draft to this browser, across browser restarts (a lasting session cookie)."""
    session[INVITED] = [*[r for r in session.get(INVITED, []) if r != response_id][-9:], response_id]
    session.permanent = True


def _continue(response_id: int):
    response = db.session.get(Response, response_id) or abort(404)
    if response.status != ResponseStatus.DRAFT:
        return redirect(url_for("respond.view", response_id=response.id))
    return redirect(url_for("respond.page", response_id=response.id, page=response.current_page))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """An invitation link: a page with a start button; starting uses the link up. Opened again in the
    browser that started it, the link continues the draft; anywhere else the page says it is used."""
    try:
        invitation = invitation_for_link(token)
    except InvitationError as exc:
        status = 200 if request.method == "GET" else 410
        return render_template("respond/invitation.html", problem=str(exc)), status
    if invitation.response_id is not None and invitation.response_id in session.get(INVITED, []):
        return _continue(invitation.response_id)
    if request.method == "GET":
        used = invitation.used_at is not None
        problem = _("This invitation has been used already.") if used else None
        part = invitation.round.questionnaire.part(invitation.part)
        return render_template(
            "respond/invitation.html", problem=problem, used=used, min_group_size=current_app.config["MIN_GROUP_SIZE"],
            round=invitation.round, department=invitation.organisation, part=part,
            estimate=start_card(invitation.round, part), lang=_lang(),
        )  # fmt: skip
    try:
        response = redeem_invitation(token)
    except InvitationError as exc:
        return render_template("respond/invitation.html", problem=str(exc), used=True), 410
    _remember_invited(response.id)
    return redirect(url_for("respond.page", response_id=response.id, page=0))


@bp.get("/resume/<token>")
def resume(token: str):
    """An invitee's private resume link: opens that one draft in this browser (writes nothing)."""
    try:
        response = response_for_resume(token)
    except InvitationError as exc:
        return render_template("respond/invitation.html", problem=str(exc))
    _remember_invited(response.id)
    return _continue(response.id)
