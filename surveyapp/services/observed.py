"""What the inspector observed for a round's departments, as the scoring reads it: each observable item's
observation (``domain.inspection.observe_item``) from the department's latest finished inspection run, and
the setting ``INSPECT_COMBINE`` that says how observation and declaration combine.

The combination itself is ``domain.inspection.combined_checklist``, applied in one place:
``services.scores.department_result_for`` (a department's result: explanation page, scorecard, rectification),
which ``services.comparison.round_department_scores`` (ranking, its exports and PDF, API, overview, training
matrix grades, scorecard peers) uses for every department with an observation.

Reads only; imports no other service (scores and comparison import it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from surveyapp.definitions.observations import observation_map_for
from surveyapp.domain import inspection as rules
from surveyapp.extensions import db
from surveyapp.localtime import to_local
from surveyapp.models import AssessmentRound, InspectionFinding, InspectionRun


@dataclass(frozen=True)
class ObservedRun:
    """A department's latest finished run and the observation of each mapped item (mapping order; an item
    with nothing usable observed has value None)."""

    run_id: int
    as_of: date
    observations: tuple[rules.Observation, ...]

    @property
    def observed_anything(self) -> bool:
        return any(o.value is not None for o in self.observations)


def combine_mode() -> str:
    mode = str(current_app.config.get("INSPECT_COMBINE", "observed"))
    if mode not in rules.COMBINE_MODES:
        raise ValueError(f"INSPECT_COMBINE must be one of {', '.join(rules.COMBINE_MODES)}, not {mode!r}")
    return mode


def observation_state(round_: AssessmentRound) -> tuple:
    """What a round's observed figures depend on besides its data version: the setting, the finished runs
    (their newest id and number) and the last day that counts (``observed_until``). Part of the key of every
    cached figure that combines observations."""
    newest, count = db.session.execute(
        select(func.max(InspectionRun.id), func.count(InspectionRun.id)).where(InspectionRun.status == "done")
    ).one()
    return combine_mode(), newest, count, observed_until(round_)


def latest_runs(organisation_ids, until: date | None = None) -> dict[int, tuple[int, date]]:
    """Organisation id → (id, as_of) of its latest finished run (newest day, then newest id), as of ``until``
    at the latest when given."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    latest: dict[int, tuple[int, date]] = {}
    query = (
        select(InspectionRun.organisation_id, InspectionRun.id, InspectionRun.as_of)
        .where(InspectionRun.organisation_id.in_(ids), InspectionRun.status == "done")
        .order_by(InspectionRun.organisation_id, InspectionRun.as_of.desc(), InspectionRun.id.desc())
    )  # fmt: skip
    if until is not None:
        query = query.where(InspectionRun.as_of <= until)
    rows = db.session.execute(query)
    for organisation_id, run_id, as_of in rows:
        latest.setdefault(organisation_id, (run_id, as_of))
    return latest


def observed_until(round_: AssessmentRound) -> date | None:
    """The last day whose inspection counts for ``round_``: its deadline's day (an observation made after the
    round, e.g. after rectification, does not change that round's result, nor an earlier round in a trend);
    None (any day) for a round without a deadline."""
    return to_local(round_.deadline).date() if round_.deadline is not None else None  # the agency's day


def department_observations(round_: AssessmentRound, organisation_ids) -> dict[int, ObservedRun]:
    """For each of ``organisation_ids`` with a finished run up to ``observed_until(round_)``: that latest
    run's observations of the items the round's questionnaire version maps to checks. Empty when the version
    has no mapping. Two queries."""
    questionnaire = round_.questionnaire
    mapping = observation_map_for(questionnaire.key, questionnaire.version)
    if mapping is None:
        return {}
    latest = latest_runs(organisation_ids, observed_until(round_))
    if not latest:
        return {}
    by_run: dict[int, list[rules.Finding]] = {run_id: [] for run_id, _ in latest.values()}
    for f in db.session.scalars(
        select(InspectionFinding).where(InspectionFinding.run_id.in_(list(by_run))).order_by(InspectionFinding.id)
    ):
        by_run[f.run_id].append(rules.Finding(f.check, f.status, f.observed, f.threshold or "", f.url, None,
                                              f.detail or "", f.veto))  # fmt: skip
    keys = {item.key for item in questionnaire.items}
    result = {}
    for organisation_id, (run_id, as_of) in latest.items():
        observations = tuple(rules.observe_item(spec.item, spec.check, spec.answer, by_run[run_id], as_of)
                             for spec in mapping.items if spec.item in keys)  # fmt: skip
        result[organisation_id] = ObservedRun(run_id, as_of, observations)
    return result
