"""The organisation service: the one place an organisation is created or changed, by web, CLI and import."""

import pytest
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AuditEvent, Organisation
from surveyapp.services.organisations import OrganisationError, organisation_by_code, save_organisation

NAMES = {"name_zh_hans": "教育局", "name_zh_hant": "教育局", "name_en": "Education bureau"}


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_create_is_audited_and_a_used_code_is_refused(app_ctx):
    agency = save_organisation(None, code=" AG ", kind="agency", parent=None, **NAMES)
    assert agency.code == "AG" and [e.object_id for e in events("organisation.create")] == [str(agency.id)]
    with pytest.raises(OrganisationError) as refused:
        save_organisation(None, code="AG", kind="department", parent=agency, **NAMES)
    assert refused.value.field == "code"
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 1


def test_an_organisation_cannot_move_below_itself(app_ctx):
    agency = save_organisation(None, code="AG", kind="agency", parent=None, **NAMES)
    department = save_organisation(None, code="D1", kind="department", parent=agency, **NAMES)
    with pytest.raises(OrganisationError) as refused:
        save_organisation(agency, code="AG", kind="agency", parent=department, **NAMES)
    assert refused.value.field == "parent"
    db.session.rollback()
    assert organisation_by_code("AG").parent is None
    moved = save_organisation(department, code="D1", kind="unit", parent=agency, **NAMES)
    assert moved.kind == "unit" and len(events("organisation.update")) == 1


def test_cli_org_add_goes_through_the_service_and_is_audited(app, runner):
    args = ["org", "add", "--kind", "agency", "--name-zh-hans", "甲", "--name-zh-hant", "甲", "--name-en", "A"]
    assert runner.invoke(args=[*args, "--code", "AG"]).exit_code == 0
    again = runner.invoke(args=[*args, "--code", "AG"])
    assert again.exit_code != 0 and "This code is used already" in again.output
    missing = runner.invoke(args=[*args, "--code", "B", "--parent", "NOPE"])
    assert missing.exit_code != 0 and "no organisation with code 'NOPE'" in missing.output
    with app.app_context():
        assert [e.details["code"] for e in events("organisation.create")] == ["AG"]
