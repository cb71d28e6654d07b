"""Lists in running text take the separator of their language: 、 in Chinese, "; " in English (issue 18: the
English scorecard's training plan read "Clerk、Section level、Division level and above")."""

from pathlib import Path

import pytest

from surveyapp.definitions.loader import load_file
from surveyapp.domain.kinds import list_separator
from surveyapp.services.scorecards import _training

V2 = Path(__file__).resolve().parents[2] / "surveyapp" / "questionnaires" / "transparency-v2.yaml"


def test_list_separator_by_language():
    assert list_separator("zh_Hans") == list_separator("zh_Hant") == "、"
    assert list_separator("en") == "; "


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
def test_training_plan_lists_dimensions_and_audience_with_the_language_separator(lang):
    questionnaire = load_file(V2)
    rows = _training(questionnaire, {d.key: 10.0 for d in questionnaire.dimensions}, lang)
    joined = [text for row in rows for text in (row.dimensions, row.audience)]
    assert any(list_separator(lang) in text for text in joined), joined
    if lang == "en":
        assert not any("、" in text for text in joined), joined
