from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.extensions import db
from surveyapp.models.base import utcnow


class ReminderSend(db.Model):
    """One reminder sent to one account about one round: counts the per-person limit and spacing.

    It names the account and the round only, never a response, so it links no one to answers.
    """

    __tablename__ = "reminder_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set for a reminder about an overdue rectification item (owner of the item); such sends do not
    # count towards the round's questionnaire reminders.
    rectification_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("rectification_items.id", ondelete="CASCADE"), index=True
    )
