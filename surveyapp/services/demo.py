"""Synthetic data for demos, tests and benchmarks: ``flask demo seed``.

Deterministic for a given seed. Each department gets its own profile (how strong it is on each
dimension), staff get levels and posts, some items are answered "not applicable", and some
departments hit red lines. Rows are written in bulk, but every score comes from the same domain
functions as a real submission, and the running aggregates are rebuilt from the stored scores by
``services.scores.rebuild_aggregates``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import insert, select

from surveyapp.domain.kinds import kind_of
from surveyapp.domain.questionnaire import NA, Item, Questionnaire, visible_items
from surveyapp.domain.scoring import red_line_hits, score_response
from surveyapp.extensions import db
from surveyapp.models import (
    Answer,
    AssessmentRound,
    DimensionScore,
    Organisation,
    Participation,
    Response,
    ResponseStatus,
    RoundStatus,
    User,
)
from surveyapp.models.base import utcnow
from surveyapp.models.round import round_departments
from surveyapp.permissions import Role
from surveyapp.services.questionnaires import get_questionnaire, latest_version, load_builtin_questionnaires
from surveyapp.services.scores import rebuild_aggregates

# Not an argon2 hash, so no password ever verifies against it: demo accounts cannot sign in.
UNUSABLE_PASSWORD = "!demo-account-cannot-sign-in"  # noqa: S105
BATCH = 2000


@dataclass(frozen=True)
class SeedResult:
    round_id: int
    agency_code: str
    departments: int
    responses: int


def _answer(item: Item, strength: float, rng: random.Random):
    """A plausible answer from a respondent whose department scores ``strength`` (0–1) here."""
    if item.allow_na and rng.random() < 0.06:
        return NA
    if not item.required and rng.random() < 0.3:
        return None
    return kind_of(item).demo_value(item, strength, rng)


def _answers(part, profile: dict[str, float], rng: random.Random, red_lines: bool = True) -> dict:
    """Answers to ``part``; with ``red_lines`` False, an answer that would cross a red line is drawn again
    (up to five times), so that only some departments hit red lines however many the instrument has."""
    answers = {}
    for item in part.items:
        value = _answer(item, profile[item.dimension], rng)
        for _ in range(5 if item.red_line and not red_lines else 0):
            if not red_line_hits([item], {item.key: value}):
                break
            value = _answer(item, profile[item.dimension], rng)
        if value is not None:
            answers[item.key] = value
    shown = {item.key for item in visible_items(part.items, answers)}
    return {key: value for key, value in answers.items() if key in shown}


def seed_demo(
    departments: int,
    respondents: int,
    seed: int,
    questionnaire_key: str = "transparency",
    questionnaire_version: int | None = None,
) -> SeedResult:
    """Create an agency with departments, staff, a round and submitted responses, on
    ``questionnaire_version`` (default: the newest version of ``questionnaire_key``)."""
    rng = random.Random(seed)
    if latest_version(questionnaire_key) is None:
        load_builtin_questionnaires()
    version = questionnaire_version or latest_version(questionnaire_key).version
    questionnaire = get_questionnaire(questionnaire_key, version)
    staff_part = questionnaire.staff_part
    checklist_part = questionnaire.checklist_part
    levels = list(questionnaire.staff_levels) or ["clerk"]
    posts = list(questionnaire.staff_posts) or ["other"]

    existing = db.session.scalar(select(db.func.count(Organisation.id)).where(Organisation.code.like(f"DEMO{seed}-%")))
    prefix = f"DEMO{seed}-{existing}"
    agency = Organisation(
        code=f"{prefix}-AG",
        kind="agency",
        name_zh_hans=f"示范市政府 {seed}",
        name_zh_hant=f"示範市政府 {seed}",
        name_en=f"Demo city government {seed}",
    )
    db.session.add(agency)
    db.session.flush()
    org_rows = [
        {"code": f"{prefix}-D{i:04d}", "kind": "department", "parent_id": agency.id,
         "name_zh_hans": f"示范部门 {i:04d}", "name_zh_hant": f"示範部門 {i:04d}",
         "name_en": f"Demo department {i:04d}", "created_at": utcnow()}
        for i in range(1, departments + 1)
    ]  # fmt: skip
    org_ids = _insert_returning(Organisation, org_rows)
    round_ = AssessmentRound(
        name=f"Demo round {seed}",
        organisation_id=agency.id,
        questionnaire_key=questionnaire.key,
        questionnaire_version=questionnaire.version,
        status=RoundStatus.OPEN,
    )
    db.session.add(round_)
    db.session.flush()
    db.session.execute(insert(round_departments), [{"round_id": round_.id, "organisation_id": o} for o in org_ids])

    total = 0
    for start in range(0, len(org_ids), max(1, BATCH // max(1, respondents))):
        chunk = org_ids[start : start + max(1, BATCH // max(1, respondents))]
        total += _seed_departments(questionnaire, round_, chunk, respondents, staff_part, checklist_part,
                                   levels, posts, prefix, rng)  # fmt: skip
    # The running totals and reliability sums come from the stored scores, by the same code as
    # ``flask scores rebuild``.
    rebuild_aggregates(round_.id)
    db.session.commit()
    return SeedResult(round_.id, agency.code, departments, total)


def _seed_departments(questionnaire: Questionnaire, round_, org_ids, respondents, staff_part, checklist_part,
                      levels, posts, prefix, rng) -> int:  # fmt: skip
    now = utcnow()
    user_rows, response_rows, cards, answer_sets = [], [], [], []
    for org_id in org_ids:
        # Each department: a general strength, plus its own strong and weak dimensions.
        base = rng.uniform(0.25, 0.85)
        profile = {d.key: min(0.98, max(0.02, base + rng.gauss(0, 0.15))) for d in questionnaire.dimensions}
        # About one department in three may cross red lines (weaker ones more often).
        red_lines = rng.random() < 0.6 - 0.5 * base
        for n in range(respondents):
            level, post = rng.choice(levels), rng.choice(posts)
            user_rows.append({"email": f"staff{n:03d}.{org_id}@{prefix.lower()}.demo", "display_name": "",
                              "password_hash": UNUSABLE_PASSWORD, "role": Role.STAFF.value,
                              "organisation_id": org_id, "level": level, "post": post, "active": False,
                              "must_change_password": False, "session_version": 1,
                              "created_at": now})  # fmt: skip
            answers = _answers(staff_part, profile, rng, red_lines)
            response_rows.append((org_id, staff_part.key, "user:", level, post))
            answer_sets.append(answers)
            cards.append(score_response(questionnaire, staff_part.key, answers))
        if checklist_part is not None:
            answers = _answers(checklist_part, profile, rng, red_lines)
            response_rows.append((org_id, checklist_part.key, "department", None, None))
            answer_sets.append(answers)
            cards.append(score_response(questionnaire, checklist_part.key, answers))

    user_ids = iter(_insert_returning(User, user_rows))
    rows = []
    for (org_id, part, owner, level, post), card in zip(response_rows, cards, strict=True):
        user_id = next(user_ids) if owner == "user:" else None
        rows.append({
            "round_id": round_.id, "organisation_id": org_id, "user_id": user_id, "part": part,
            "owner_key": f"user:{user_id}" if user_id else "department",
            "questionnaire_key": questionnaire.key, "questionnaire_version": questionnaire.version,
            "status": ResponseStatus.SUBMITTED.value, "current_page": 0, "started_at": now, "updated_at": now,
            "submitted_at": now, "staff_level": level, "staff_post": post, "overall_score": card.overall,
            "grade": card.grade, "red_line_count": len(card.red_lines),
        })  # fmt: skip
    response_ids = _insert_returning(Response, rows)
    # Who took part, kept apart from what they answered (services.participation).
    db.session.execute(insert(Participation), [
        {"round_id": row["round_id"], "user_id": row["user_id"], "part": row["part"],
         "organisation_id": row["organisation_id"], "status": row["status"]}
        for row in rows if row["user_id"] is not None
    ])  # fmt: skip

    answer_rows, dimension_rows = [], []
    for response_id, answers, card in zip(response_ids, answer_sets, cards, strict=True):
        scores = {item.key: item.score for item in card.items}
        for key, value in answers.items():
            answer_rows.append({
                "response_id": response_id, "question_key": key, "questionnaire_key": questionnaire.key,
                "questionnaire_version": questionnaire.version, "value": None if value is NA else value,
                "is_na": value is NA, "score": scores.get(key),
            })  # fmt: skip
        for dimension in card.dimensions:
            dimension_rows.append(
                {
                    "response_id": response_id,
                    "dimension": dimension.key,
                    "score": dimension.score,
                    "applicable_weight": dimension.applicable_weight,
                    "answered_weight": dimension.answered_weight,
                }
            )
    for start in range(0, len(answer_rows), 20000):
        db.session.execute(insert(Answer), answer_rows[start : start + 20000])
    db.session.execute(insert(DimensionScore), dimension_rows)
    return len(rows)


def _insert_returning(model, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]
