from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.extensions import db
from surveyapp.models.base import utcnow
from surveyapp.models.organisation import Organisation
from surveyapp.models.round import AssessmentRound


class Invitation(db.Model):
    """A signed, expiring, single-use link for a staff member without an account.

    Only a hash of the link's secret is stored. Links made since revision b7e2c4a91f30 carry a
    ``link_nonce``: their secret is an HMAC of the id and nonce under the app's secret key, so the
    server can show the link again (list, CSV, QR sheet) while the database alone cannot.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    part: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200), default="")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    link_nonce: Mapped[str | None] = mapped_column(String(32))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[AssessmentRound] = relationship()
    organisation: Mapped[Organisation] = relationship()
