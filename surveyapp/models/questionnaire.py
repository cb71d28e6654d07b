from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from surveyapp.definitions.loader import parse_definition
from surveyapp.domain.questionnaire import Questionnaire
from surveyapp.extensions import db
from surveyapp.models.base import utcnow


class QuestionnaireVersion(db.Model):
    """A loaded questionnaire definition. Immutable once stored: a change is a new version."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def questionnaire(self) -> Questionnaire:
        """The parsed definition (cached by key, version and SHA-256: a stored version never changes)."""
        cache_key = (self.key, self.version, self.sha256)
        if cache_key not in _parsed:
            _parsed[cache_key] = parse_definition(self.definition, f"database:{self.key}@{self.version}")
        return _parsed[cache_key]

    @classmethod
    def lookup(cls, key: str, version: int) -> Questionnaire:
        """The stored questionnaire ``key`` at ``version``; KeyError when it is not loaded.

        The one lookup of a questionnaire by key and version: rounds and responses reach it through
        their ``questionnaire`` property.
        """
        row = db.session.scalar(select(cls).where(cls.key == key, cls.version == version))
        if row is None:
            raise KeyError(f"questionnaire {key} version {version} is not loaded")
        return row.questionnaire


# Parsed questionnaires by (key, version, sha256): definitions are immutable, so this never goes stale.
_parsed: dict[tuple[str, int, str], Questionnaire] = {}
