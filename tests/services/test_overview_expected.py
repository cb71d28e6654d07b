"""The round page's response rate never reads "112 of 0 expected": everyone who submitted was expected
(demo data and imports load responses without accounts; accounts are deactivated after they answered)."""

from __future__ import annotations

import pytest

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, User
from surveyapp.services.demo import seed_demo
from surveyapp.services.overview import response_rates, round_overview


@pytest.fixture
def backend():
    return "sqlite"


def test_expected_is_at_least_what_was_submitted(app_ctx):
    seeded = seed_demo(departments=3, respondents=4, seed=5)
    round_ = db.session.get(AssessmentRound, seeded.round_id)
    for user in db.session.query(User).filter(User.organisation_id.in_([d.id for d in round_.departments])):
        user.active = False  # everyone who answered has left since
    db.session.commit()
    overview = round_overview(round_, 3)
    assert 0 < overview.submitted <= seeded.responses  # staff responses (the checklists are not counted)
    assert overview.expected >= overview.submitted and overview.rate == 100.0
    for line in overview.lines:
        assert line.expected >= line.progress.submitted
        assert line.rate in (None, 100.0) or 0 <= line.rate <= 100
    assert response_rates([round_])[round_.id] == overview.rate
