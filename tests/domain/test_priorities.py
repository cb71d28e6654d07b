"""The scorecard cover's top three priorities (issue 18): computed from the scores and the weights."""

from pathlib import Path

from surveyapp.definitions.loader import load_file
from surveyapp.domain.advice import strength_threshold, top_priorities

V2 = load_file(Path(__file__).resolve().parents[2] / "surveyapp" / "questionnaires" / "transparency-v2.yaml")


def test_priorities_are_below_good_ordered_by_what_they_add_to_the_index():
    good = strength_threshold(V2)
    keys = [d.key for d in V2.dimensions]
    weights = {d.key: float(d.weight) for d in V2.dimensions}
    scores = {k: 90.0 for k in keys}
    scores[keys[0]], scores[keys[1]], scores[keys[2]], scores[keys[3]] = 40.0, 50.0, 60.0, 70.0
    chosen = top_priorities(V2, scores)
    assert len(chosen) == 3 and all(scores[k] < good for k in chosen)
    gains = [(good - scores[k]) * weights[k] for k in chosen]
    assert gains == sorted(gains, reverse=True)
    others = [k for k in keys if k not in chosen and scores[k] < good]
    assert all((good - scores[k]) * weights[k] <= gains[-1] for k in others)


def test_no_priority_when_every_dimension_is_good_and_unscored_ones_are_left_out():
    keys = [d.key for d in V2.dimensions]
    assert top_priorities(V2, dict.fromkeys(keys, 95.0)) == []
    scores = dict.fromkeys(keys, None)
    scores[keys[4]] = 10.0
    assert top_priorities(V2, scores) == [keys[4]]
