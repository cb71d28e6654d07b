"""First steps and homes: the administrator's checklist ticks itself, the round page shows response
rates and results under the group-size rule, the coordinator sees counts and a link to the results."""

import re

from surveyapp.extensions import db
from surveyapp.models import Organisation
from tests.helpers import sign_in, submit_complete


def steps_done(page: str) -> dict[str, bool]:
    return {key: state == "done" for state, key in re.findall(r'<li class="(done|todo)" data-step="(\w+)"', page)}


def test_next_steps_tick_themselves(app, create_org, create_user):
    create_user("root@example.org", "sysadmin")
    admin = app.test_client()
    sign_in(admin, "root@example.org", lang="en")
    assert steps_done(admin.get("/").get_data(as_text=True)) == dict.fromkeys(
        ["agency", "departments", "accounts", "round", "invitations"], False)  # fmt: skip
    agency = create_org("AG", kind="agency")
    department = create_org("D01", parent=agency)
    create_user("s@d01.example", "staff", organisation=department)
    with app.app_context():
        from surveyapp.services.invitations import create_invitations
        from surveyapp.services.questionnaires import load_builtin_questionnaires
        from surveyapp.services.rounds import open_round

        load_builtin_questionnaires()
        round_ = open_round("R", db.session.get(Organisation, agency.id), [db.session.get(Organisation, department.id)],
                            "transparency")  # fmt: skip
        create_invitations(round_, db.session.get(Organisation, department.id), 1, None)
    assert all(steps_done(admin.get("/").get_data(as_text=True)).values())


def test_round_page_rates_and_suppression(app, assessment, create_user):
    for number in range(3):
        email = f"s{number}@d01.example"
        create_user(email, "staff", organisation=assessment["d1"])
        client = app.test_client()
        sign_in(client, email, lang="en")
        submit_complete(app, client, assessment["round_id"], "staff")
    admin = app.test_client()
    sign_in(admin, "admin@ag.example", lang="en")
    page = admin.get(f"/admin/rounds/{assessment['round_id']}").get_data(as_text=True)
    d1 = re.search(r'<tr data-department="D01">(.*?)</tr>', page, re.S).group(1)
    d2 = re.search(r'<tr data-department="D02">(.*?)</tr>', page, re.S).group(1)
    assert "(3/" in d1 and "Too few responses" not in d1 and re.search(r"<td>\d+\.\d</td>", d1)
    assert "Too few responses" in d2, "a department below the minimum group size shows no index"
    listing = admin.get("/admin/rounds").get_data(as_text=True)
    assert "Self-assessment of government disclosure" in listing and "%" in listing


def test_coordinator_home_shows_counts_and_links_to_results(app, assessment):
    staff = app.test_client()
    sign_in(staff, "staff@d01.example", lang="en")
    submit_complete(app, staff, assessment["round_id"], "staff")
    coordinator = app.test_client()
    sign_in(coordinator, "coord@d01.example", lang="en")
    page = coordinator.get("/").get_data(as_text=True)
    assert "My department&#39;s progress" in page or "My department's progress" in page
    assert f"/rounds/{assessment['round_id']}/departments/{assessment['d1'].id}/explanation" in page
    assert "staff@d01.example" not in page, "counts only"


def test_audit_log_in_words_with_object_names_and_local_time(app, assessment, create_user):
    create_user("root@example.org", "sysadmin")
    root = app.test_client()
    sign_in(root, "root@example.org", lang="zh_Hans")
    page = root.get("/admin/audit?action=round").get_data(as_text=True)
    assert "round.open" in page and "auth.login" not in page, "still filterable by code"
    assert "2026 自評" in page, "the round by its name"
    from surveyapp.services.audit_words import ACTION_NAMES

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        from flask_babel import force_locale

        with force_locale("zh_Hans"):
            words = str(ACTION_NAMES["round.open"])
    assert words != "round opened" and words in page, "the action in the reader's language"
