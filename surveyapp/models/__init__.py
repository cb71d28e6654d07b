"""SQLAlchemy models, one module per aggregate. Imported here so Alembic sees every table."""

from surveyapp.models.api_token import ApiToken
from surveyapp.models.audit import AuditEvent
from surveyapp.models.inspection import (
    AvailabilityProbe,
    InspectionFinding,
    InspectionRun,
    InspectionSnapshot,
    InspectionTarget,
    TargetKind,
)
from surveyapp.models.invitation import Invitation
from surveyapp.models.organisation import Organisation, OrgKind
from surveyapp.models.participation import Participation
from surveyapp.models.questionnaire import QuestionnaireVersion
from surveyapp.models.rectification import RectificationEvent, RectificationItem
from surveyapp.models.reminder import ReminderSend
from surveyapp.models.report_job import JobStatus, ReportJob
from surveyapp.models.response import (
    Answer,
    DimensionScore,
    ItemAggregate,
    ReliabilityAggregate,
    Response,
    ResponseStatus,
    ScoreAggregate,
)
from surveyapp.models.round import AssessmentRound, RoundStatus
from surveyapp.models.session import LoginThrottle, UserSession
from surveyapp.models.user import User

__all__ = [
    "ApiToken",
    "Answer",
    "AssessmentRound",
    "AuditEvent",
    "AvailabilityProbe",
    "DimensionScore",
    "InspectionFinding",
    "InspectionRun",
    "InspectionSnapshot",
    "InspectionTarget",
    "ItemAggregate",
    "Invitation",
    "JobStatus",
    "LoginThrottle",
    "OrgKind",
    "Organisation",
    "Participation",
    "QuestionnaireVersion",
    "RectificationEvent",
    "RectificationItem",
    "ReliabilityAggregate",
    "ReminderSend",
    "ReportJob",
    "Response",
    "ResponseStatus",
    "RoundStatus",
    "ScoreAggregate",
    "TargetKind",
    "User",
    "UserSession",
]
