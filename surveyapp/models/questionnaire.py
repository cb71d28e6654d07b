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
        their ``questionnaire`` property. Only the definition's digest is read (one small query, or none
        when the statement that read the response brought it: ``remember_digest``); the
        definition itself (tens of KB of JSON) is read and parsed once per process, key, version and
        digest (``_parsed``), and within one database session (one request) the answer is remembered,
        so asking again reads nothing.
        """
        memo = db.session.info.setdefault("questionnaires", {})
        if (key, version) in memo:
            return memo[key, version]
        digest = db.session.info.get("questionnaire_digests", {}).get((key, version))
        if digest is None:
            digest = db.session.scalar(select(cls.sha256).where(cls.key == key, cls.version == version))
        if digest is None:
            raise KeyError(f"questionnaire {key} version {version} is not loaded")
        questionnaire = _parsed.get((key, version, digest))
        if questionnaire is None:
            stored = db.session.scalar(select(cls).where(cls.key == key, cls.version == version))
            questionnaire = stored.questionnaire
        memo[key, version] = questionnaire
        return questionnaire

    @classmethod
    def remember_digest(cls, key: str, version: int, digest: str | None) -> None:
        """Note the digest of ``key`` at ``version`` read by another statement of this database
        session (one request), so ``lookup`` need not read it again. None (no such version) is
        not remembered: ``lookup`` then reads and raises as usual."""
        if digest is not None:
            db.session.info.setdefault("questionnaire_digests", {})[key, version] = digest


# The one cache of parsed questionnaires, by (key, version, sha256), for ``questionnaire`` and ``lookup``:
# definitions are immutable, so it never goes stale.
_parsed: dict[tuple[str, int, str], Questionnaire] = {}
