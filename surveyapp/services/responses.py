"""Filling in a questionnaire: start or resume, save a page, submit once, reopen.

Every function validates first and writes in one transaction, so a refused request leaves the
database as it was.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from flask_babel import get_locale, lazy_ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import joinedload

from surveyapp.domain import kinds
from surveyapp.domain.kinds import check_answer, kind_of
from surveyapp.domain.questionnaire import NA, Item, Part, Questionnaire, unanswered_required, visible_items
from surveyapp.drafts import answer_digest
from surveyapp.extensions import db
from surveyapp.models import Answer, AssessmentRound, DimensionScore, QuestionnaireVersion, Response, ResponseStatus
from surveyapp.models.base import utcnow
from surveyapp.permissions import anonymous_owner_key, can_answer_part, can_edit_response
from surveyapp.services import participation
from surveyapp.services.answers import answers_of
from surveyapp.services.audit import record_event
from surveyapp.services.evidence import EvidenceError, discard_evidence, store_evidence
from surveyapp.services.idempotency import create_or_get, retry_on_conflict
from surveyapp.services.round_cache import bump_data_version
from surveyapp.services.scores import apply_to_aggregates, clear_scores, store_scores


class ResponseError(ValueError):
    """A request about a response that is refused; the message is for the user.

    ``status`` is the HTTP status a view should answer with; ``item_errors`` maps item keys to
    messages when the problem lies with particular questions.
    """

    def __init__(self, message, status: int = 400, item_errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.item_errors = item_errors or {}


# Every respondent page reads its response, the response's round and the digest of its questionnaire
# version: one statement, built once (a request neither builds it nor computes its cache key again).
_RESPONSE_WITH_ROUND = (
    select(Response, QuestionnaireVersion.sha256)
    .outerjoin(
        QuestionnaireVersion,
        and_(
            QuestionnaireVersion.key == Response.questionnaire_key,
            QuestionnaireVersion.version == Response.questionnaire_version,
        ),
    )
    .options(joinedload(Response.round))
    .where(Response.id == bindparam("response_id"))
)


def response_with_round(response_id: int) -> Response | None:
    """The response ``response_id`` (None when there is none) with its round and its questionnaire
    version's digest read in the same statement: every respondent page needs all three, and with
    the digest ``QuestionnaireVersion.lookup`` (``response.questionnaire``) reads nothing more."""
    found = db.session.execute(_RESPONSE_WITH_ROUND, {"response_id": response_id}).first()
    if found is None:
        return None
    response, digest = found
    QuestionnaireVersion.remember_digest(response.questionnaire_key, response.questionnaire_version, digest)
    return response


def questionnaire_of(response: Response) -> Questionnaire:
    return response.questionnaire


def part_of(response: Response) -> Part:
    return response.part_definition


def owner_key_for(user, part: Part, round_: AssessmentRound) -> str:
    if part.respondent == "coordinator":
        return "department"
    if round_.anonymous:
        return anonymous_owner_key(round_.id, user.id)
    return f"user:{user.id}"


def start_response(user, round_: AssessmentRound, part_key: str) -> Response:
    """The user's response to ``part_key`` in ``round_``, created on first use (resume otherwise)."""
    if not round_.is_open:
        _refuse_closed(round_)
    questionnaire = round_.questionnaire
    try:
        part = questionnaire.part(part_key)
    except KeyError:
        raise ResponseError(_l("This questionnaire has no such part."), 404) from None
    department = user.organisation
    if (
        department is None
        or department not in round_.departments
        or not can_answer_part(user, part.respondent, department)
    ):
        raise ResponseError(_l("You are not asked to answer this part."), 403)
    if part.respondent == "staff" and participation.has_submitted_anonymously(user, round_, part.key):
        raise ResponseError(
            _l(
                "You have submitted this part. In an anonymous round your answers are sealed: "
                "nobody, you included, can open them again."
            ),
            409,
        )
    owner_key = owner_key_for(user, part, round_)
    identity = select(Response).where(
        Response.round_id == round_.id,
        Response.organisation_id == department.id,
        Response.part == part.key,
        Response.owner_key == owner_key,
    )

    def create() -> Response:
        response = Response(
            round=round_,
            organisation=department,
            user_id=None if round_.anonymous and part.respondent == "staff" else user.id,
            part=part.key,
            owner_key=owner_key,
            questionnaire_key=round_.questionnaire_key,
            questionnaire_version=round_.questionnaire_version,
            status=ResponseStatus.DRAFT,
        )
        db.session.add(response)
        db.session.flush()
        if part.respondent == "staff":
            participation.on_start(user, round_, response, part.key)
        else:
            record_event("response.start", actor=user, obj=response, part=part.key)
        return response

    # Two identical requests at once (a double tap, two tabs) get the same response.
    response, _created = create_or_get(lambda: db.session.scalar(identity), create)
    return response


