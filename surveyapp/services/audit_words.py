"""The audit log in words: translated action names and the names of the objects an event is about.

The action code stays the key (filters and the CSV use it); pages show the words. A response is named
by its number only, never by its author, so the log does not link a person to answers.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation, User

ACTION_NAMES = {
    "account.create": _l("account created"),
    "account.import": _l("accounts imported from a file"),
    "account.lock": _l("account locked"),
    "account.password_change": _l("password changed"),
    "account.password_reset": _l("password reset"),
    "account.role_change": _l("role changed"),
    "account.update": _l("account changed"),
    "api.token_create": _l("API token created"),
    "audit.export": _l("audit log exported"),
    "auth.login": _l("signed in"),
    "auth.login_failed": _l("sign-in failed"),
    "auth.login_locked": _l("sign-in refused: account locked"),
    "evidence.download": _l("evidence file downloaded"),
    "export": _l("data exported"),
    "inspection.run": _l("websites and feeds inspected"),
    "inspection.snapshot_download": _l("inspected page downloaded"),
    "inspection.target_add": _l("inspection target registered"),
    "inspection.target_remove": _l("inspection target no longer inspected"),
    "invitation.create": _l("invitation links created"),
    "invitation.export": _l("invitation links downloaded as CSV"),
    "invitation.qr_sheet": _l("QR sheet of invitation links printed"),
    "invitation.replay": _l("used invitation link opened again"),
    "invitation.revoke": _l("invitation link revoked"),
    "invitation.use": _l("invitation link used"),
    "organisation.create": _l("organisation created"),
    "organisation.import": _l("organisations imported from a file"),
    "organisation.update": _l("organisation changed"),
    "questionnaire.load": _l("questionnaire loaded"),
    "report.bulk_cancel": _l("scorecard export cancelled"),
    "report.bulk_start": _l("scorecard export started"),
    "report.download": _l("report downloaded"),
    "report.export": _l("report exported"),
    "response.reopen": _l("response reopened"),
    "response.start": _l("response started"),
    "response.submit": _l("response submitted"),
    "round.close": _l("round closed"),
    "round.open": _l("round opened"),
}

OBJECT_KINDS = {
    "users": _l("account"),
    "organisations": _l("organisation"),
    "assessment_rounds": _l("round"),
    "responses": _l("response"),
    "invitations": _l("invitation link"),
    "inspection_targets": _l("inspection target"),
}


def action_name(action: str) -> str:
    """The action in words (the code itself when it has no name yet)."""
    return str(ACTION_NAMES.get(action, action))


def object_names(events, lang: str) -> dict[tuple[str, str], str]:
    """``{(object_type, object_id): words}`` for a page of events: e-mail, organisation or round name,
    else the kind and number (responses are never named after a person)."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.object_type and event.object_id and str(event.object_id).isdigit():
            wanted.setdefault(event.object_type, set()).add(int(event.object_id))
    names: dict[tuple[str, str], str] = {}
    if wanted.get("users"):
        for user_id, email in db.session.execute(select(User.id, User.email).where(User.id.in_(wanted["users"]))):
            names[("users", str(user_id))] = email
    if wanted.get("organisations"):
        for organisation in db.session.scalars(
            select(Organisation).where(Organisation.id.in_(wanted["organisations"]))
        ):
            names[("organisations", str(organisation.id))] = f"{organisation.name(lang)} ({organisation.code})"
    if wanted.get("assessment_rounds"):
        query = select(AssessmentRound.id, AssessmentRound.name).where(
            AssessmentRound.id.in_(wanted["assessment_rounds"])
        )
        for round_id, name in db.session.execute(query):
            names[("assessment_rounds", str(round_id))] = name
    for event in events:
        key = (event.object_type, str(event.object_id))
        if event.object_type and event.object_id and key not in names:
            kind = OBJECT_KINDS.get(event.object_type, event.object_type)
            names[key] = f"{kind} #{event.object_id}"
    return names
