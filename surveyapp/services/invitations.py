"""Invitation links for staff without an account: signed, expiring, single-use.

The link carries the invitation id and a random secret, signed with the app's secret key; the
database keeps only a hash of the secret. The first use creates the response and binds it to the
browser session that opened the link; opening the link again in that browser resumes the draft, in
any other it is refused. A private resume link (``resume_token``) continues the draft on another device.
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
    questionnaire = round_.questionnaire
    part = questionnaire.staff_part.key
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


def _verified(token: str) -> Invitation:
    """The invitation a link names, when the signature, age and secret hold (InvitationError otherwise)."""
    days = current_app.config["INVITATION_DAYS"]
    try:
        data = _serializer().loads(token, max_age=days * 86400)
    except SignatureExpired:
        raise InvitationError(_l("This invitation has expired.")) from None
    except BadSignature:
        raise InvitationError(_l("This invitation link is not valid.")) from None
    invitation_id = data.get("i") if isinstance(data, dict) else None
    if not isinstance(invitation_id, int) or not 0 < invitation_id < 2**31:
        raise InvitationError(_l("This invitation link is not valid."))
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.secret_hash != _hash(str(data.get("s", ""))):
        raise InvitationError(_l("This invitation link is not valid."))
    return invitation


def invitation_for_link(token: str) -> Invitation:
    """Read-only (writes nothing): the invitation a link names, so its first page can say what the
    link does. Used invitations are returned too (``used_at`` set, ``response_id`` their draft);
    InvitationError for a tampered or expired link or a closed round."""
    invitation = _verified(token)
    if invitation.used_at is None and invitation.expires_at < utcnow():
        raise InvitationError(_l("This invitation has expired."))
    if not invitation.round.is_open:
        raise InvitationError(_l("This assessment round is closed."))
    return invitation


def redeem_invitation(token: str) -> Response:
    """Use an invitation once: create its response. Refuses tampered, expired and used links."""
    invitation = _verified(token)
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
    # In an anonymous round the label of an invitation must not sit next to a response id.
    record_event("invitation.use", obj=invitation, **({} if round_.anonymous else {"response": response.id}))
    db.session.commit()
    return response


# Private resume links: continue an invitee's draft on another device.
RESUME_SALT = "surveyapp.resume"


def _resume_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESUME_SALT)


def _invitation_of(response: Response) -> Invitation | None:
    prefix, _, number = response.owner_key.partition(":")
    if prefix != "invite" or not number.isdigit():
        return None
    return db.session.get(Invitation, int(number))


def resume_token(response: Response) -> str | None:
    """The token of a private link that opens this invitee's draft in any browser (None for a response
    not started from an invitation). Signed with the secret key; it names the response only, no person,
    and is stored nowhere: whoever holds it may continue that one draft until the invitation expires,
    the round closes or the response is submitted (``response_for_resume``)."""
    if _invitation_of(response) is None:
        return None
    return _resume_serializer().dumps({"r": response.id})


def response_for_resume(token: str) -> Response:
    """Read-only: the draft a resume link opens. InvitationError when the link is tampered, its
    invitation expired, the round closed or the response submitted."""
    days = current_app.config["INVITATION_DAYS"]
    try:
        data = _resume_serializer().loads(token, max_age=days * 86400)
    except SignatureExpired:
        raise InvitationError(_l("This resume link has expired.")) from None
    except BadSignature:
        raise InvitationError(_l("This resume link is not valid.")) from None
    response_id = data.get("r") if isinstance(data, dict) else None
    if not isinstance(response_id, int) or not 0 < response_id < 2**31:
        raise InvitationError(_l("This resume link is not valid."))
    response = db.session.get(Response, response_id)
    invitation = _invitation_of(response) if response is not None else None
    if invitation is None:
        raise InvitationError(_l("This resume link is not valid."))
    if invitation.expires_at < utcnow():
        raise InvitationError(_l("This resume link has expired."))
    if not response.round.is_open:
        raise InvitationError(_l("This assessment round is closed."))
    if response.status != ResponseStatus.DRAFT:
        raise InvitationError(_l("These answers have been submitted; the link no longer opens them."))
    return response
