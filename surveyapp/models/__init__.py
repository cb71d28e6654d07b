"""SQLAlchemy models, one module per aggregate. Imported here so Alembic sees every table."""

from surveyapp.models.audit import AuditEvent
from surveyapp.models.organisation import Organisation, OrgKind
from surveyapp.models.questionnaire import QuestionnaireVersion
from surveyapp.models.response import Answer, DimensionScore, Response, ResponseStatus, ScoreAggregate
from surveyapp.models.round import AssessmentRound, RoundStatus
from surveyapp.models.user import User

__all__ = [
    "Answer",
    "AssessmentRound",
    "AuditEvent",
    "DimensionScore",
    "OrgKind",
    "Organisation",
    "QuestionnaireVersion",
    "Response",
    "ResponseStatus",
    "RoundStatus",
    "ScoreAggregate",
    "User",
]
