"""A staff group below the minimum size shows no figure and does not count in the department
score, so nobody (a coordinator or administrator included) can work an individual's score back
from it (issue 14, ``permissions.CONFIDENTIALITY_RULE`` 2)."""

from pathlib import Path

from surveyapp.definitions.loader import load_file
from surveyapp.domain.scoring import score_response
from surveyapp.domain.stats import department_result
from tests.helpers import valid_value

BUILTIN = load_file(Path(__file__).resolve().parents[2] / "surveyapp" / "questionnaires" / "transparency-v1.yaml")


def _card(part: str, **overrides):
    answers = {item.key: valid_value(item) for item in BUILTIN.part(part).items if valid_value(item) is not None}
    answers.update(overrides)
    return score_response(BUILTIN, part, answers)


def test_two_staff_of_three_needed_show_nothing_and_leave_the_checklist_alone():
    checklist = _card("department")
    staff = [_card("staff", d4_s01=30), _card("staff", d4_s01=0)]
    small = department_result(BUILTIN, staff, checklist, min_group_size=3)
    alone = department_result(BUILTIN, [], checklist, min_group_size=3)
    for dimension in small.dimensions:
        assert dimension.staff.suppressed and dimension.staff.n == 2
        assert (dimension.staff.mean, dimension.staff.sd, dimension.staff.ci_low) == (None, None, None)
    assert [d.score for d in small.dimensions] == [d.score for d in alone.dimensions]
    assert small.overall == alone.overall and small.respondents == 2


def test_a_group_of_the_minimum_size_counts():
    checklist = _card("department")
    staff = [_card("staff", d4_s01=h) for h in (30, 0, 12)]
    result = department_result(BUILTIN, staff, checklist, min_group_size=3)
    d4 = result.dimension("D4")
    assert not d4.staff.suppressed and d4.staff.mean is not None
    assert result.overall != department_result(BUILTIN, [], checklist, min_group_size=3).overall


def test_five_numbers_match_numpy_and_the_box_plot():
    import numpy as np

    from surveyapp.domain.stats import five_numbers

    assert five_numbers([]) is None
    assert five_numbers([42.0]) == (42.0,) * 5
    for values in ([10, 20, 35, 50, 90], [3.5, 99.0], [0, 0, 100, 50, 50, 25, 75.5, 12.25]):
        expected = np.percentile(values, [0, 25, 50, 75, 100])
        assert np.allclose(five_numbers(values), expected)
