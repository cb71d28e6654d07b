"""Invitation links for staff without an account: signed, expiring, single-use.

The link carries the invitation id and a random secret, signed with the app's secret key; the
database keeps only a hash of the secret. The first use creates the response and binds it to the
browser session that opened the link; opening the link again in that browser resumes the draft, in
any other it is refused. A private resume link (``resume_token``) continues the draft on another device.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select, update

from surveyapp.extensions import db
from surveyapp.localtime import format_date, format_datetime, local_now
from surveyapp.models import AssessmentRound, Invitation, Organisation, Response, ResponseStatus
from surveyapp.models.base import utcnow
from surveyapp.services.audit import record_event
from surveyapp.services.participation import anonymous_event

SALT = "surveyapp.invitation"


class InvitationError(ValueError):
    pass


def _serializer() -> URLSafeTimedSerializer:
    """Links issued before revision b7e2c4a91f30 (timestamped; read only)."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _link_serializer() -> URLSafeSerializer:
    """Derivable links: no timestamp, so the same invitation always has the same link."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT + ".2")


def _load_token(token: str):
    try:
        return _link_serializer().loads(token)
    except BadSignature:
        return _serializer().loads(token)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _derived_secret(invitation_id: int, nonce: str) -> str:
    """The link secret of a derivable invitation: HMAC-SHA256(secret key, id and nonce), URL-safe."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"invitation:{invitation_id}:{nonce}".encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest).decode().rstrip("=")


def default_expiry(round_: AssessmentRound) -> datetime:
    """When a new link expires: the round's deadline, else ``INVITATION_DAYS`` from now (UTC, naive)."""
    if round_.deadline is not None:
        return round_.deadline
    return utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"])


def create_invitations(
    round_: AssessmentRound, department: Organisation, count: int, actor, label: str = "",
    expires_at: datetime | None = None,
) -> list[str]:  # fmt: skip
    """Create ``count`` invitation tokens for the staff part; returns the tokens.

    The links expire at ``expires_at`` (default: :func:`default_expiry`). Raises InvitationError
    when the round is closed, the department is not in it or the expiry is already past.
    """
    if not round_.is_open:
        raise InvitationError(_l("This assessment round is closed."))
    if department not in round_.departments:
        raise InvitationError(_l("This department is not part of the round."))
    questionnaire = round_.questionnaire
    part = questionnaire.staff_part.key
    expires_at = expires_at or default_expiry(round_)
    if expires_at <= utcnow():
        raise InvitationError(_l("The expiry date must be in the future."))
    tokens = []
    for _ in range(count):
        invitation = Invitation(
            round_id=round_.id, organisation_id=department.id, part=part, label=label[:200],
            secret_hash=secrets.token_hex(32), expires_at=expires_at, link_nonce=secrets.token_hex(16),
            created_by_id=getattr(actor, "id", None),
        )  # fmt: skip
        db.session.add(invitation)
        db.session.flush()
        secret = _derived_secret(invitation.id, invitation.link_nonce)
        invitation.secret_hash = _hash(secret)
        tokens.append(_link_serializer().dumps({"i": invitation.id, "s": secret}))
    record_event("invitation.create", actor=actor, obj=round_, department=department.code, count=count)
    db.session.commit()
    return tokens


def _verified(token: str) -> Invitation:
    """The invitation a link names, when the signature, age and secret hold (InvitationError otherwise)."""
    try:
        data = _load_token(token)
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
    if invitation.revoked_at is not None:
        raise InvitationError(_l("This invitation has been revoked."))
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
    """Use an invitation once: create its response. Refuses tampered, revoked, expired and used links.

    The expiry is the invitation's own ``expires_at`` (the round's deadline by default)."""
    invitation = _verified(token)
    if invitation.used_at is not None:
        if invitation.round.anonymous:  # a link's label may name someone: its use is not told apart
            anonymous_event("invitation.replay", invitation.round)
        else:
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
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
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
    # In an anonymous round a link's label may name someone: no record says which link was used, or
    # when (CONFIDENTIALITY_RULE 5: who has or has not taken part is not shown in anonymous rounds).
    if round_.anonymous:
        anonymous_event("invitation.use", round_)
    else:
        record_event("invitation.use", obj=invitation, response=response.id)
    db.session.commit()
    return response


# -- issued links: list, state, revoke, links again ---------------------------------------------

STATES = ("unused", "started", "submitted", "expired", "revoked", "issued")


@dataclass(frozen=True)
class IssuedLink:
    """One row of the list of issued links. Carries no response id: in an anonymous round the list
    must not lead from a person (the label) to answers."""

    id: int
    department: Organisation
    label: str
    state: str  # one of STATES
    expires_at: datetime
    created_at: datetime
    token: str | None  # None for links issued before links could be shown again


def invitation_state(invitation: Invitation, now: datetime | None = None) -> str:
    """``revoked`` | ``submitted`` | ``started`` | ``expired`` | ``unused`` (first that applies).

    In an anonymous round only ``revoked`` | ``expired`` | ``issued``: a link's label may name
    someone, so whether it was used is never shown (CONFIDENTIALITY_RULE 5)."""
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.round.anonymous:
        return "expired" if invitation.expires_at < now or not invitation.round.is_open else "issued"
    if invitation.response_id is not None:
        response = db.session.get(Response, invitation.response_id)
        if response is not None and response.status == ResponseStatus.SUBMITTED:
            return "submitted"
        return "started"
    if invitation.expires_at < now or not invitation.round.is_open:
        return "expired"
    return "unused"


