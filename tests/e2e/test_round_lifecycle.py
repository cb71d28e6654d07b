"""A round's life in a real browser: the department list follows the agency, closing needs a
confirmation, and a closed round reopens with a reason."""

import re
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_departments_follow_the_agency_close_needs_confirmation_and_reopen_works(live_server, new_page):
    page = new_page(locale="en-GB")
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/rounds/new")
    city_department = page.get_by_label(re.compile("EDU · Education Bureau"))
    demo_department = page.get_by_label(re.compile("Demo department 0001"))
    assert page.get_by_label("Agency").input_value() == "0", "no agency is chosen for the administrator"
    page.get_by_label("Agency").select_option(label="DEMO11-0-AG · Demo city government 11")
    assert demo_department.is_visible() and not city_department.is_visible()
    page.get_by_label("Agency").select_option(label="CITY · Demo City Government")
    assert city_department.is_visible() and not demo_department.is_visible()
    page.get_by_label("Agency").select_option(label="DEMO11-0-AG · Demo city government 11")
    page.get_by_label("Name of the round").fill("Lifecycle check")
    demo_department.check()
    page.get_by_label("Deadline").fill((date.today() + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Open the round").click()
    page.get_by_text("The round is open.").wait_for()
    assert page.get_by_text(re.compile(r"\((19|20|21) days left\)")).is_visible()

    page.get_by_role("link", name="Edit the round").click()
    assert page.get_by_label(re.compile("Demo department 0002")).count() == 1
    assert page.get_by_label(re.compile("EDU · Education Bureau")).count() == 0, "another agency's department"
    page.get_by_role("link", name="Back to the round").click()

    page.get_by_role("link", name="Close the round…").click()
    page.get_by_role("heading", name="Close the round Lifecycle check?").wait_for()
    assert page.get_by_text("Closing freezes the round").is_visible()
    screenshot(page, "round-close-confirmation")
    page.get_by_role("link", name="Back to the round").click()
    assert page.get_by_text(re.compile("Status: open")).is_visible(), "nothing closes before confirming"
    page.get_by_role("link", name="Close the round…").click()
    page.get_by_role("button", name="Yes, close the round").click()
    page.get_by_text("The round is closed. Its answers and results are frozen.").wait_for()
    assert page.get_by_text(re.compile("Status: closed")).is_visible()

    page.get_by_role("link", name="Reopen the round…").click()
    page.get_by_role("button", name="Reopen the round").click()  # no reason: refused
    assert page.get_by_text("This field is required.").is_visible()
    page.get_by_label(re.compile("Reason for reopening")).fill("One department asked for more time")
    page.get_by_role("button", name="Reopen the round").click()
    page.get_by_text("The round is open again.").wait_for()
    assert page.get_by_text(re.compile("Status: open")).is_visible()
