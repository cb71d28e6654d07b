"""Questionnaire versions in the database: register, look up, and list them.

A stored version never changes: loading a different definition under a key and version that
exist already is refused, so past answers always score against what they answered.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from surveyapp.definitions.crosswalk import check_crosswalk, read_crosswalk
from surveyapp.definitions.loader import (
    QuestionnaireError,
    definition_sha256,
    load_file,
    to_definition,
)
from surveyapp.domain.crosswalk import Crosswalk
from surveyapp.domain.questionnaire import Questionnaire
from surveyapp.extensions import db
from surveyapp.models import QuestionnaireVersion
from surveyapp.services.audit import record_event
from surveyapp.services.idempotency import create_or_get

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "questionnaires"


class VersionConflict(ValueError):
    """The key and version exist with other content."""


def register_questionnaire(
    questionnaire: Questionnaire, source_name: str, actor=None
) -> tuple[QuestionnaireVersion, bool]:
    """Store a validated questionnaire; returns the row and whether it was new.

    Loading the same content again is a no-op. Different content under an existing key and
    version raises ``VersionConflict``: give the changed questionnaire a new version.
    """
    data = to_definition(questionnaire)
    digest = definition_sha256(data)
    identity = select(QuestionnaireVersion).where(
        QuestionnaireVersion.key == questionnaire.key,
        QuestionnaireVersion.version == questionnaire.version,
    )

    def create() -> QuestionnaireVersion:
        row = QuestionnaireVersion(
            key=questionnaire.key,
            version=questionnaire.version,
            definition=data,
            source_name=source_name,
            sha256=digest,
        )
        db.session.add(row)
        db.session.flush()
        record_event("questionnaire.load", actor=actor, obj=row, key=row.key, version=row.version, source=source_name)
        return row

    # Two processes loading the same file at once (e.g. app workers starting together) store it once.
    row, created = create_or_get(lambda: db.session.scalar(identity), create)
    if not created and row.sha256 != digest:
        raise VersionConflict(
            f"{source_name}: questionnaire {questionnaire.key} version {questionnaire.version} is "
            "already loaded with different content; give the changed questionnaire a new version number"
        )
    return row, created


def load_builtin_questionnaires() -> list[tuple[QuestionnaireVersion, bool]]:
    """Register every definition shipped in ``surveyapp/questionnaires/``."""
    results = []
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        results.append(register_questionnaire(load_file(path), path.name))
    return results


CROSSWALK_DIR = BUILTIN_DIR / "crosswalks"


def version_crosswalk(key: str, from_version: int, to_version: int) -> Crosswalk:
    """The shipped crosswalk ``crosswalks/<key>-<from>-<to>.yaml``, checked against both stored versions, its
    rows in natural key order (``Crosswalk.in_key_order``: d3_c09 before d3_c10).

    Raises KeyError when there is no such crosswalk or a version is not loaded, ``CrosswalkError`` when the file
    does not match the two versions.
    """
    path = CROSSWALK_DIR / f"{key}-{from_version}-{to_version}.yaml"
    if not path.is_file():
        raise KeyError(f"no crosswalk from {key} version {from_version} to {to_version}")
    crosswalk = read_crosswalk(path)
    check_crosswalk(crosswalk, get_questionnaire(key, from_version), get_questionnaire(key, to_version))
    return crosswalk.in_key_order()


def get_questionnaire(key: str, version: int) -> Questionnaire:
    """The stored questionnaire ``key`` at ``version``; KeyError when it is not loaded.

    For a round or a response use ``round_.questionnaire`` / ``response.questionnaire``.
    """
    return QuestionnaireVersion.lookup(key, version)


def questionnaire_from_row(row: QuestionnaireVersion) -> Questionnaire:
    return row.questionnaire


def list_questionnaires() -> list[QuestionnaireVersion]:
    return list(
        db.session.scalars(
            select(QuestionnaireVersion).order_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
        )
    )


def newest_questionnaire_choice(preferred_key: str = "transparency") -> str | None:
    """``"key:version"`` of the newest version of ``preferred_key`` (else of the first key loaded): the
    default of the "Open a round" form, since new rounds use the newest version. None when none is loaded."""
    rows = list_questionnaires()
    if not rows:
        return None
    key = preferred_key if any(r.key == preferred_key for r in rows) else rows[0].key
    newest = max((r for r in rows if r.key == key), key=lambda r: r.version)
    return f"{newest.key}:{newest.version}"


def latest_version(key: str) -> QuestionnaireVersion | None:
    return db.session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.key == key)
        .order_by(QuestionnaireVersion.version.desc())
    )


__all__ = [
    "QuestionnaireError",
    "VersionConflict",
    "get_questionnaire",
    "latest_version",
    "version_crosswalk",
    "list_questionnaires",
    "load_builtin_questionnaires",
    "register_questionnaire",
]