def link_token(invitation: Invitation) -> str | None:
    """The signed token of a derivable invitation (None for a legacy one)."""
    if not invitation.link_nonce:
        return None
    secret = _derived_secret(invitation.id, invitation.link_nonce)
    return _link_serializer().dumps({"i": invitation.id, "s": secret})


def invitation_url(token: str) -> str:
    """The absolute URL of a link: ``BASE_URL`` (``SURVEYAPP_BASE_URL``) when set, else the request's
    host. Raises InvitationError outside a request when no base URL is configured."""
    base = current_app.config.get("BASE_URL")
    if base:
        with current_app.test_request_context(base_url=str(base)):
            return url_for("respond.invitation", token=token, _external=True)
    if not has_request_context():
        raise InvitationError(_l("Set SURVEYAPP_BASE_URL to the public address of the application."))
    return url_for("respond.invitation", token=token, _external=True)


def issued_links(round_: AssessmentRound, department: Organisation | None = None) -> list[IssuedLink]:
    """The round's invitations, newest first, with their state (optionally one department's)."""
    query = select(Invitation).where(Invitation.round_id == round_.id)
    if department is not None:
        query = query.where(Invitation.organisation_id == department.id)
    now = utcnow()
    return [
        IssuedLink(i.id, i.organisation, i.label, invitation_state(i, now), i.expires_at, i.created_at, link_token(i))
        for i in db.session.scalars(query.order_by(Invitation.id.desc()))
    ]


def invitation_of_round(round_: AssessmentRound, invitation_id: int) -> Invitation | None:
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.round_id == round_.id else None


def revoke_invitation(invitation: Invitation, actor) -> bool:
    """Revoke an unused link (audited). Returns False when it was used or revoked already."""
    # In an anonymous round any link not yet revoked can be revoked, used or not, so the answer does
    # not tell whether it was used (its draft, if any, can then no longer be resumed through it).
    unused = [] if invitation.round.anonymous else [Invitation.used_at.is_(None)]
    revoked = db.session.execute(  # one statement, so a link being redeemed right now is not also revoked
        update(Invitation)
        .where(Invitation.id == invitation.id, *unused, Invitation.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if revoked.rowcount != 1:
        db.session.rollback()
        return False
    db.session.refresh(invitation)
    record_event("invitation.revoke", actor=actor, obj=invitation)
    db.session.commit()
    return True


def usable_links(round_: AssessmentRound, department: Organisation | None = None) -> list[tuple[IssuedLink, str]]:
    """The unused links that can be shown again, with their absolute URLs."""
    return [(link, invitation_url(link.token)) for link in issued_links(round_, department)
            if link.state in ("unused", "issued") and link.token]  # fmt: skip


def links_csv_rows(round_: AssessmentRound, lang: str, state_names: dict, actor=None) -> list[list[str]]:
    """Rows for the CSV of issued links (header first), values as stored: the CSV writer
    (``spreadsheet.csv_text`` / ``csv_chunks``) makes each cell spreadsheet-safe (OWASP), once.
    The download is audited: the unused links in it work as credentials."""
    rows = [["department_code", "department", "label", "state", "expires", "link"]]
    for link in issued_links(round_):
        url = invitation_url(link.token) if link.token and link.state in ("unused", "issued") else ""
        rows.append([link.department.code, link.department.name(lang), link.label, str(state_names[link.state]),
                     format_datetime(link.expires_at), url])  # fmt: skip
    record_event("invitation.export", actor=actor, obj=round_, rows=len(rows) - 1)
    db.session.commit()
    return rows


def qr_sheet_pdf(round_: AssessmentRound, lang: str, actor=None, department: Organisation | None = None) -> bytes:
    """A4 PDF of QR codes for the round's unused links (audited). Raises InvitationError when there
    are none, or when no absolute URL can be formed (see :func:`invitation_url`)."""
    from surveyapp.reporting.qrsheet import QRCard, render_qr_sheet
    from surveyapp.reporting.report import gettext_for

    links = usable_links(round_, department)
    if not links:
        raise InvitationError(_l("There are no unused links to print."))
    cards = [QRCard(link.department.name(lang), round_.name, link.label, format_date(link.expires_at), url)
             for link, url in links]  # fmt: skip
    pdf = render_qr_sheet(cards, f"{round_.name} · {gettext_for(lang)('Invitation links')}", lang, local_now(),
                          strict_fonts=current_app.config.get("STRICT_FONTS", False))  # fmt: skip
    record_event("invitation.qr_sheet", actor=actor, obj=round_, count=len(cards))
    db.session.commit()
    return pdf


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
    if invitation.revoked_at is not None:
        raise InvitationError(_l("This invitation has been revoked."))
    if invitation.expires_at < utcnow():
        raise InvitationError(_l("This resume link has expired."))
    if not response.round.is_open:
        raise InvitationError(_l("This assessment round is closed."))
    if response.status != ResponseStatus.DRAFT:
        raise InvitationError(_l("These answers have been submitted; the link no longer opens them."))
    return response
