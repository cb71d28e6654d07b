"""Round-wide figures from stored scores, cached per round data version (issue: fast at every scale).

A scorecard and a comparison must show new data as soon as a response is submitted or reopened,
whichever process made the change; the figures read from the stored scores must equal those of
re-scoring every response; and importing the app must not load what only some requests use.
"""

import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, select, text

from surveyapp.domain.stats import department_result, reliability
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation, Response, ResponseStatus
from surveyapp.services.comparison import compare_departments, staff_and_checklist_parts
from surveyapp.services.questionnaires import get_questionnaire
from surveyapp.services.reports_data import round_reliability
from surveyapp.services.scorecards import department_scorecard_data, round_context
from surveyapp.services.scores import department_result_for, scorecard_of
from tests.helpers import seed, sign_in, submit_complete

ROOT = Path(__file__).resolve().parents[2]


def scorecard_digest(app, round_id, department_id):
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        department = db.session.get(Organisation, department_id)
        return department_scorecard_data(round_context(round_), department, "en").digest()


def compared(app, round_id):
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        return {r.organisation_id: r.overall for r in compare_departments(round_, None, 1).rows}


def test_scorecard_and_comparison_follow_submit_and_reopen(app, assessment):
    round_id, d1, d2 = assessment["round_id"], assessment["d1"].id, assessment["d2"].id
    staff = app.test_client()
    sign_in(staff, "staff@d01.example", lang="en")
    submit_complete(app, staff, round_id, "staff")
    before = scorecard_digest(app, round_id, d1)
    assert scorecard_digest(app, round_id, d1) == before  # served again from the cache
    assert compared(app, round_id)[d2] is None

    # A peer department submits: d1's scorecard (peers, reliability) and the comparison change.
    other = app.test_client()
    sign_in(other, "staff@d02.example", lang="en")
    peer_response = submit_complete(app, other, round_id, "staff")
    after_submit = scorecard_digest(app, round_id, d1)
    assert after_submit != before
    assert compared(app, round_id)[d2] is not None
    with app.app_context():
        _, dimensions = round_reliability(db.session.get(AssessmentRound, round_id))
        assert max(d.n for d in dimensions) == 2

    # Reopened: its last submission keeps counting until it is submitted again (a reopen must not
    # move any figure, or before − after would give that person's scores), and the cache agrees.
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    assert admin.post(f"/responses/{peer_response}/reopen").status_code == 302
    assert scorecard_digest(app, round_id, d1) == after_submit
    assert compared(app, round_id)[d2] is not None


def test_a_change_made_by_another_process_is_seen(app, runner):
    """Another worker's submit changes the aggregates and the round's data version in the database;
    this process's cached comparison must not be served after that."""
    round_id = seed(runner, departments=3, respondents=3)
    first = compared(app, round_id)
    department = sorted(first)[0]
    other_process = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other_process.begin() as connection:
        connection.execute(
            text(
                "UPDATE score_aggregates SET total = 0, total_squares = 0 WHERE round_id = :r AND organisation_id = :o"
            ),
            {"r": round_id, "o": department},
        )
        connection.execute(
            text("UPDATE assessment_rounds SET data_version = data_version + 1 WHERE id = :r"), {"r": round_id}
        )
    other_process.dispose()
    second = compared(app, round_id)
    assert first[department] > 0 and second[department] == 0
    assert {k: v for k, v in second.items() if k != department} == {k: v for k, v in first.items() if k != department}