def _refuse_closed(round_: AssessmentRound) -> None:
    """Refuse with the reason: closed, or its deadline passed (which closes it now, audited)."""
    from surveyapp.services.round_lifecycle import refusal_message

    raise ResponseError(refusal_message(round_), 409)


def _require_draft(response: Response) -> None:
    if response.status != ResponseStatus.DRAFT:
        raise ResponseError(_l("This response has been submitted and can no longer be changed."), 409)
    if not response.round.is_open:
        _refuse_closed(response.round)


REFUSALS = {
    kinds.NOT_OFFERED: _l("This answer is not one of those offered."),
    kinds.NOT_APPLICABLE_NOT_OFFERED: _l('This question does not offer "not applicable".'),
    kinds.BLANK: _l("An answer made only of spaces is not an answer; leave it empty instead."),
    kinds.CONTROL_CHARACTERS: _l("The answer contains control characters; remove them."),
    kinds.NOT_A_NUMBER: _l("Enter a number."),
    kinds.OUT_OF_RANGE: _l("The number is outside the range this question allows."),
    kinds.NOT_A_DATE: _l("Use the form YYYY-MM-DD."),
    kinds.TOO_LONG: _l("The answer is too long."),
    kinds.NOT_A_WEB_ADDRESS: _l("Enter a web address starting with http:// or https://."),
}


def refusal_message(item, reason: str):
    """The reader's-language message for a ``kinds.check_answer`` reason, naming the question."""
    return _l("%(question)s: %(reason)s", question=item.key, reason=REFUSALS.get(reason, reason))


def save_page(response: Response, page_index: int, page_answers: dict[str, Any], actor) -> None:
    """Store the answers given on one page (a value of None clears an answer).

    Refused, with nothing written: a submitted response, a closed round, a key that is not a
    question of this page, or an answer to a question hidden by an earlier answer. Two identical
    saves at once (the first save of a page, sent twice) store the answers once: the one that
    loses the race on an answer's unique key is retried over the other's rows.
    """
    retry_on_conflict(lambda: _save_page(response, page_index, page_answers))


def _save_page(response: Response, page_index: int, page_answers: dict[str, Any]) -> None:
    _require_draft(response)
    part = part_of(response)
    if not 0 <= page_index < len(part.sections):
        raise ResponseError(_l("There is no such page."), 404)
    page_items = {item.key: item for item in part.sections[page_index].items}
    unknown = sorted(set(page_answers) - set(page_items))
    if unknown:
        raise ResponseError(_l("The form contained fields that are not questions of this page."), 400)

    refused = {
        key: refusal_message(page_items[key], reason)
        for key, value in page_answers.items()
        if (reason := check_answer(page_items[key], value)) is not None
    }
    if refused:
        raise ResponseError(
            _l("Only the answers a question offers can be stored: %(questions)s.", questions=", ".join(refused)),
            400,
            item_errors=refused,
        )

    merged = answers_of(response)
    for key, value in page_answers.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    shown = {item.key for item in visible_items(part.items, merged)}
    hidden_answered = {
        key: _l("This question does not apply given your earlier answers; leave it empty.")
        for key, value in page_answers.items()
        if value is not None and key not in shown
    }
    if hidden_answered:
        raise ResponseError(
            _l("Some answers were given to questions that do not apply."), 400, item_errors=hidden_answered
        )

    combined = {
        key: _l("“%(option)s” excludes the other answers: choose it alone.", option=_exclusive_label(page_items[key]))
        for key, value in page_answers.items()
        if value is not None
        and value is not NA
        and kind_of(page_items[key]).combination_problem(page_items[key], value)
    }
    if combined:
        raise ResponseError(_l("Some answers combine choices that exclude each other."), 400, item_errors=combined)

    stored = {answer.question_key: answer for answer in response.answers}
    for key, value in page_answers.items():
        answer = stored.get(key)
        if value is None:
            if answer is not None:
                response.answers.remove(answer)
            continue
        if answer is None:
            answer = Answer(
                question_key=key,
                questionnaire_key=response.questionnaire_key,
                questionnaire_version=response.questionnaire_version,
            )
            response.answers.append(answer)
        answer.is_na = value is NA
        answer.value = None if value is NA else value
    response.current_page = page_index
    response.updated_at = utcnow()
    db.session.commit()


def _exclusive_label(item) -> str:
    option = next((o for o in item.options if o.exclusive), None)
    return option.label.get(str(get_locale())) if option else ""


