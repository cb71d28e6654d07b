"""Stored scores: computed by the domain on submit, kept with the response, and summed into
running aggregates in the same transaction.

The domain (``surveyapp.domain.scoring``) is the one place the formula lives; this module only
stores what it returns and keeps the aggregates consistent with the stored scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from surveyapp.domain.inspection import combined_checklist
from surveyapp.domain.questionnaire import Questionnaire
from surveyapp.domain.scoring import ScoreCard, score_response
from surveyapp.domain.stats import (
    DepartmentResult,
    department_result_from_groups,
    from_running_totals,
    reliability_contributions,
)
from surveyapp.extensions import db
from surveyapp.models import (
    Answer,
    AssessmentRound,
    DimensionScore,
    ItemAggregate,
    QuestionnaireVersion,
    ReliabilityAggregate,
    Response,
    ResponseStatus,
    ScoreAggregate,
)
from surveyapp.services.answers import answers_of
from surveyapp.services.observed import combine_mode, department_observations
from surveyapp.services.round_cache import bump_data_version


def scorecard_of(response: Response) -> ScoreCard:
    """Score a response from its stored answers with the questionnaire version it answered."""
    return score_response(response.questionnaire, response.part, answers_of(response))


def store_scores(response: Response) -> ScoreCard:
    """Write item, dimension and overall scores onto a response (the caller commits)."""
    card = scorecard_of(response)
    by_key = {item.key: item for item in card.items}
    for answer in response.answers:
        item = by_key.get(answer.question_key)
        answer.score = item.score if item else None
    existing = {row.dimension: row for row in response.dimension_scores}
    for dimension in card.dimensions:
        row = existing.pop(dimension.key, None)
        if row is None:
            row = DimensionScore(dimension=dimension.key)
            response.dimension_scores.append(row)
        row.score = dimension.score
        row.applicable_weight = dimension.applicable_weight
        row.answered_weight = dimension.answered_weight
    for stale in existing.values():
        response.dimension_scores.remove(stale)
    response.overall_score = card.overall
    response.grade = card.grade
    response.red_line_count = len(card.red_lines)
    return card


def clear_scores(response: Response) -> None:
    for answer in response.answers:
        answer.score = None
    response.dimension_scores.clear()
    response.overall_score = None
    response.grade = None
    response.red_line_count = 0


# The level and post of the row that totals every staff group of a department and dimension:
# comparisons read these, and the per-group rows only when filtering by level or post.
ALL_GROUPS = "*"


def aggregate_groups(staff_level: str | None, staff_post: str | None) -> tuple[tuple[str, str], tuple[str, str]]:
    """The two running-total rows a response's dimension score counts in: its own staff group
    (level, post; "" when unknown) and the row of all groups (``ALL_GROUPS``)."""
    return (staff_level or "", staff_post or ""), (ALL_GROUPS, ALL_GROUPS)


def apply_to_aggregates(response: Response, sign: int) -> None:
    """Add (+1) or remove (−1) a response's dimension scores to the running totals.

    Each change is one ``UPDATE … SET n = n + 1`` so concurrent submits cannot lose an update;
    a missing row is inserted, and a racing insert falls back to the update. The round's data
    version is bumped too, so cached round-wide figures are recomputed (see ``round_cache``).
    """
    db.session.flush()
    for row in response.dimension_scores:
        if row.score is None:
            continue
        for level, post in aggregate_groups(response.staff_level, response.staff_post):
            key = {
                "round_id": response.round_id,
                "organisation_id": response.organisation_id,
                "part": response.part,
                "dimension": row.dimension,
                "staff_level": level,
                "staff_post": post,
            }
            _add(key, sign, row.score)
    scores = {answer.question_key: answer.score for answer in response.answers if answer.score is not None}
    _add_items(response, scores, sign)
    _add_reliability(
        response.round_id,
        response.part,
        reliability_contributions(response.questionnaire, response.part, scores),
        sign,
    )
    # Last, so the round's row is locked (PostgreSQL) only for the end of the transaction.
    bump_data_version(response.round_id)


def _add(key: dict, sign: int, score: float) -> None:
    conditions = [getattr(ScoreAggregate, column) == value for column, value in key.items()]
    changes = {
        "n": ScoreAggregate.n + sign,
        "total": ScoreAggregate.total + sign * score,
        "total_squares": ScoreAggregate.total_squares + sign * score * score,
    }
    statement = update(ScoreAggregate).where(*conditions).values(**changes).execution_options(synchronize_session=False)
    if db.session.execute(statement).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(
                insert(ScoreAggregate).values(**key, n=sign, total=sign * score, total_squares=sign * score * score)
            )
    except IntegrityError:
        db.session.execute(statement)


def _add_items(response: Response, scores: dict[str, float], sign: int) -> None:
    """Add (+1) or remove (−1) a response's item scores to its department's running item totals: the
    missing rows are created first (all in one savepoint, else one by one when a concurrent submit
    created some meanwhile), then one executemany ``UPDATE … SET n = n + 1, total = total + x``."""
    if not scores:
        return
    table = ItemAggregate.__table__
    group = {"round_id": response.round_id, "organisation_id": response.organisation_id, "part": response.part}
    existing = set(
        db.session.scalars(
            select(table.c.item).where(*(table.c[column] == value for column, value in group.items()))
        ).all()
    )
    missing = [{**group, "item": item, "n": 0, "total": 0.0} for item in scores if item not in existing]
    if missing:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(table), missing)
        except IntegrityError:  # some created meanwhile by a concurrent submit
            for row in missing:
                try:
                    with db.session.begin_nested():
                        db.session.execute(insert(table).values(**row))
                except IntegrityError:
                    pass
    statement = (
        update(table)
        .where(table.c.round_id == bindparam("b_round"), table.c.organisation_id == bindparam("b_organisation"),
               table.c.part == bindparam("b_part"), table.c.item == bindparam("b_item"))
        .values(n=table.c.n + bindparam("b_n"), total=table.c.total + bindparam("b_total"))
    )  # fmt: skip
    db.session.execute(
        statement,
        [{"b_round": response.round_id, "b_organisation": response.organisation_id, "b_part": response.part,
          "b_item": item, "b_n": sign, "b_total": sign * score} for item, score in scores.items()],
    )  # fmt: skip


def rebuild_item_aggregates(round_id: int) -> None:
    """Recompute a round's running item totals from the stored item scores (the caller commits)."""
    db.session.execute(delete(ItemAggregate).where(ItemAggregate.round_id == round_id))
    db.session.execute(
        insert(ItemAggregate).from_select(
            ["round_id", "organisation_id", "part", "item", "n", "total"],
            select(Response.round_id, Response.organisation_id, Response.part, Answer.question_key,
                   func.count(Answer.score), func.sum(Answer.score))
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.round_id == round_id, Response.status == ResponseStatus.SUBMITTED,
                   Answer.score.is_not(None))
            .group_by(Response.round_id, Response.organisation_id, Response.part, Answer.question_key),
        )
    )  # fmt: skip


