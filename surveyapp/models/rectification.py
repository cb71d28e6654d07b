from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.extensions import db
from surveyapp.models.base import utcnow
from surveyapp.models.organisation import Organisation
from surveyapp.models.round import AssessmentRound
from surveyapp.models.user import User


class RectificationItem(db.Model):
    """One thing a department must fix by a due date (整改事项), opened from a finding or by hand.

    About a department, never about a person's answers: the source reference is an item key, a
    dimension key or an inspector check, and the department result it came from is an aggregate.
    Rules (statuses, transitions, due dates) in ``domain/rectification.py``.
    """

    __tablename__ = "rectification_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    source: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]

    round: Mapped[AssessmentRound] = relationship()
    organisation: Mapped[Organisation] = relationship()
    owner: Mapped[User | None] = relationship()
    events: Mapped[list[RectificationEvent]] = relationship(
        back_populates="item", order_by="RectificationEvent.id", cascade="all, delete-orphan"
    )


class RectificationEvent(db.Model):
    """One transition of a rectification item: who, when, from which status to which, comment, evidence."""

    __tablename__ = "rectification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_items.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(1000), default="")
    # An observation snapshot (inspector) or another stored proof, by reference.
    evidence_ref: Mapped[str] = mapped_column(String(500), default="")

    item: Mapped[RectificationItem] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def snapshot_id(self) -> int | None:
        """The inspector snapshot this event's evidence reference names, if any."""
        from surveyapp.domain.rectification import snapshot_id_of

        return snapshot_id_of(self.evidence_ref)
