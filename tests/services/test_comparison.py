"""Comparison rules owned by services: the trend window and group suppression."""

from datetime import UTC, datetime, timedelta

from surveyapp.domain.stats import is_suppressed
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation
from surveyapp.services.comparison import TREND_ROUNDS, compare_departments, trend_rounds
from surveyapp.services.rounds import open_round


def test_trend_shows_the_same_window_of_rounds_oldest_first(app_ctx, assessment):
    agency = db.session.get(Organisation, assessment["agency"].id)
    department = db.session.get(Organisation, assessment["d1"].id)
    first = db.session.get(AssessmentRound, assessment["round_id"])
    start = datetime(2020, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    first.created_at = start
    later = []
    for year in range(1, 7):
        round_ = open_round(f"round {year}", agency, [department], "transparency", 1)
        round_.created_at = start + timedelta(days=365 * year)
        later.append(round_)
    db.session.commit()
    window = trend_rounds(later[-1])
    assert TREND_ROUNDS == 5 and [r.name for r in window] == [f"round {y}" for y in range(2, 7)]
    assert [r.name for r in trend_rounds(later[1])] == ["2026 自評", "round 1", "round 2"]


def test_a_department_without_staff_answers_is_suppressed_like_a_small_one(app_ctx, assessment):
    round_ = db.session.get(AssessmentRound, assessment["round_id"])
    comparison = compare_departments(round_, None, 3)
    assert [(row.staff_n, row.suppressed, row.overall) for row in comparison.rows] == [(0, True, None)] * 2
    assert is_suppressed(0, 3) and is_suppressed(2, 3) and not is_suppressed(3, 3)
