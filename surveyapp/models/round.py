from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.domain.questionnaire import Questionnaire
from surveyapp.extensions import db
from surveyapp.models.base import utcnow
from surveyapp.models.organisation import Organisation
from surveyapp.models.questionnaire import QuestionnaireVersion

round_departments = Table(
    "round_departments",
    db.metadata,
    Column("round_id", ForeignKey("assessment_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
)


class RoundStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class AssessmentRound(db.Model):
    """One assessment campaign of an agency, tied to one questionnaire key and version."""

    __tablename__ = "assessment_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    questionnaire_key: Mapped[str] = mapped_column(String(100))
    questionnaire_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=RoundStatus.OPEN)
    anonymous: Mapped[bool] = mapped_column(default=False)
    deadline: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped in the transaction of every change to the round's scores (submit, reopen, rebuild):
    # caches of round-wide figures are keyed on it, so every process sees a change at once.
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # False for rounds with submissions from before the reliability sums existed: their reliability
    # is read from the stored item scores until ``flask scores rebuild`` fills the sums.
    reliability_sums: Mapped[bool] = mapped_column(default=True, server_default=sa_true())

    organisation: Mapped[Organisation] = relationship()
    departments: Mapped[list[Organisation]] = relationship(secondary=round_departments, order_by="Organisation.code")

    @property
    def questionnaire(self) -> Questionnaire:
        """The questionnaire version this round asks (KeyError when it is not loaded)."""
        return QuestionnaireVersion.lookup(self.questionnaire_key, self.questionnaire_version)

    @property
    def deadline_passed(self) -> bool:
        """True once the deadline (naive UTC) is reached, whether or not the round was closed yet."""
        return self.deadline is not None and self.deadline <= utcnow()

    @property
    def is_open(self) -> bool:
        """Accepting answers: open, and its deadline (if any) not reached, even before anyone closed it."""
        return self.status == RoundStatus.OPEN and not self.deadline_passed
