from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.extensions import db
from surveyapp.models.base import utcnow
from surveyapp.models.organisation import Organisation
from surveyapp.models.round import AssessmentRound


class ResponseStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Response(db.Model):
    """One filling-in of one part of a questionnaire, by a staff member or a coordinator."""

    __tablename__ = "responses"
    # One response per owner and part in a round. ``owner_key`` is "department" for the
    # department checklist, "user:<id>" for a staff member, or a keyed hash in anonymous rounds.
    __table_args__ = (UniqueConstraint("round_id", "organisation_id", "part", "owner_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    part: Mapped[str] = mapped_column(String(40))
    owner_key: Mapped[str] = mapped_column(String(80))
    questionnaire_key: Mapped[str] = mapped_column(String(100))
    questionnaire_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=ResponseStatus.DRAFT)
    current_page: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]

    round: Mapped[AssessmentRound] = relationship()
    organisation: Mapped[Organisation] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Answer.id"
    )


class Answer(db.Model):
    """One answer, stored by question key together with the questionnaire key and version."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(100))
    questionnaire_key: Mapped[str] = mapped_column(String(100))
    questionnaire_version: Mapped[int]
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    is_na: Mapped[bool] = mapped_column(default=False)

    response: Mapped[Response] = relationship(back_populates="answers")