def test_results_from_stored_scores_equal_rescoring_every_response(app, runner):
    round_id = seed(runner, departments=5, respondents=6, seed_value=11)
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        questionnaire = get_questionnaire(round_.questionnaire_key, round_.questionnaire_version)
        staff_part, checklist_part = staff_and_checklist_parts(questionnaire)
        submitted = db.session.scalars(
            select(Response).where(Response.round_id == round_id, Response.status == ResponseStatus.SUBMITTED)
        ).all()
        cards = {r.id: scorecard_of(r) for r in submitted}
        red_lines_seen = 0
        for department in round_.departments:
            mine = [r for r in submitted if r.organisation_id == department.id]
            expected = department_result(
                questionnaire,
                [cards[r.id] for r in mine if r.part == staff_part],
                next((cards[r.id] for r in mine if r.part == checklist_part), None),
                staff_part,
                checklist_part,
                3,
            )
            actual = department_result_for(round_, department.id, 3)
            red_lines_seen += len(expected.red_lines)
            assert actual.overall == pytest.approx(expected.overall)
            assert (actual.grade, actual.red_lines, actual.respondents) == (
                expected.grade,
                expected.red_lines,
                expected.respondents,
            )
            assert actual.checklist_submitted == expected.checklist_submitted
            for got, want in zip(actual.dimensions, expected.dimensions, strict=True):
                assert (got.key, got.checklist, got.maturity_level) == (want.key, want.checklist, want.maturity_level)
                assert got.score == pytest.approx(want.score)
                assert (got.staff.n, got.staff.suppressed) == (want.staff.n, want.staff.suppressed)
                for field in ("mean", "sd", "ci_low", "ci_high"):
                    assert getattr(got.staff, field) == pytest.approx(getattr(want.staff, field), abs=1e-9)
        assert red_lines_seen, "the seeded round should hit some red lines"

        expected_reliability = reliability(
            questionnaire, staff_part, [cards[r.id] for r in submitted if r.part == staff_part]
        )
        _, actual_reliability = round_reliability(round_)
        assert [d.key for d in actual_reliability] == [d.key for d in expected_reliability]
        for got, want in zip(actual_reliability, expected_reliability, strict=True):
            assert (got.n, got.label, got.redundant) == (want.n, want.label, want.redundant)
            assert got.alpha == pytest.approx(want.alpha)
            assert [i.key for i in got.items] == [i.key for i in want.items]
            assert [i.corrected_item_total for i in got.items] == pytest.approx(
                [i.corrected_item_total for i in want.items]
            )