class UploadRefused(ValueError):
    """An uploaded evidence file was refused; ``item_key`` names the question. Nothing was saved."""

    def __init__(self, item_key: str, message):
        super().__init__(message)
        self.item_key = item_key


def save_page_with_uploads(
    response: Response,
    page_index: int,
    page_answers: dict[str, Any],
    uploads: dict[str, Any],
    removals: set[str],
    actor,
) -> None:
    """Store one page's answers with its evidence files: ``uploads`` maps item keys to uploaded files
    (werkzeug ``FileStorage``), ``removals`` names file items whose stored file the respondent removed.

    All or nothing: files are stored first; when one is refused (``UploadRefused``) or the answers are
    (``ResponseError``), the files stored by this call are deleted and the database is rolled back. Files
    replaced or removed are deleted only after the answers are committed.
    """
    previous = answers_of(response)
    page_answers = dict(page_answers)
    stored, replaced = [], []
    for key, upload in uploads.items():
        try:
            page_answers[key] = store_evidence(response.id, upload)
        except EvidenceError as exc:
            for value in stored:
                discard_evidence(response.id, value)
            raise UploadRefused(key, exc.args[0] if exc.args else exc) from None
        stored.append(page_answers[key])
        if isinstance(previous.get(key), dict):
            replaced.append(previous[key])
    for key in removals - set(uploads):
        page_answers[key] = None
        if isinstance(previous.get(key), dict):
            replaced.append(previous[key])
    try:
        save_page(response, page_index, page_answers, actor)
    except ResponseError:
        db.session.rollback()
        for value in stored:
            discard_evidence(response.id, value)
        raise
    for value in replaced:
        discard_evidence(response.id, value)


_ANSWER_VERSIONS = re.compile(r"[0-9a-f]{8}(?:\.[0-9a-f]{8})*")


def merge_with_saved(
    response: Response, page_index: int, base_version: str | None, page_answers: dict[str, Any], files: set[str]
) -> tuple[dict[str, Any], list[Item]]:
    """Merge a page save with answers saved on another device or tab after the page was rendered, so a save
    never silently overwrites them (a lost update). Returns ``(to_save, conflicts)``.

    ``base_version`` is what the page form sends back: each item's saved answer when the page was rendered
    (``drafts.answer_versions``). ``page_answers`` maps item keys to what this save would store; ``files``
    names the evidence questions whose file this save uploads or removes. For each item saved elsewhere
    since (its answer now differs from its base):

    - not changed in this save (its answer still equals the base, or an evidence file left alone): the
      answer saved elsewhere is kept (the item leaves ``to_save``);
    - changed here to the same answer: nothing to decide;
    - changed here to another answer: a conflict; the caller saves nothing and asks.

    Items not saved elsewhere since are saved as given. Without a readable base (a client that sends none)
    nothing is compared.
    """
    items = part_of(response).sections[page_index].items
    if not base_version or not _ANSWER_VERSIONS.fullmatch(base_version):
        return page_answers, []  # none sent, or not one this app wrote
    digests = base_version.split(".")
    if len(digests) != len(items):
        return page_answers, []
    stored = answers_of(response)
    to_save, conflicts = dict(page_answers), []
    for item, base in zip(items, digests, strict=True):
        theirs = answer_digest(response.id, item.key, stored.get(item.key))
        if hmac.compare_digest(theirs, base):
            continue  # not saved elsewhere since
        if item.key in files:
            conflicts.append(item)  # a file chosen or removed here, another saved there
        elif item.key in page_answers:
            mine = answer_digest(response.id, item.key, page_answers[item.key])
            if hmac.compare_digest(mine, base):
                del to_save[item.key]  # not changed here: keep what was saved there
            elif not hmac.compare_digest(mine, theirs):
                conflicts.append(item)
    return to_save, conflicts


def missing_answers(response: Response):
    """Visible required items that have no answer yet, in questionnaire order."""
    return unanswered_required(part_of(response).items, answers_of(response))


def submit_response(response: Response, actor) -> None:
    """Submit once. Refused while required questions are unanswered, or when already submitted
    (``ResponseError``, with the session rolled back)."""
    try:
        _submit(response, actor)
    except ResponseError:
        db.session.rollback()
        raise


