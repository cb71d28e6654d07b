"""Department scores for a whole round, read from the running aggregates: O(departments)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import and_, func, or_, select

from surveyapp.domain.crosswalk import Crosswalk, trace_dimension
from surveyapp.domain.inspection import observation_raises_red_line
from surveyapp.domain.questionnaire import Questionnaire
from surveyapp.domain.scoring import TargetStatus, grade_for, grade_rank, target_status, weighted_index
from surveyapp.domain.stats import (
    COMPLEMENT,
    TOO_FEW,
    GroupStats,
    combine,
    five_numbers,
    from_running_totals,
    is_suppressed,
    part_weights,
    suppression_reason,
    withheld_if_suppressed,
)
from surveyapp.extensions import db
from surveyapp.localtime import local_now
from surveyapp.models import AssessmentRound, Organisation, Response, ResponseStatus, ScoreAggregate
from surveyapp.models.round import round_departments
from surveyapp.services.observed import combine_mode, department_observations, observation_state
from surveyapp.services.questionnaires import version_crosswalk
from surveyapp.services.round_cache import cached
from surveyapp.services.scores import ALL_GROUPS, department_result_for


@dataclass(frozen=True)
class DepartmentScores:
    organisation_id: int
    dimensions: dict[str, float | None]
    staff: dict[str, GroupStats]
    checklist: dict[str, float | None]
    overall: float | None
    red_lines: int
    observed_red_lines: int = 0  # of ``red_lines``, those the inspector's observation raised (INSPECT_COMBINE)


def staff_and_checklist_parts(questionnaire: Questionnaire) -> tuple[str | None, str | None]:
    """The keys of ``questionnaire.staff_part`` and ``questionnaire.checklist_part`` (None when absent)."""
    staff, checklist = questionnaire.staff_part, questionnaire.checklist_part
    return (staff.key if staff else None), (checklist.key if checklist else None)


def round_department_scores(
    round_: AssessmentRound,
    min_group_size: int = 1,
    organisation_ids: list[int] | None = None,
    level: str | None = None,
    post: str | None = None,
) -> dict[int, DepartmentScores]:
    """Every department's dimension scores and overall index in a round, from the aggregates.

    Reads the rows that total all staff groups, or with ``level``/``post`` only the staff of that
    level and post (the checklist part always counts whole). A department the inspector observed takes its
    checklist figures and red lines from ``scores.department_result_for`` (observations combined as
    ``INSPECT_COMBINE`` says), so the ranking, its exports, PDF and API agree with its scorecard. Computed
    once per round data version, inspection state and arguments in each process (``round_cache``); the
    result is shared: do not change it.
    """
    ids = None if organisation_ids is None else tuple(organisation_ids)
    return cached(
        round_.id,
        ("department_scores", min_group_size, ids, level, post, observation_state(round_)),
        lambda: _round_department_scores(round_, min_group_size, organisation_ids, level, post),
    )


def _round_department_scores(
    round_: AssessmentRound,
    min_group_size: int,
    organisation_ids: list[int] | None,
    level: str | None,
    post: str | None,
) -> dict[int, DepartmentScores]:
    questionnaire = round_.questionnaire
    staff_part, checklist_part = staff_and_checklist_parts(questionnaire)
    query = (
        select(
            ScoreAggregate.organisation_id, ScoreAggregate.part, ScoreAggregate.dimension,
            func.sum(ScoreAggregate.n), func.sum(ScoreAggregate.total), func.sum(ScoreAggregate.total_squares),
        )
        # Rows left at n = 0 by reopened responses count as no data, like rows never written.
        .where(ScoreAggregate.round_id == round_.id, ScoreAggregate.n > 0)
        .group_by(ScoreAggregate.organisation_id, ScoreAggregate.part, ScoreAggregate.dimension)
    )  # fmt: skip
    if level or post:
        staff = ScoreAggregate.part == staff_part
        conditions = [ScoreAggregate.staff_level != ALL_GROUPS]
        if level:
            conditions.append(ScoreAggregate.staff_level == level)
        if post:
            conditions.append(ScoreAggregate.staff_post == post)
        query = query.where(or_(and_(staff, *conditions), and_(~staff, ScoreAggregate.staff_level == ALL_GROUPS)))
    else:
        query = query.where(ScoreAggregate.staff_level == ALL_GROUPS)
    if organisation_ids is not None:
        query = query.where(ScoreAggregate.organisation_id.in_(organisation_ids))
    # With a level/post filter, each department's whole staff count per dimension (the complement rule).
    all_n: dict[int, dict[str, int]] | None = None
    if level or post:
        all_n = _all_staff_n(round_, staff_part, organisation_ids)
    totals: dict[int, dict[tuple[str, str], tuple[int, float, float]]] = defaultdict(dict)
    for org, part, dimension, n, total, squares in db.session.execute(query):
        totals[org][(part, dimension)] = (int(n or 0), float(total or 0), float(squares or 0))
    # Only responses with red lines are read (an index on round and red-line count): O(red lines).
    red_query = (
        select(Response.organisation_id, func.max(Response.red_line_count))
        .where(Response.round_id == round_.id, Response.red_line_count > 0, Response.status == ResponseStatus.SUBMITTED)
        .group_by(Response.organisation_id)
    )
    red = dict(db.session.execute(red_query).all())
    observed_red = _combine_observed(round_, totals, red, checklist_part, min_group_size, organisation_ids)
    weights = (
        part_weights(questionnaire, staff_part) if staff_part else {},
        part_weights(questionnaire, checklist_part) if checklist_part else {},
    )
    scores = {
        org: department_scores_from_totals(questionnaire, org, by_key, staff_part, checklist_part, min_group_size,
                                           int(red.get(org) or 0), weights,
                                           None if all_n is None else all_n.get(org, {}))
        for org, by_key in totals.items()
    }  # fmt: skip
    return {org: replace(s, observed_red_lines=observed_red.get(org, 0)) for org, s in scores.items()}


def _combine_observed(round_, totals, red, checklist_part, min_group_size, organisation_ids) -> dict[int, int]:
    """Replace, for each department with an observation, its checklist totals and red-line count by those of
    the one rule (``scores.department_result_for``); with mode "declared" nothing changes. Returns, per
    department, how many of its red lines the observation raised."""
    observed_red: dict[int, int] = {}
    if combine_mode() != "observed" or not checklist_part:
        return observed_red
    if organisation_ids is None:
        organisation_ids = db.session.scalars(
            select(round_departments.c.organisation_id).where(round_departments.c.round_id == round_.id)
        ).all()
    for org, observed in department_observations(round_, organisation_ids).items():
        if not observed.observed_anything:
            continue
        result = department_result_for(round_, org, min_group_size)
        by_key = totals[org]  # a department with no submitted response still gets its observed red lines
        for dimension in result.dimensions:
            by_key.pop((checklist_part, dimension.key), None)
            if dimension.checklist is not None:
                by_key[(checklist_part, dimension.key)] = (1, dimension.checklist, dimension.checklist**2)
        red[org] = len(result.red_lines)
        items = {item.key: item for item in round_.questionnaire.items}
        raised = {o.item for o in observed.observations
                  if o.item in items and observation_raises_red_line(items[o.item], o.value)}  # fmt: skip
        observed_red[org] = sum(1 for hit in result.red_lines if hit.item in raised)
    return observed_red


def _all_staff_n(round_: AssessmentRound, staff_part, organisation_ids: list[int] | None) -> dict[int, dict[str, int]]:
    """Submitted staff respondents per department and dimension over all staff groups."""
    query = select(ScoreAggregate.organisation_id, ScoreAggregate.dimension, func.sum(ScoreAggregate.n)).where(
        ScoreAggregate.round_id == round_.id,
        ScoreAggregate.part == staff_part,
        ScoreAggregate.staff_level == ALL_GROUPS,
        ScoreAggregate.n > 0,
    )
    if organisation_ids is not None:
        query = query.where(ScoreAggregate.organisation_id.in_(organisation_ids))
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for org, dimension, n in db.session.execute(
        query.group_by(ScoreAggregate.organisation_id, ScoreAggregate.dimension)
    ):
        result[org][dimension] = int(n or 0)
    return result


def department_scores_from_totals(
    questionnaire: Questionnaire,
    organisation_id: int,
    totals,
    staff_part,
    checklist_part,
    min_group_size,
    red_lines,
    weights: tuple[dict[str, float], dict[str, float]],
    all_n: dict[str, int] | None = None,
) -> DepartmentScores:
    """One department's scores from its running totals; ``weights`` are the parts' item weights per dimension.

    ``all_n`` (dimension -> the department's whole staff n) is given when ``totals`` cover one staff level/post
    only: the group is then suppressed also when its complement is too small (``is_suppressed``)."""
    staff_weights, checklist_weights = weights
    dimensions, staff, checklist = {}, {}, {}
    for dimension in questionnaire.dimensions:
        n, total, squares = totals.get((staff_part, dimension.key), (0, 0.0, 0.0))
        staff[dimension.key] = withheld_if_suppressed(
            from_running_totals(n, total, squares, min_group_size, spread=False,
                                n_all=None if all_n is None else all_n.get(dimension.key, n))
        )  # fmt: skip
        cn, ctotal, _ = totals.get((checklist_part, dimension.key), (0, 0.0, 0.0))
        checklist[dimension.key] = ctotal / cn if cn else None
        dimensions[dimension.key] = combine(
            staff[dimension.key].mean, staff_weights.get(dimension.key, 0.0),
            checklist[dimension.key], checklist_weights.get(dimension.key, 0.0),
        )  # fmt: skip
    overall = weighted_index((d.weight, dimensions[d.key]) for d in questionnaire.dimensions)
    return DepartmentScores(organisation_id, dimensions, staff, checklist, overall, red_lines)


# -- trend over rounds ---------------------------------------------------------------------------

# How many rounds a trend shows, the current one included: the same window on the comparison page
# and in the PDF scorecard.
TREND_ROUNDS = 5


def trend_rounds(round_: AssessmentRound) -> list[AssessmentRound]:
    """``round_`` and the rounds before it of the same agency and questionnaire, at most ``TREND_ROUNDS``,
    oldest first."""
    newest_first = db.session.scalars(
        select(AssessmentRound)
        .where(
            AssessmentRound.questionnaire_key == round_.questionnaire_key,
            AssessmentRound.organisation_id == round_.organisation_id,
            AssessmentRound.created_at <= round_.created_at,
        )
        .order_by(AssessmentRound.created_at.desc(), AssessmentRound.id.desc())
        .limit(TREND_ROUNDS)
    ).all()
    return newest_first[::-1]


def trend_versions(round_: AssessmentRound) -> list[int]:
    """The questionnaire version of each of ``trend_rounds(round_)``, oldest first. A trend may cross a change of
    version (rounds are chosen by questionnaire key): its dimensions map one to one (see the version crosswalk),
    so the overall index, their weighted mean, is compared; callers mark where the version changes."""
    return [earlier.questionnaire_version for earlier in trend_rounds(round_)]


def median_overall_trend(round_: AssessmentRound, min_group_size: int = 1) -> tuple[list[str], list[float | None]]:
    """Round names and the median department overall index of each, over ``trend_rounds`` (a staff
    group below ``min_group_size`` counts for nothing: CONFIDENTIALITY_RULE 2)."""
    names, medians = [], []
    for earlier in trend_rounds(round_):
        scores = round_department_scores(earlier, min_group_size)
        overall = [s.overall for s in scores.values() if s.overall is not None]
        names.append(earlier.name)
        medians.append(statistics.median(overall) if overall else None)
    return names, medians


# -- trend across versions ------------------------------------------------------------------------


def version_chain(key: str, older: int, newer: int) -> tuple[Crosswalk, ...] | None:
    """The shipped crosswalks from version ``older`` of questionnaire ``key`` to ``newer``, one per step, oldest
    first (empty for the same version); ``None`` when a step has none or ``older`` is the newer version, so
    nothing of it compares item by item or dimension by dimension (``domain.crosswalk.trace_item``)."""
    if older > newer:
        return None
    try:
        return tuple(version_crosswalk(key, v, v + 1) for v in range(older, newer))
    except KeyError:
        return None


def trend_chains(round_: AssessmentRound) -> tuple[tuple[Crosswalk, ...] | None, ...]:
    """Per round of ``trend_rounds(round_)``, oldest first: ``version_chain`` from its version to ``round_``'s."""
    versions = tuple(trend_versions(round_))
    key, newest = round_.questionnaire_key, round_.questionnaire_version
    return cached(
        round_.id, ("version_chains", versions), lambda: tuple(version_chain(key, v, newest) for v in versions)
    )


def crosswalk_note(chains, gettext) -> str:
    """The crosswalks a trend crosses, as one sentence per change of version (counts per status)."""
    steps = {c.from_version: c for chain in chains if chain for c in chain}
    return " ".join(
        gettext("Version %(a)s to %(b)s: %(same)d questions the same, %(changed)d changed, %(new)d new, "
                "%(retired)d retired.") % {"a": c.from_version, "b": c.to_version, **c.counts()}
        for _, c in sorted(steps.items())
    )  # fmt: skip


@dataclass(frozen=True)
class DimensionTrend:
    """One dimension of the current round's version across the trend rounds, oldest first: ``values`` of the
    dimension it maps to in each round's version (None: no value there or it does not map) and whether it maps
    (``comparable``; False only when the versions have no crosswalk or it leaves the dimension out)."""

    key: str
    values: tuple[float | None, ...]
    comparable: tuple[bool, ...]


def dimension_trends(
    questionnaire: Questionnaire,
    chains: Sequence[tuple[Crosswalk, ...] | None],
    scores: Sequence[dict[str, float | None]],
) -> list[DimensionTrend]:
    """Per dimension of ``questionnaire`` (the current round's version): its scores across rounds, each read
    from ``scores[i]`` (dimension key of round *i*'s version → score) through ``chains[i]`` (``trend_chains``)."""
    trends = []
    for dimension in questionnaire.dimensions:
        keys = [trace_dimension(chain, dimension.key) for chain in chains]
        trends.append(DimensionTrend(
            dimension.key,
            tuple(None if k is None else by_key.get(k) for k, by_key in zip(keys, scores, strict=True)),
            tuple(k is not None for k in keys),
        ))  # fmt: skip
    return trends


def median_dimension_trend(round_: AssessmentRound, min_group_size: int = 1) -> list[DimensionTrend]:
    """Per dimension, the median department score of each of ``trend_rounds`` through the version crosswalk
    (the same department scores as ``median_overall_trend``: a staff group below ``min_group_size`` counts
    for nothing, CONFIDENTIALITY_RULE 2)."""
    medians = []
    for earlier in trend_rounds(round_):
        scores = round_department_scores(earlier, min_group_size).values()
        by_key = {}
        for dimension in earlier.questionnaire.dimensions:
            values = [s.dimensions.get(dimension.key) for s in scores if s.dimensions.get(dimension.key) is not None]
            by_key[dimension.key] = statistics.median(values) if values else None
        medians.append(by_key)
    return dimension_trends(round_.questionnaire, trend_chains(round_), medians)


# -- the comparison page ----------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    organisation_id: int
    code: str
    parent_id: int | None
    staff_n: int
    suppressed: bool  # fewer staff than the minimum group size: no figures shown
    dimensions: dict[str, float | None]
    overall: float | None
    gap: float | None  # points below the target grade's minimum (0 when reached)
    red_lines: int
    grade: str | None = None  # grade key by ``scoring.grade_for``: the lowest band when a red line is hit
    target: TargetStatus | None = None  # met / below target / red line (never met) / no data
    # Why no figures: ``stats.TOO_FEW`` or ``stats.COMPLEMENT`` (``stats.suppression_reason``); None when shown.
    suppressed_reason: str | None = None
    observed_red_lines: int = 0  # of ``red_lines``, those raised by the inspector's observation (source "observed")


@dataclass(frozen=True)
class Comparison:
    questionnaire: Questionnaire
    rows: list[ComparisonRow]
    target: float | None
    min_group_size: int


def compare_departments(
    round_: AssessmentRound,
    allowed: set[int] | None,
    min_group_size: int,
    agency_id: int | None = None,
    level: str | None = None,
    post: str | None = None,
    sort: str = "overall",
    target: float | None = None,
) -> Comparison:
    """The round's departments the viewer may see (``allowed`` organisation ids, None for all), with
    suppression below the minimum group size. Reads plain columns, not ORM rows: it runs over thousands.

    The departments are read every time; the comparison built on them is computed once per round
    data version, departments and arguments (``round_cache``), so a page, its charts and its exports
    share one. The result is shared: do not change it.
    """
    departments = [
        d for d in db.session.execute(
            select(Organisation.id, Organisation.code, Organisation.parent_id)
            .join(round_departments, round_departments.c.organisation_id == Organisation.id)
            .where(round_departments.c.round_id == round_.id)
        )
        if (allowed is None or d.id in allowed) and (agency_id is None or d.parent_id == agency_id)
    ]  # fmt: skip
    filtered = allowed is not None or agency_id is not None
    key = ("comparison", tuple(tuple(d) for d in departments), filtered, min_group_size, level, post, sort, target,
           observation_state(round_))  # fmt: skip
    return cached(
        round_.id,
        key,
        lambda: _compare(round_, departments, filtered, min_group_size, level, post, sort, target),
    )


def _compare(round_, departments, filtered, min_group_size, level, post, sort, target) -> Comparison:
    questionnaire = round_.questionnaire
    scores = round_department_scores(
        round_, min_group_size, [d.id for d in departments] if filtered else None, level, post
    )
    rows = []
    for department in departments:
        result = scores.get(department.id)
        staff_n = max([s.n for s in result.staff.values()]) if result and result.staff else 0
        # Below the minimum size, or (with a level/post filter) its complement in the department is.
        too_few = is_suppressed(staff_n, min_group_size)
        complement = bool(result and any(s.suppressed and s.n >= min_group_size for s in result.staff.values()))
        small_dimension = bool(result and any(s.suppressed and 0 < s.n < min_group_size for s in result.staff.values()))
        suppressed = too_few or complement or small_dimension
        reason = TOO_FEW if too_few or small_dimension else (COMPLEMENT if complement else None)
        dims = {d.key: None for d in questionnaire.dimensions}
        overall = None
        if result and not suppressed:
            dims, overall = dict(result.dimensions), result.overall
        red_lines = result.red_lines if result else 0
        status = target_status(overall, red_lines, target)
        grade = None if suppressed else grade_for(questionnaire, overall, bool(red_lines) and result is not None)
        rows.append(ComparisonRow(
            department.id, department.code, department.parent_id, staff_n, suppressed, dims, overall, status.gap,
            red_lines, grade, status, reason, result.observed_red_lines if result else 0,
        ))  # fmt: skip
    key = sort if sort in dims_keys(questionnaire) else "overall"

    def rank(row: ComparisonRow):
        # The overall ranking is by grade first, then index: a department with a red line (lowest
        # band) never ranks above one that passes, whatever its index.
        if key == "overall":
            return (row.overall is None, grade_rank(questionnaire, row.grade), -(row.overall or 0), row.code)
        value = row.dimensions.get(key)
        return (value is None, -(value or 0), row.code)

    rows.sort(key=rank)
    return Comparison(questionnaire, rows, target, min_group_size)


@dataclass(frozen=True)
class SpreadRow:
    """One dimension of the spread chart as numbers: ``n`` departments shown (not suppressed), their
    five-number summary (min, lower quartile, median, upper quartile, max; ``None`` without data)
    and the marked department's score."""

    dimension: str
    n: int
    summary: tuple[float, float, float, float, float] | None
    marked: float | None


def spread_of(comparison: Comparison, highlight: int | None = None) -> tuple[ComparisonRow | None, list[SpreadRow]]:
    """The spread chart's data: the marked department (``highlight``, else the first shown row of the
    ranking; ``None`` when every row is suppressed) and one ``SpreadRow`` per dimension, over the
    departments that are not suppressed (CONFIDENTIALITY_RULE 2)."""
    rows = [r for r in comparison.rows if not r.suppressed]
    marked = next((r for r in rows if r.organisation_id == highlight), rows[0] if rows else None)
    spread = []
    for key in dims_keys(comparison.questionnaire):
        values = [r.dimensions[key] for r in rows if r.dimensions[key] is not None]
        spread.append(SpreadRow(key, len(values), five_numbers(values), marked.dimensions[key] if marked else None))
    return marked, spread


def spread_peers(comparison: Comparison) -> list[list[float]]:
    """Per dimension (questionnaire order), the scores of the departments that are not suppressed."""
    rows = [r for r in comparison.rows if not r.suppressed]
    return [[r.dimensions[k] for r in rows if r.dimensions[k] is not None] for k in dims_keys(comparison.questionnaire)]


def dims_keys(questionnaire: Questionnaire) -> list[str]:
    return [d.key for d in questionnaire.dimensions]


# -- training needs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingNeed:
    organisation_id: int
    level: str
    post: str
    staff: int
    suppressed: bool
    weakest: list[tuple[str, float]]  # (dimension, staff mean), weakest first
    modules: list[str]  # training module keys
    suppressed_reason: str | None = None  # ``stats.TOO_FEW`` / ``stats.COMPLEMENT`` / None when shown


# How staff are grouped in the training-needs matrix, finest first: by level and post, by one of them
# only (larger groups, so fewer are suppressed in small departments), or the department's staff as a whole
# (the only grouping that shows anything where a department has fewer than twice the minimum group size:
# any split of it leaves a group or its complement too small).
TRAINING_GROUPINGS = ("level_post", "level", "post", "department")


def training_needs(
    round_: AssessmentRound,
    organisation_ids: list[int],
    min_group_size: int,
    weakest: int = 2,
    by: str = "level_post",
) -> list[TrainingNeed]:
    """Per department and staff group: the weakest dimensions and the modules for them.

    ``by`` is one of ``TRAINING_GROUPINGS``; a level or post that is not grouped on is ``ALL_GROUPS``.
    The running totals (n, Σx) of the finest groups add up to those of the wider ones. Groups
    smaller than the minimum group size are listed as suppressed, with no figures.
    """
    if by not in TRAINING_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {', '.join(TRAINING_GROUPINGS)}")
    questionnaire = round_.questionnaire
    staff_part, _ = staff_and_checklist_parts(questionnaire)
    rows = db.session.execute(
        select(ScoreAggregate.organisation_id, ScoreAggregate.staff_level, ScoreAggregate.staff_post,
               ScoreAggregate.dimension, ScoreAggregate.n, ScoreAggregate.total)
        .where(ScoreAggregate.round_id == round_.id, ScoreAggregate.part == staff_part,
               ScoreAggregate.staff_level != ALL_GROUPS, ScoreAggregate.organisation_id.in_(organisation_ids),
               ScoreAggregate.n > 0)
    ).all()  # fmt: skip
    groups: dict[tuple[int, str, str], dict[str, tuple[int, float]]] = defaultdict(dict)
    for org, level, post, dimension, n, total in rows:
        key = (org, ALL_GROUPS if by in ("post", "department") else level,
               ALL_GROUPS if by in ("level", "department") else post)  # fmt: skip
        count, sum_ = groups[key].get(dimension, (0, 0.0))
        groups[key][dimension] = (count + n, sum_ + total)
    # The department's whole staff per dimension: a group whose complement is too small is suppressed too.
    whole: dict[tuple[int, str], int] = defaultdict(int)
    for org, _level, _post, dimension, n, _total in rows:
        whole[(org, dimension)] += n
    needs = []
    # Staff levels in rank order and posts in the order the questionnaire lists them (not alphabetically).
    level_rank = {key: index for index, key in enumerate(questionnaire.staff_levels)}
    post_rank = {key: index for index, key in enumerate(questionnaire.staff_posts)}

    def order(item):
        (org, level, post), _ = item
        return (org, level_rank.get(level, len(level_rank)), level, post_rank.get(post, len(post_rank)), post)

    for (org, level, post), by_dimension in sorted(groups.items(), key=order):
        staff = max(n for n, _ in by_dimension.values())
        reasons = {suppression_reason(n, min_group_size, whole[(org, dimension)]) for dimension, (n, _) in
                   by_dimension.items()} - {None}  # fmt: skip
        if reasons:
            needs.append(
                TrainingNeed(org, level, post, staff, True, [], [], TOO_FEW if TOO_FEW in reasons else COMPLEMENT)
            )
            continue
        means = sorted((total / n, dimension) for dimension, (n, total) in by_dimension.items())[:weakest]
        modules = [
            m.key
            for m in questionnaire.training_modules
            if any(dimension in m.dimensions for _, dimension in means)
            and (level == ALL_GROUPS or not m.levels or level in m.levels)
            and (post == ALL_GROUPS or not m.posts or post in m.posts)
        ]
        needs.append(TrainingNeed(org, level, post, staff, False, [(d, mean) for mean, d in means], modules))
    return needs


@dataclass(frozen=True)
class GroupingChoice:
    by: str  # one of TRAINING_GROUPINGS
    shown: int  # groups with figures
    total: int  # groups listed (shown + suppressed)


def training_grouping_choices(
    round_: AssessmentRound, organisation_ids: list[int], min_group_size: int
) -> list[GroupingChoice]:
    """For each grouping of ``TRAINING_GROUPINGS`` (finest first): how many of its groups are shown."""

    def count():
        choices = []
        for by in TRAINING_GROUPINGS:
            needs = training_needs(round_, organisation_ids, min_group_size, by=by)
            choices.append(GroupingChoice(by, sum(1 for n in needs if not n.suppressed), len(needs)))
        return choices

    return cached(round_.id, ("training_groupings", tuple(organisation_ids), min_group_size), count)


def default_training_grouping(choices: list[GroupingChoice]) -> str:
    """The finest grouping in which most groups (more than half) are shown; where none shows most,
    the one that shows the largest share (the finer on a tie). Rule of issue 18: the matrix must not
    open on a grouping that hides nearly every row."""
    for choice in choices:
        if choice.total and choice.shown * 2 > choice.total:
            return choice.by
    best = max(choices, key=lambda c: (c.shown / c.total if c.total else 0.0, -TRAINING_GROUPINGS.index(c.by)))
    return best.by


def suppression_words(reason: str | None, min_group_size: int, gettext) -> str:
    """The reason a group shows no figures, in words, for exports and CSV cells (templates use the
    ``macros/suppression.html`` macro with the same messages). ``gettext`` translates without formatting."""
    if reason == COMPLEMENT:
        text = gettext("hidden: the rest of the department would be fewer than %(n)d and could be worked out")
    else:
        text = gettext("suppressed (fewer than %(n)d respondents)")
    return text % {"n": min_group_size}


# -- documents ------------------------------------------------------------------------------------


def comparison_pdf(round_: AssessmentRound, comparison: Comparison, names: dict[int, str], lang: str, title: str,
                   strict_fonts: bool = False) -> bytes:  # fmt: skip
    """The ranking as a PDF: ``names`` by organisation id, ``title`` already in ``lang``. Suppressed rows
    carry no figures (the comparison decided which)."""
    from surveyapp.domain.scoring import grade_bands_text, grade_label
    from surveyapp.reporting.report import ComparisonReportData, render_comparison_pdf

    questionnaire = comparison.questionnaire
    keys = [d.key for d in questionnaire.dimensions]
    data = ComparisonReportData(
        lang=lang, title=title, round_name=round_.name,
        dimension_titles=tuple(d.title.get(lang) for d in questionnaire.dimensions),
        rows=tuple((names[r.organisation_id], r.overall, tuple(r.dimensions[k] for k in keys), r.suppressed, r.staff_n,
                    grade_label(questionnaire, r.grade, lang), r.red_lines, r.suppressed_reason, r.observed_red_lines)
                   for r in comparison.rows),
        min_group_size=comparison.min_group_size,
        grade_bands_text=grade_bands_text(questionnaire, lang),
        facts={"comparison": round_.id, "questionnaire": questionnaire.key,
               "questionnaire_version": questionnaire.version, "target": comparison.target,
               "rows": [[r.code, None if r.suppressed else r.overall, r.grade, r.red_lines,
                         [None if r.suppressed else r.dimensions[k] for k in keys], r.observed_red_lines]
                        for r in comparison.rows]},
    )  # fmt: skip
    return render_comparison_pdf(data, local_now(), strict_fonts=strict_fonts)


def training_pdf(round_: AssessmentRound, header: list[str], rows: list[list], grouping: str,
                 choices: list[tuple[str, int, int, bool]], lang: str, min_group_size: int,
                 strict_fonts: bool = False) -> bytes:  # fmt: skip
    """The training-needs matrix as a landscape A4 PDF. ``header`` and ``rows``: the matrix's table in
    ``lang`` (the XLSX export's rows: department, grade, level, post, staff n ("" when suppressed),
    weakest dimensions and modules, each joined by "; "); ``grouping``: the grouping's label;
    ``choices``: (label, groups shown, groups, chosen) of every grouping."""

    from surveyapp.reporting.report import render_training_pdf
    from surveyapp.reporting.scorecard import TrainingReportData

    data = TrainingReportData(
        lang=lang, round_name=round_.name, grouping=grouping, choices=tuple(tuple(c) for c in choices),
        header=tuple(header), rows=tuple(tuple("" if v is None else v for v in row) for row in rows),
        min_group_size=min_group_size,
    )  # fmt: skip
    return render_training_pdf(data, local_now(), strict_fonts=strict_fonts)