def _add_reliability(round_id: int, part: str, rows: list[tuple[str, str, float, float, float]], sign: int) -> None:
    """Add (+1) or remove (−1) one respondent's reliability contributions: missing rows are created
    first, then one executemany ``UPDATE … SET n = n + 1, total = total + x, …`` (no lost updates)."""
    if not rows:
        return
    table = ReliabilityAggregate.__table__
    existing = set(
        db.session.execute(
            select(table.c.dimension, table.c.item).where(table.c.round_id == round_id, table.c.part == part)
        ).all()
    )
    for dimension, item, *_ in rows:
        if (dimension, item) in existing:
            continue
        try:
            with db.session.begin_nested():
                db.session.execute(insert(table).values(
                    round_id=round_id, part=part, dimension=dimension, item=item,
                    n=0, total=0.0, total_squares=0.0, total_cross=0.0,
                ))  # fmt: skip
        except IntegrityError:  # created meanwhile by a concurrent submit
            pass
    statement = (
        update(table)
        .where(table.c.round_id == bindparam("b_round"), table.c.part == bindparam("b_part"),
               table.c.dimension == bindparam("b_dimension"), table.c.item == bindparam("b_item"))
        .values(n=table.c.n + bindparam("b_n"), total=table.c.total + bindparam("b_total"),
                total_squares=table.c.total_squares + bindparam("b_squares"),
                total_cross=table.c.total_cross + bindparam("b_cross"))
    )  # fmt: skip
    db.session.execute(
        statement,
        [{"b_round": round_id, "b_part": part, "b_dimension": dimension, "b_item": item, "b_n": sign,
          "b_total": sign * total, "b_squares": sign * squares, "b_cross": sign * cross}
         for dimension, item, total, squares, cross in rows],
    )  # fmt: skip