def _submit(response: Response, actor) -> None:
    _require_draft(response)
    missing = missing_answers(response)
    if missing:
        raise ResponseError(
            lazy_ngettext(
                "%(num)d required question is still unanswered.",
                "%(num)d required questions are still unanswered.",
                len(missing),
            ),
            400,
            item_errors={item.key: _l("This question needs an answer.") for item in missing},
        )
    part = part_of(response)
    shown = {item.key for item in visible_items(part.items, answers_of(response))}
    for answer in list(response.answers):
        if answer.question_key not in shown:  # answered, then hidden by a later change
            response.answers.remove(answer)
    # The status check and the change are one statement, so two submits cannot both succeed.
    result = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.DRAFT)
        .values(status=ResponseStatus.SUBMITTED, submitted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise ResponseError(_l("This response has been submitted and can no longer be changed."), 409)
    personal = part.respondent == "staff"
    if personal:
        participation.keep_level_post(actor, response.round, response)
    _retire_kept_submission(response)
    card = store_scores(response)
    apply_to_aggregates(response, +1)
    after_commit = lambda: None  # noqa: E731
    if personal:  # no score in the audit log; sealed in an anonymous round
        after_commit = participation.on_submit(actor, response.round, response)
    else:
        record_event(
            "response.submit",
            actor=actor,
            obj=response,
            part=response.part,
            overall=None if card.overall is None else round(card.overall, 2),
            grade=card.grade,
        )
    db.session.commit()
    after_commit()
    db.session.refresh(response)


def kept_owner_key(response: Response) -> str:
    """The owner key of the submitted copy kept while ``response`` is reopened (one per response)."""
    return f"kept:{response.id}"


def reopen_response(response: Response, actor, reason: str = "") -> None:
    """Return a submitted response to draft so its respondent can correct it (an administrator's act).

    Rule (CONFIDENTIALITY_RULE 3): reopening must not change any aggregate, or the figures before and
    after would give the respondent's scores by difference. So the submitted answers and scores are
    kept as a submitted copy owned by nobody (owner key ``kept:<id>``, no account): every figure,
    export and rebuild keeps counting it, and nobody can read it (``permissions.can_view_response``).
    It is replaced when the response is submitted again (``_retire_kept_submission``); if it never
    is, the kept submission stands when the round closes."""
    if response.status != ResponseStatus.SUBMITTED:
        raise ResponseError(_l("Only a submitted response can be reopened."), 409)
    if not response.round.is_open:
        raise ResponseError(_l("This assessment round is closed."), 409)
    _keep_submission(response)
    clear_scores(response)
    response.status = ResponseStatus.DRAFT
    response.submitted_at = None
    participation.on_reopen(response)
    bump_data_version(response.round_id)  # the figures stay; pages that list states are recomputed
    record_event("response.reopen", actor=actor, obj=response, reason=reason)
    db.session.commit()


def _keep_submission(response: Response) -> None:
    """Copy a submitted response (answers, scores, level and post, day of submission) to a submitted
    response of no one; the running totals already hold its scores and stay as they are."""
    kept = Response(
        round_id=response.round_id, organisation_id=response.organisation_id, user_id=None,
        part=response.part, owner_key=kept_owner_key(response),
        questionnaire_key=response.questionnaire_key, questionnaire_version=response.questionnaire_version,
        status=ResponseStatus.SUBMITTED, current_page=response.current_page,
        started_at=response.started_at, submitted_at=response.submitted_at,
        staff_level=response.staff_level, staff_post=response.staff_post,
        overall_score=response.overall_score, grade=response.grade, red_line_count=response.red_line_count,
    )  # fmt: skip
    for answer in response.answers:
        kept.answers.append(Answer(question_key=answer.question_key, questionnaire_key=answer.questionnaire_key,
                                   questionnaire_version=answer.questionnaire_version, value=answer.value,
                                   is_na=answer.is_na, score=answer.score))  # fmt: skip
    for row in response.dimension_scores:
        kept.dimension_scores.append(DimensionScore(dimension=row.dimension, score=row.score,
                                                    applicable_weight=row.applicable_weight,
                                                    answered_weight=row.answered_weight))  # fmt: skip
    db.session.add(kept)


def _retire_kept_submission(response: Response) -> None:
    """On a resubmission: take the kept copy of the previous submission out of the running totals and
    delete it (the new submission is added by the caller, in the same transaction)."""
    kept = db.session.scalar(
        select(Response).where(
            Response.round_id == response.round_id,
            Response.organisation_id == response.organisation_id,
            Response.part == response.part,
            Response.owner_key == kept_owner_key(response),
        )
    )
    if kept is None:
        return
    apply_to_aggregates(kept, -1)
    db.session.delete(kept)
    db.session.flush()


def editable_responses(user, rounds) -> dict[tuple[int, str], Response]:
    """The responses of ``user``'s department in ``rounds`` that the user may still edit, by (round id, part)."""
    if not rounds:
        return {}
    existing = {}
    for response in db.session.scalars(
        select(Response).where(
            Response.round_id.in_([r.id for r in rounds]),
            Response.organisation_id == user.organisation_id,
        )
    ):
        if can_edit_response(user, response):
            existing[(response.round_id, response.part)] = response
    return existing