def test_importing_the_app_loads_no_module_only_some_requests_use():
    code = (
        "import sys, wsgi\n"
        "from surveyapp.services import users\n"
        "heavy = ('scipy', 'numpy', 'matplotlib', 'openpyxl', 'weasyprint', 'pikepdf', 'PIL', 'zxcvbn', 'docx',\n"
        "         'requests', 'lxml', 'feedparser', 'warcio')\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
        "print(users._dummy_hash.cache_info().currsize)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    lines = result.stdout.splitlines()
    assert lines[-2] == "", f"imported by `import wsgi`: {lines[-2]}"
    assert lines[-1] == "0", "the argon2 dummy hash was computed at import"


def gunicorn_settings() -> dict:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_preloads_and_fits_workers_to_memory():
    settings = gunicorn_settings()
    assert settings["preload_app"] is True
    default_workers = settings["default_workers"]
    assert default_workers(2, 16_000, 350) == 5  # cores decide
    assert default_workers(2, 1024, 350) == 2  # memory decides
    assert default_workers(8, 100, 350) == 1
    assert default_workers(2, None, 350) == 5


def test_gunicorn_workers_reach_their_request_limits_apart():
    settings = gunicorn_settings()
    base = settings["max_requests"]
    assert settings["max_requests_jitter"] >= base // 2

    server = SimpleNamespace(num_workers=2, log=None)
    limits = []
    for age in (1, 2):
        worker = SimpleNamespace(age=age, max_requests=base)
        settings["post_fork"].__globals__["preload_app"] = False  # no database pool to reset here
        settings["post_fork"](server, worker)
        limits.append(worker.max_requests)
    assert abs(limits[0] - limits[1]) >= base // 2


def rescored_reliability(round_):
    questionnaire = get_questionnaire(round_.questionnaire_key, round_.questionnaire_version)
    staff_part, _ = staff_and_checklist_parts(questionnaire)
    responses = db.session.scalars(
        select(Response).where(
            Response.round_id == round_.id, Response.part == staff_part, Response.status == ResponseStatus.SUBMITTED
        )
    ).all()
    return reliability(questionnaire, staff_part, [scorecard_of(r) for r in responses])


def assert_same_reliability(actual, expected):
    assert [(d.key, d.n, d.label) for d in actual] == [(d.key, d.n, d.label) for d in expected]
    for got, want in zip(actual, expected, strict=True):
        assert got.alpha == pytest.approx(want.alpha)
        assert [i.corrected_item_total for i in got.items] == pytest.approx(
            [i.corrected_item_total for i in want.items]
        )


def test_reliability_sums_follow_reopen_and_rebuild_and_old_rounds_read_stored_scores(app, runner):
    from surveyapp.services.responses import reopen_response
    from surveyapp.services.round_cache import bump_data_version
    from surveyapp.services.scores import rebuild_aggregates

    round_id = seed(runner, departments=4, respondents=6, seed_value=5)
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        assert round_.reliability_sums
        assert_same_reliability(round_reliability(round_)[1], rescored_reliability(round_))
        # Reopening two staff responses takes them out of the running sums.
        for response in db.session.scalars(
            select(Response).where(Response.round_id == round_id, Response.part == "staff").limit(2)
        ).all():
            reopen_response(response, None, "test")
        assert_same_reliability(round_reliability(round_)[1], rescored_reliability(round_))
        # A round from before the sums: read from the stored item scores until a rebuild fills them.
        round_.reliability_sums = False
        bump_data_version(round_id)
        db.session.commit()
        assert_same_reliability(round_reliability(round_)[1], rescored_reliability(round_))
        rebuild_aggregates(round_id)
        db.session.commit()
        assert round_.reliability_sums
        assert_same_reliability(round_reliability(round_)[1], rescored_reliability(round_))


def item_means_from_answers(round_id, department_id, part):
    """A department's item means read from every stored answer (what the scorecard read before the
    running item totals): question key → (mean, n)."""
    from sqlalchemy import func

    from surveyapp.models import Answer

    return {
        key: (mean, n)
        for key, mean, n in db.session.execute(
            select(Answer.question_key, func.avg(Answer.score), func.count(Answer.score))
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == round_id, Response.organisation_id == department_id,
                   Response.part == part, Response.status == ResponseStatus.SUBMITTED, Answer.score.is_not(None))
            .group_by(Answer.question_key)
        )
    }  # fmt: skip


def assert_item_means_equal_answers(round_) -> set:
    """Each department's item means of each part equal those of its stored answers; returns the
    (department, part) pairs that had any."""
    from surveyapp.services.scorecards import staff_item_means

    answered = set()
    for department in round_.departments:
        for part in staff_and_checklist_parts(round_.questionnaire):
            expected = item_means_from_answers(round_.id, department.id, part)
            actual = staff_item_means(round_, department.id, part)
            assert {k: n for k, (_, n) in actual.items()} == {k: n for k, (_, n) in expected.items()}
            assert {k: m for k, (m, _) in actual.items()} == pytest.approx({k: m for k, (m, _) in expected.items()})
            if expected:
                answered.add((department.id, part))
    return answered


