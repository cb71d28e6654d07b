"""Filling in through the services: evidence files stored and discarded with the page, all or nothing."""

import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, User
from surveyapp.services import responses as service
from surveyapp.services.answers import answers_of, progress

PDF = b"%PDF-1.4\n% test evidence\n"


def upload(name="notice.pdf", content=PDF):
    return FileStorage(stream=io.BytesIO(content), filename=name)


def stored_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOADS_DIR"]).rglob("*") if p.is_file())


@pytest.fixture
def checklist(app_ctx, assessment):
    """The coordinator's draft checklist, on the page with the evidence-file question (d4_c04)."""
    coordinator = db.session.get(User, assessment["users"]["coordinator"].id)
    round_ = db.session.get(AssessmentRound, assessment["round_id"])
    response = service.start_response(coordinator, round_, "department")
    return response, coordinator


def test_a_refused_answer_discards_the_file_stored_with_it(app, checklist):
    response, coordinator = checklist
    # d4_c04 is asked only when d4_c01 is "yes": answering it with d4_c01 "no" is refused.
    with pytest.raises(service.ResponseError):
        service.save_page_with_uploads(response, 3, {"d4_c01": "no"}, {"d4_c04": upload()}, set(), coordinator)
    assert stored_files(app) == [] and answers_of(response) == {}


def test_a_refused_file_stores_nothing(app, checklist):
    response, coordinator = checklist
    with pytest.raises(service.UploadRefused) as refused:
        service.save_page_with_uploads(
            response, 3, {"d4_c01": "yes"}, {"d4_c04": upload("run.exe", b"MZ")}, set(), coordinator
        )
    assert refused.value.item_key == "d4_c04"
    assert stored_files(app) == [] and answers_of(response) == {}


def test_replacing_and_removing_a_file_deletes_the_old_one_after_saving(app, checklist):
    response, coordinator = checklist
    service.save_page_with_uploads(response, 3, {"d4_c01": "yes"}, {"d4_c04": upload()}, set(), coordinator)
    first = stored_files(app)
    assert len(first) == 1 and answers_of(response)["d4_c04"]["name"] == "notice.pdf"
    service.save_page_with_uploads(response, 3, {}, {"d4_c04": upload("new.pdf")}, set(), coordinator)
    second = stored_files(app)
    assert len(second) == 1 and second != first and answers_of(response)["d4_c04"]["name"] == "new.pdf"
    service.save_page_with_uploads(response, 3, {}, {}, {"d4_c04"}, coordinator)
    assert stored_files(app) == [] and "d4_c04" not in answers_of(response)


def test_progress_counts_shown_questions_only(checklist):
    response, coordinator = checklist
    service.save_page(response, 3, {"d4_c01": "yes"}, coordinator)
    asked = progress(response)
    service.save_page(response, 3, {"d4_c01": "no"}, coordinator)
    hidden = progress(response)
    # "no" hides the evidence question d4_c04: one question fewer, the same number answered.
    assert hidden["total"] == asked["total"] - 1 and hidden["answered"] == asked["answered"] == 1


def test_stored_answers_read_alike_from_the_columns_and_from_the_loaded_collection(app, checklist):
    """answers_of reads three columns when the response's answers are not loaded (a questionnaire page,
    issue 13) and the collection when they are (a save): both give the same answers, N/A included,
    and both see a change not yet flushed."""
    from sqlalchemy import inspect

    response, coordinator = checklist
    index, section = next((i, s) for i, s in enumerate(response.part_definition.sections)
                          if any(item.allow_na for item in s.items))  # fmt: skip
    na_item = next(item for item in section.items if item.allow_na)
    answered = next(item for item in section.items if item.kind == "yesno" and item.show_if is None)
    page = {na_item.key: service.NA, answered.key: "yes"}
    service.save_page(response, index, page, coordinator)

    loaded = answers_of(response)
    db.session.expire(response, ["answers"])
    assert "answers" in inspect(response).unloaded
    from_columns = answers_of(response)
    assert "answers" in inspect(response).unloaded, "the column read must not load the collection"
    assert from_columns == loaded and from_columns[na_item.key] is service.NA and len(from_columns) == len(page)

    changed = next(answer for answer in response.answers if not answer.is_na)
    changed.value = "changed, not flushed"
    db.session.expire(response, ["answers"])  # the Answer stays in the session, modified
    assert answers_of(response)[changed.question_key] == "changed, not flushed"
