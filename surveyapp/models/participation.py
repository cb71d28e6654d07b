from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.extensions import db


class Participation(db.Model):
    """Who takes part in a round: account × round × part and a status ("draft" or "submitted").

    Kept apart from the response on purpose (see ``surveyapp.permissions.CONFIDENTIALITY_RULE``):
    no response id, no timestamps and no surrogate id, so in an anonymous round nothing joins a
    participation with the response it produced once that response is submitted.
    """

    __tablename__ = "participations"

    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    part: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