def test_item_means_from_running_totals_equal_the_stored_answers(app, runner):
    """A department's item means come from running item totals kept on submit, reopen, resubmit and
    rebuild; they equal the means of every stored answer (the old path) at each step."""
    from sqlalchemy.orm import aliased

    from surveyapp.models import Answer, ItemAggregate, User
    from surveyapp.services.responses import reopen_response, submit_response
    from surveyapp.services.scores import rebuild_aggregates

    round_id = seed(runner, departments=4, respondents=6, seed_value=13)
    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        staff_part, _ = staff_and_checklist_parts(round_.questionnaire)
        # Bulk seeding, through ``rebuild_aggregates``: every department answered both parts.
        assert len(assert_item_means_equal_answers(round_)) == 4 * 2

        department = round_.departments[0]
        reopened = db.session.scalars(
            select(Response).where(Response.round_id == round_id, Response.organisation_id == department.id,
                                   Response.part == staff_part).order_by(Response.id).limit(2)
        ).all()  # fmt: skip
        before = item_means_from_answers(round_id, department.id, staff_part)
        for response in reopened:
            reopen_response(response, None, "test")
        assert item_means_from_answers(round_id, department.id, staff_part) == before  # kept copies count
        assert_item_means_equal_answers(round_)

        # Resubmitted with a five-point answer changed to another respondent's different one.
        response, other = reopened[0], aliased(Answer)
        likert = {item.key for item in round_.questionnaire.part(staff_part).items if item.kind == "likert5"}
        answer, value = next(
            (mine, value)
            for mine, value in db.session.execute(
                select(Answer, other.value)
                .join(other, other.question_key == Answer.question_key)
                .where(Answer.response_id == response.id, other.score.is_not(None))
                .order_by(Answer.id, other.id)
            )
            if mine.question_key in likert and value != mine.value
        )
        answer.value = value
        db.session.commit()
        submit_response(db.session.get(Response, response.id), db.session.get(User, response.user_id))
        assert item_means_from_answers(round_id, department.id, staff_part) != before
        assert_item_means_equal_answers(round_)

        totals = sorted(db.session.execute(
            select(ItemAggregate.organisation_id, ItemAggregate.part, ItemAggregate.item, ItemAggregate.n,
                   ItemAggregate.total).where(ItemAggregate.round_id == round_id, ItemAggregate.n > 0)
        ).all())  # fmt: skip
        rebuild_aggregates(round_id)
        db.session.commit()
        assert sorted(db.session.execute(
            select(ItemAggregate.organisation_id, ItemAggregate.part, ItemAggregate.item, ItemAggregate.n,
                   ItemAggregate.total).where(ItemAggregate.round_id == round_id, ItemAggregate.n > 0)
        ).all()) == totals  # fmt: skip
        assert_item_means_equal_answers(round_)


def test_item_means_follow_first_submits(app, assessment):
    """The first submit of a department's part creates its running item totals."""
    round_id = assessment["round_id"]
    for email, part in (("staff@d01.example", "staff"), ("coord@d01.example", "department"),
                        ("staff@d02.example", "staff")):  # fmt: skip
        client = app.test_client()
        sign_in(client, email, lang="en")
        submit_complete(app, client, round_id, part)
    with app.app_context():
        answered = assert_item_means_equal_answers(db.session.get(AssessmentRound, round_id))
    assert answered == {(assessment["d1"].id, "staff"), (assessment["d1"].id, "department"),
                        (assessment["d2"].id, "staff")}  # fmt: skip


def test_a_scorecard_after_a_submit_reads_no_answer_per_respondent(app, runner):
    """After a submit (the round's data version bumped), building a department's scorecard reads the
    answers of its checklist alone, one response by id: the staff item means come from the running
    item totals, never from an aggregate over every respondent's answers (issue 13)."""
    import re

    from sqlalchemy import event

    from surveyapp.services.round_cache import bump_data_version

    round_id = seed(runner, departments=3, respondents=4)
    statements = []

    def record(connection, cursor, statement, *_):
        statements.append(statement)

    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        bump_data_version(round_id)
        db.session.commit()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            department_scorecard_data(round_context(round_), round_.departments[0], "en")
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    reading_answers = [s for s in statements if re.search(r"\bFROM answers\b", s)]
    assert reading_answers, "the checklist's answers are read"
    assert not [s for s in reading_answers if "JOIN" in s or "GROUP BY" in s], reading_answers
