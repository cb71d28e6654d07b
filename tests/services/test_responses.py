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
