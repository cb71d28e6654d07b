"""Invitation links for staff without an account: signed, expiring, single-use.

The link carries the invitation id and a random secret, signed with the app's secret key; the
database keeps only a hash of the secret. The first use creates the response and binds it to the
browser session that opened the link; every later use of the same link is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Invitation, Organisation, Response, ResponseStatus
from surveyapp.models.base import utcnow
from surveyapp.services.audit import record_event
from surveyapp.services.questionnaires import get_questionnaire

SALT = "surveyapp.invitation"


class InvitationError(ValueError):
    pass


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_invitations(
    round_: AssessmentRound, department: Organisation, count: int, actor, label: str = ""
) -> list[str]:
    """Create ``count`` invitation tokens for the staff part; returns the tokens (shown once)."""
    if not round_.is_open:
        raise InvitationError(_l("This assessment round is closed."))
    if department not in round_.departments:
        raise InvitationError(_l("This department is not part of the round."))
    questionnaire = get_questionnaire(round_.questionnaire_key, round_.questionnaire_version)
    part = next(p.key for p in questionnaire.parts if p.respondent == "staff")
    days = current_app.config["INVITATION_DAYS"]
    tokens = []
    for _ in range(count):
        secret = secrets.token_urlsafe(24)
        invitation = Invitation(
            round_id=round_.id, organisation_id=department.id, part=part, label=label[:200],
            secret_hash=_hash(secret), expires_at=utcnow() + timedelta(days=days),
            created_by_id=getattr(actor, "id", None),
        )  # fmt: skip
        db.session.add(invitation)
        db.session.flush()
        tokens.append(_serializer().dumps({"i": invitation.id, "s": secret}))
    record_event("invitation.create", actor=actor, obj=round_, department=department.code, count=count)
    db.session.commit()
    return tokens


def redeem_invitation(token: str) -> Response:
    """Use an invitation once: create its response. Refuses tampered, expired and used links."""
    days = current_app.config["INVITATION_DAYS"]
    try:
        data = _serializer().loads(token, max_age=days * 86400)
    except SignatureExpired:
        raise InvitationError(_l("This invitation has expired.")) from None
    except BadSignature:
        raise InvitationError(_l("This invitation link is not valid.")) from None
    invitation = db.session.get(Invitation, data.get("i")) if isinstance(data, dict) else None
    if invitation is None or invitation.secret_hash != _hash(str(data.get("s", ""))):
        raise InvitationError(_l("This invitation link is not valid."))
    if invitation.used_at is not None:
        record_event("invitation.replay", obj=invitation)
        db.session.commit()
        raise InvitationError(_l("This invitation has been used already."))
    if invitation.expires_at < utcnow():
        raise InvitationError(_l("This invitation has expired."))
    round_ = invitation.round
    if not round_.is_open:
        raise InvitationError(_l("This assessment round is closed."))
    # Claim the link in one statement: of two identical redeems at once, exactly one wins; the
    # other is told the link is used (never a server error, never a second response).
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise InvitationError(_l("This invitation has been used already."))
    response = Response(
        round=round_, organisation_id=invitation.organisation_id, user_id=None, part=invitation.part,
        owner_key=f"invite:{invitation.id}", questionnaire_key=round_.questionnaire_key,
        questionnaire_version=round_.questionnaire_version, status=ResponseStatus.DRAFT,
    )  # fmt: skip
    db.session.add(response)
    db.session.flush()
    invitation.response_id = response.id
    record_event("invitation.use", obj=invitation, response=response.id)
    db.session.commit()
    return response
