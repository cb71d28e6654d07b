"""Home pages and round overviews: response rates, per-department results with the group-size rule,
the administrator's next steps and a coordinator's progress (counts only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from surveyapp.domain.scoring import grade_for
from surveyapp.domain.stats import is_suppressed
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Invitation, Organisation, User
from surveyapp.models.round import RoundStatus, round_departments
from surveyapp.permissions import Role, in_scope
from surveyapp.services.comparison import round_department_scores
from surveyapp.services.reports_data import DepartmentProgress, round_progress

ANSWERING = (Role.STAFF.value, Role.COORDINATOR.value)


def _rate(submitted: int, expected: int) -> float | None:
    """Share submitted, 0–100 (None when nobody is expected); capped at 100."""
    return None if expected <= 0 else min(100.0, 100.0 * submitted / expected)


def _at_least_submitted(expected: int, submitted: int) -> int:
    """Everyone who submitted was expected: accounts since deactivated, invitation links revoked after use and
    responses loaded without an account (demo data, imports) count, so the page never reads "112 of 0"."""
    return max(expected, submitted)


def expected_respondents(round_: AssessmentRound) -> dict[int, int]:
    """Per department: active staff and coordinator accounts plus the round's unrevoked invitation links."""
    ids = [d.id for d in round_.departments]
    counts = dict.fromkeys(ids, 0)
    for org_id, n in db.session.execute(
        select(User.organisation_id, func.count(User.id))
        .where(User.organisation_id.in_(ids), User.role.in_(ANSWERING), User.active.is_(True))
        .group_by(User.organisation_id)
    ):
        counts[org_id] += n
    for org_id, n in db.session.execute(
        select(Invitation.organisation_id, func.count(Invitation.id))
        .where(Invitation.round_id == round_.id, Invitation.revoked_at.is_(None))
        .group_by(Invitation.organisation_id)
    ):
        counts[org_id] = counts.get(org_id, 0) + n
    return counts


@dataclass(frozen=True)
class DepartmentLine:
    department: Organisation
    progress: DepartmentProgress
    expected: int
    rate: float | None
    suppressed: bool  # fewer staff submissions than the minimum group size: no index, grade or red lines
    overall: float | None
    grade: str | None
    red_lines: int | None


@dataclass(frozen=True)
class RoundOverview:
    lines: list[DepartmentLine]
    submitted: int
    expected: int
    rate: float | None


def round_overview(round_: AssessmentRound, min_group_size: int) -> RoundOverview:
    """Response rate of the round and of each department, with index, grade and red lines where the
    group is large enough (``domain.stats.is_suppressed``)."""
    progress = round_progress(round_)
    expected = expected_respondents(round_)
    scores = round_department_scores(round_, min_group_size)
    questionnaire = round_.questionnaire
    lines = []
    for department in round_.departments:
        p = progress.get(department.id) or DepartmentProgress(department.id, 0, 0, False)
        result = scores.get(department.id)
        staff_n = max([s.n for s in result.staff.values()]) if result and result.staff else 0
        suppressed = is_suppressed(staff_n, min_group_size)
        overall = None if suppressed or result is None else result.overall
        red_lines = None if suppressed or result is None else result.red_lines
        grade = None if suppressed or result is None else grade_for(questionnaire, overall, bool(red_lines))
        wanted = _at_least_submitted(expected.get(department.id, 0), p.submitted)
        lines.append(DepartmentLine(department, p, wanted, _rate(p.submitted, wanted), suppressed, overall, grade,
                                    red_lines))  # fmt: skip
    submitted = sum(line.progress.submitted for line in lines)
    total = sum(line.expected for line in lines)
    return RoundOverview(lines, submitted, total, _rate(submitted, total))


def response_rates(rounds) -> dict[int, float | None]:
    """Round id → share of expected staff responses submitted (0–100, None when nobody is expected), with the
    expected count of each department as on the round page."""
    rates = {}
    for round_ in rounds:
        expected = expected_respondents(round_)
        progress = round_progress(round_)
        submitted = sum(p.submitted for p in progress.values())
        wanted = sum(_at_least_submitted(expected.get(d, 0), p.submitted) for d, p in progress.items())
        rates[round_.id] = _rate(submitted, wanted)
    return rates


@dataclass(frozen=True)
class Step:
    key: str  # agency | departments | accounts | round | invitations
    done: bool
    endpoint: str


def next_steps(user) -> list[Step]:
    """The administrator's first steps, each ticked when the database shows it done (within scope)."""
    organisations = [o for o in db.session.scalars(select(Organisation)) if in_scope(user, o)]
    agencies = [o for o in organisations if o.kind == "agency"]
    departments = [o for o in organisations if o.kind != "agency"]
    department_ids = {o.id for o in departments}
    accounts = bool(department_ids) and bool(
        db.session.scalar(
            select(func.count(User.id)).where(User.organisation_id.in_(department_ids), User.role.in_(ANSWERING))
        )  # fmt: skip
    )
    rounds = [r for r in db.session.scalars(select(AssessmentRound)) if in_scope(user, r.organisation)]
    invitations = bool(rounds) and bool(
        db.session.scalar(select(func.count(Invitation.id)).where(Invitation.round_id.in_([r.id for r in rounds])))
    )
    return [
        Step("agency", bool(agencies), "admin.organisation_new"),
        Step("departments", bool(departments), "admin.organisation_new"),
        Step("accounts", accounts, "imports.accounts"),
        Step("round", bool(rounds), "admin.round_new"),
        Step("invitations", invitations, "admin.round_list"),
    ]


@dataclass(frozen=True)
class CoordinatorRound:
    round: AssessmentRound
    progress: DepartmentProgress
    expected: int
    rate: float | None


def coordinator_progress(user) -> list[CoordinatorRound]:
    """For a coordinator: each open or closed round of their department with counts only."""
    if user.organisation_id is None:
        return []
    rounds = db.session.scalars(
        select(AssessmentRound)
        .join(round_departments, round_departments.c.round_id == AssessmentRound.id)
        .where(round_departments.c.organisation_id == user.organisation_id,
               AssessmentRound.status != RoundStatus.DRAFT)
        .order_by(AssessmentRound.created_at.desc())
        .limit(10)
    ).all()  # fmt: skip
    result = []
    for round_ in rounds:
        progress = round_progress(round_).get(user.organisation_id) or DepartmentProgress(
            user.organisation_id, 0, 0, False
        )
        expected = _at_least_submitted(expected_respondents(round_).get(user.organisation_id, 0), progress.submitted)
        result.append(CoordinatorRound(round_, progress, expected, _rate(progress.submitted, expected)))
    return result
