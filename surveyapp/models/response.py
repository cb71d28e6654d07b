from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.domain.questionnaire import Part, Questionnaire
from surveyapp.extensions import db
from surveyapp.models.base import utcnow
from surveyapp.models.organisation import Organisation
from surveyapp.models.questionnaire import QuestionnaireVersion
from surveyapp.models.round import AssessmentRound


class ResponseStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Response(db.Model):
    """One filling-in of one part of a questionnaire, by a staff member or a coordinator."""

    __tablename__ = "responses"
    # One response per owner and part in a round. ``owner_key`` is "department" for the
    # department checklist, "user:<id>" for a staff member, or a keyed hash in anonymous rounds.
    __table_args__ = (
        UniqueConstraint("round_id", "organisation_id", "part", "owner_key"),
        # Comparisons look up only the responses of a round that hit a red line.
        Index("ix_responses_round_id_red_line_count", "round_id", "red_line_count"),
    )

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
    # Snapshot of the respondent's level and post, for training analysis by group.
    staff_level: Mapped[str | None] = mapped_column(String(40))
    staff_post: Mapped[str | None] = mapped_column(String(40))
    # Stored on submit (see services.scores) so dashboards aggregate in SQL.
    overall_score: Mapped[float | None]
    grade: Mapped[str | None] = mapped_column(String(40))
    red_line_count: Mapped[int] = mapped_column(default=0)

    round: Mapped[AssessmentRound] = relationship()
    organisation: Mapped[Organisation] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Answer.id"
    )
    dimension_scores: Mapped[list[DimensionScore]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="DimensionScore.dimension"
    )

    @property
    def questionnaire(self) -> Questionnaire:
        """The questionnaire version this response answered (KeyError when it is not loaded).

        Remembered on the instance (an instance lives in one database session, as ``lookup``'s own
        memo does): a questionnaire page asks for it about ten times."""
        wanted = (self.questionnaire_key, self.questionnaire_version)
        memo = self.__dict__.get("_questionnaire_memo")
        if memo is None or memo[0] != wanted:
            memo = (wanted, QuestionnaireVersion.lookup(*wanted))
            self.__dict__["_questionnaire_memo"] = memo
        return memo[1]

    @property
    def part_definition(self) -> Part:
        """The part of the questionnaire this response fills in."""
        return self.questionnaire.part(self.part)


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
    score: Mapped[float | None]  # 0–100, stored on submit; None when not scored

    response: Mapped[Response] = relationship(back_populates="answers")


class DimensionScore(db.Model):
    """A submitted response's score on one dimension (None: insufficient data)."""

    __tablename__ = "dimension_scores"
    __table_args__ = (UniqueConstraint("response_id", "dimension"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(40))
    score: Mapped[float | None]
    applicable_weight: Mapped[float]
    answered_weight: Mapped[float]

    response: Mapped[Response] = relationship(back_populates="dimension_scores")


class ScoreAggregate(db.Model):
    """Running totals of submitted dimension scores per round, department, part, dimension and
    staff group (level, post), updated in the same transaction as a submit or a reopening, so a
    comparison costs O(departments) whatever the number of responses."""

    __tablename__ = "score_aggregates"
    __table_args__ = (
        UniqueConstraint("round_id", "organisation_id", "part", "dimension", "staff_level", "staff_post"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    part: Mapped[str] = mapped_column(String(40))
    dimension: Mapped[str] = mapped_column(String(40))
    staff_level: Mapped[str] = mapped_column(String(40), default="")
    staff_post: Mapped[str] = mapped_column(String(40), default="")
    n: Mapped[int] = mapped_column(default=0)
    total: Mapped[float] = mapped_column(default=0.0)
    total_squares: Mapped[float] = mapped_column(default=0.0)


class ItemAggregate(db.Model):
    """Running totals of submitted item scores per round, department, part and item (n, Σx), updated
    with the score aggregates in the transaction of a submit or a reopening, so a department's item
    means (its scorecard's item tables, its weak questions across the trend) cost O(items), not
    O(respondents). An item's answers without a score (not applicable, unscored) do not count."""

    __tablename__ = "item_aggregates"
    __table_args__ = (UniqueConstraint("round_id", "organisation_id", "part", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    part: Mapped[str] = mapped_column(String(40))
    item: Mapped[str] = mapped_column(String(100))
    n: Mapped[int] = mapped_column(default=0)
    total: Mapped[float] = mapped_column(default=0.0)


class ReliabilityAggregate(db.Model):
    """Running sums for the instrument's reliability per round, part and dimension, over the
    respondents who scored every five-point item of the dimension (listwise): on the row with
    ``item`` "" n, ΣT and ΣT² of their dimension totals T; on each item's row n, Σx, Σx² and Σx·T.
    Cronbach's alpha and the corrected item–total correlations follow from these (see
    ``domain.stats.reliability_from_sums``), so a round's reliability costs O(items), not O(responses).
    Updated with the score aggregates in the transaction of a submit or a reopening."""

    __tablename__ = "reliability_aggregates"
    __table_args__ = (UniqueConstraint("round_id", "part", "dimension", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"), index=True)
    part: Mapped[str] = mapped_column(String(40))
    dimension: Mapped[str] = mapped_column(String(40))
    item: Mapped[str] = mapped_column(String(100), default="")
    n: Mapped[int] = mapped_column(default=0)
    total: Mapped[float] = mapped_column(default=0.0)
    total_squares: Mapped[float] = mapped_column(default=0.0)
    total_cross: Mapped[float] = mapped_column(default=0.0)