def rebuild_reliability(round_id: int) -> None:
    """Recompute a round's reliability sums from the stored item scores (the caller commits)."""
    round_ = db.session.get(AssessmentRound, round_id)
    db.session.execute(delete(ReliabilityAggregate).where(ReliabilityAggregate.round_id == round_id))
    answers, responses = Answer.__table__, Response.__table__
    rows = db.session.connection().execute(
        select(responses.c.id, responses.c.part, responses.c.questionnaire_key, responses.c.questionnaire_version,
               answers.c.question_key, answers.c.score)
        .join(answers, answers.c.response_id == responses.c.id)
        .where(responses.c.round_id == round_id, responses.c.status == ResponseStatus.SUBMITTED,
               answers.c.score.is_not(None))
        .order_by(responses.c.id)
    )  # fmt: skip
    by_response: dict[int, tuple[str, str, int, dict[str, float]]] = {}
    for response_id, part, key, version, question_key, score in rows:
        by_response.setdefault(response_id, (part, key, version, {}))[3][question_key] = score
    totals: dict[tuple[str, str, str], list[float]] = {}
    questionnaires: dict[tuple[str, int], Questionnaire] = {}
    for part, key, version, scores in by_response.values():
        if (key, version) not in questionnaires:
            questionnaires[key, version] = QuestionnaireVersion.lookup(key, version)
        questionnaire = questionnaires[key, version]
        for dimension, item, total, squares, cross in reliability_contributions(questionnaire, part, scores):
            entry = totals.setdefault((part, dimension, item), [0, 0.0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += total
            entry[2] += squares
            entry[3] += cross
    insert_reliability_sums(round_id, totals)
    if round_ is not None:
        round_.reliability_sums = True


def insert_reliability_sums(round_id: int, totals: dict[tuple[str, str, str], list[float]]) -> None:
    """Insert a round's reliability sums ``{(part, dimension, item): [n, Σ, Σ², Σ·T]}`` (new rows)."""
    if totals:
        db.session.execute(insert(ReliabilityAggregate), [
            {"round_id": round_id, "part": part, "dimension": dimension, "item": item, "n": n, "total": total,
             "total_squares": squares, "total_cross": cross}
            for (part, dimension, item), (n, total, squares, cross) in totals.items()
        ])  # fmt: skip


def rebuild_aggregates(round_id: int) -> None:
    """Recompute a round's running totals from the stored dimension scores (and its reliability sums
    and item totals)."""
    bump_data_version(round_id)
    rebuild_reliability(round_id)
    rebuild_item_aggregates(round_id)
    db.session.execute(delete(ScoreAggregate).where(ScoreAggregate.round_id == round_id))
    rows = db.session.execute(
        select(
            Response.organisation_id,
            Response.part,
            DimensionScore.dimension,
            Response.staff_level,
            Response.staff_post,
            func.count(DimensionScore.id),
            func.sum(DimensionScore.score),
            func.sum(DimensionScore.score * DimensionScore.score),
        )
        .join(DimensionScore, DimensionScore.response_id == Response.id)
        .where(
            Response.round_id == round_id,
            Response.status == ResponseStatus.SUBMITTED,
            DimensionScore.score.is_not(None),
        )
        .group_by(
            Response.organisation_id,
            Response.part,
            DimensionScore.dimension,
            Response.staff_level,
            Response.staff_post,
        )
    ).all()
    totals: dict[tuple, list[float]] = {}
    for org, part, dim, level, post, n, total, squares in rows:
        for group_level, group_post in aggregate_groups(level, post):
            entry = totals.setdefault((org, part, dim, group_level, group_post), [0, 0.0, 0.0])
            entry[0] += n
            entry[1] += total
            entry[2] += squares
    if totals:
        db.session.execute(
            insert(ScoreAggregate),
            [
                {
                    "round_id": round_id,
                    "organisation_id": org,
                    "part": part,
                    "dimension": dim,
                    "staff_level": level,
                    "staff_post": post,
                    "n": n,
                    "total": total,
                    "total_squares": squares,
                }
                for (org, part, dim, level, post), (n, total, squares) in totals.items()
            ],
        )


@dataclass(frozen=True)
class ScoreChange:
    response_id: int
    before: float | None
    after: float | None
    grade_before: str | None
    grade_after: str | None


def rebuild_scores(round_id: int | None = None) -> list[ScoreChange]:
    """Recompute the stored scores of submitted responses (after a rule change) and the aggregates.

    Returns the responses whose overall index or grade changed.
    """
    query = select(Response).where(Response.status == ResponseStatus.SUBMITTED).order_by(Response.id)
    if round_id is not None:
        query = query.where(Response.round_id == round_id)
    changes, rounds = [], set()
    for response in db.session.scalars(query):
        before, grade_before = response.overall_score, response.grade
        store_scores(response)
        rounds.add(response.round_id)
        if not _same(before, response.overall_score) or grade_before != response.grade:
            changes.append(ScoreChange(response.id, before, response.overall_score, grade_before, response.grade))
    db.session.flush()
    for rid in sorted(rounds if round_id is None else rounds | {round_id}):
        rebuild_aggregates(rid)
    db.session.commit()
    return changes


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


def department_result_for(round_: AssessmentRound, organisation_id: int, min_group_size: int,
                          declared_only: bool = False) -> DepartmentResult:  # fmt: skip
    """A department's result for a round, from the stored scores: the staff part from its running
    totals (n, Σx, Σx² per dimension), the checklist and the red lines from the few responses that
    carry them (the checklist, and responses whose stored red-line count is not zero). O(1) in the
    number of staff respondents; equal to ``department_result`` over re-scored responses.

    The checklist and its red lines combine the inspector's observations as the setting
    ``INSPECT_COMBINE`` says (``domain.inspection.combined_checklist``; ``declared_only``: the declaration
    alone, for showing it beside). This is the one place a department's result is decided: the ranking
    (``comparison.round_department_scores``) takes observed departments' figures from here."""
    questionnaire = round_.questionnaire
    staff_part = questionnaire.staff_part.key if questionnaire.staff_part else ""
    checklist_part = questionnaire.checklist_part.key if questionnaire.checklist_part else ""
    totals = {
        dimension: (n, total, squares)
        for dimension, n, total, squares in db.session.execute(
            select(ScoreAggregate.dimension, ScoreAggregate.n, ScoreAggregate.total, ScoreAggregate.total_squares)
            .where(ScoreAggregate.round_id == round_.id, ScoreAggregate.organisation_id == organisation_id,
                   ScoreAggregate.part == staff_part, ScoreAggregate.staff_level == ALL_GROUPS)
        )
    }  # fmt: skip
    staff = {
        d.key: from_running_totals(*totals.get(d.key, (0, 0.0, 0.0)), min_group_size) for d in questionnaire.dimensions
    }
    submitted = (
        Response.round_id == round_.id,
        Response.organisation_id == organisation_id,
        Response.status == ResponseStatus.SUBMITTED,
    )
    respondents = db.session.scalar(select(func.count(Response.id)).where(*submitted, Response.part == staff_part))
    carrying = db.session.scalars(
        select(Response).where(*submitted, or_(Response.part == checklist_part, Response.red_line_count > 0))
    ).all()
    checklist_response = next((r for r in carrying if r.part == checklist_part), None)
    mode, observations = combine_mode(), ()
    if not declared_only and mode == "observed":
        observed = department_observations(round_, [organisation_id]).get(organisation_id)
        observations = observed.observations if observed is not None else ()
    checklist_card, checklist_hits = (None, ())
    if checklist_part:
        checklist_card, checklist_hits = combined_checklist(
            checklist_response.questionnaire if checklist_response else questionnaire, checklist_part,
            answers_of(checklist_response) if checklist_response else None, observations, mode)  # fmt: skip
    checklist = {d.key: d.score for d in checklist_card.dimensions} if checklist_card else {}
    staff_hits = [hit for r in carrying if r.part != checklist_part for hit in scorecard_of(r).red_lines]
    return department_result_from_groups(
        questionnaire, staff, checklist, checklist_hits, int(respondents or 0),
        checklist_card is not None, staff_part, checklist_part, staff_red_lines=staff_hits,
        min_group_size=min_group_size,
    )  # fmt: skip
