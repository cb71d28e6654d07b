"""The start card: number of questions and minutes, from the instrument, then from past completions;
times in the agency's time zone."""

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from surveyapp.domain.estimate import MIN_SAMPLES, estimate
from surveyapp.extensions import db
from surveyapp.localtime import format_datetime
from surveyapp.models import Response
from surveyapp.services.questionnaires import get_questionnaire
from tests.helpers import sign_in, submit_complete


def test_estimate_from_the_instrument_then_from_the_median():
    from surveyapp.config import PROJECT_ROOT
    from surveyapp.definitions.loader import load_file

    part = load_file(PROJECT_ROOT / "surveyapp" / "questionnaires" / "transparency-v1.yaml").part("staff")
    first = estimate(part)
    assert first.questions == len(part.items) and first.samples == 0 and first.minutes >= 2
    few = estimate(part, [600.0] * (MIN_SAMPLES - 1))
    assert few == first, "too few completions: the instrument's figure stays"
    many = estimate(part, [300.0] * 5 + [420.0] + [86400.0 * 3] * 5)
    assert (many.minutes, many.samples) == (7, 11), "the median, not the mean of a draft left for days"


def test_the_start_card_shows_questions_and_minutes(app, assessment):
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    with app.app_context():
        part = get_questionnaire("transparency", 1).part("staff")
        expected = estimate(part)
    page = client.get("/my").get_data(as_text=True)
    assert f"Questions: {len(part.items)}" in page and f"About {expected.minutes} min" in page


def test_past_completions_refine_the_card(app, assessment, create_user):
    for number in range(MIN_SAMPLES):
        email = f"s{number}@ag.example"
        create_user(email, "staff", organisation=assessment["d1"])
        client = app.test_client()
        sign_in(client, email, lang="en")
        submit_complete(app, client, assessment["round_id"], "staff")
    with app.app_context():
        for response in db.session.scalars(select(Response).where(Response.status == "submitted")):
            response.started_at = response.submitted_at - timedelta(minutes=12, seconds=5)
        db.session.commit()
    client = app.test_client()
    sign_in(client, "staff@d01.example", lang="en")
    assert "About 13 min" in client.get("/my").get_data(as_text=True)


def test_times_are_shown_in_the_agency_time_zone(app):
    moment = datetime(2026, 11, 30, 17, 30)  # stored UTC
    with app.app_context():
        assert format_datetime(moment) == "2026-12-01 01:30"
        app.config["TIMEZONE"] = "Europe/Paris"
        assert format_datetime(moment.replace(tzinfo=UTC)) == "2026-11-30 18:30"


def test_a_date_typed_in_a_form_ends_that_day_where_the_agency_is(app):
    from datetime import date

    from surveyapp.localtime import end_of_local_day, format_date

    with app.app_context():
        stored = end_of_local_day(date(2027, 3, 31))
        assert stored == datetime(2027, 3, 31, 15, 59), "23:59 in Shanghai is 15:59 UTC"
        assert format_date(stored) == "2027-03-31"


def test_fast_outliers_do_not_make_the_estimate_unrealistic():
    """QA fault 8: a few fast scripted submissions turned "about 6 min" into "about 1 min"."""
    from surveyapp.config import PROJECT_ROOT
    from surveyapp.definitions.loader import load_file
    from surveyapp.domain.estimate import FLOOR_SHARE, instrument_seconds

    part = load_file(PROJECT_ROOT / "surveyapp" / "questionnaires" / "transparency-v1.yaml").part("staff")
    first = estimate(part)
    floor_minutes = math.ceil(FLOOR_SHARE * instrument_seconds(part) / 60)
    scripted = estimate(part, [5.0] * 50 + [600.0] * 3)
    assert scripted == first, "scripted seconds-long submissions are not completions"
    hurried = estimate(part, [instrument_seconds(part) * 0.3] * 20)
    assert hurried.minutes >= floor_minutes and hurried.minutes > 1, hurried
    mixed = estimate(part, [4.0] * 30 + [instrument_seconds(part) * 0.4] * 6 + [900.0] * 6)
    assert mixed.minutes >= floor_minutes
    slow = estimate(part, [900.0] * 12)
    assert slow.minutes == 15 and slow.samples == 12, "real, slower completions still refine the card"
