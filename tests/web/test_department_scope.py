"""Department-scoped administrators and trainers: what they can do with rounds of their agency."""

from __future__ import annotations

from tests.helpers import sign_in


def test_department_trainer_sees_the_round_that_includes_their_department(app, assessment, create_user):
    create_user("trainer@d01.example", "trainer", organisation=assessment["d1"])
    client = app.test_client()
    sign_in(client, "trainer@d01.example", lang="en")
    page = client.get("/compare").get_data(as_text=True)
    assert "No assessment round in your scope yet." not in page
    assert "教育局" in page or "D01" in page
    assert "交通局" not in page, "only the department in scope is compared"
    assert client.get(f"/compare?round={assessment['round_id']}").status_code == 200


def test_department_admin_is_told_why_no_round_can_be_opened(app, assessment, create_user):
    create_user("admin@d01.example", "admin", organisation=assessment["d1"])
    client = app.test_client()
    sign_in(client, "admin@d01.example", lang="en")
    page = client.get("/admin/rounds/new")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Your account covers a department only" in text
    assert 'name="agency_id"' not in text
    assert client.get(f"/compare?round={assessment['round_id']}").status_code == 200, "the page's pointer works"
    agency_admin = app.test_client()
    sign_in(agency_admin, "admin@ag.example", lang="en")
    assert 'name="agency_id"' in agency_admin.get("/admin/rounds/new").get_data(as_text=True)
