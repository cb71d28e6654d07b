"""Observed beside declared: each observable item of a round's questionnaire with the department's
answer (its submitted checklist), the inspector's observation (its latest run) and the gap; red lines raised
by observation (source "observed"); and the department result with observations combined as the setting
``INSPECT_COMBINE`` says (``domain.inspection.COMBINE_MODES``).

The item → check mapping is ``questionnaires/observations/<key>-<version>.yaml`` (``definitions/observations``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from surveyapp.definitions.observations import observation_map_for
from surveyapp.domain import inspection as rules
from surveyapp.domain.questionnaire import NA
from surveyapp.domain.stats import DepartmentResult
from surveyapp.extensions import db
from surveyapp.models import Answer, AssessmentRound, Organisation, Response, ResponseStatus
from surveyapp.services.answers import answers_of
from surveyapp.services.observed import combine_mode, department_observations
from surveyapp.services.scores import department_result_for


@dataclass(frozen=True)
class ObservedRow:
    """One observable item: declared answer, observed value (same unit), gap (observed − declared, numbers),
    agreement, the check's status and veto, and whether the observation raises the item's red line."""

    item: str
    text: object  # a questionnaire Text: .get(lang)
    dimension: str
    answer: str
    check: str
    declared: object
    observed: object
    gap: float | None
    agrees: bool | None
    status: str
    veto: bool
    red_line: bool
    url: str | None


@dataclass(frozen=True)
class ObservedBeside:
    mode: str
    as_of: date | None
    rows: tuple[ObservedRow, ...]
    observed_red_lines: tuple[ObservedRow, ...]
    declared_result: DepartmentResult | None = None
    combined_result: DepartmentResult | None = None

    @property
    def observed_anything(self) -> bool:
        return any(row.observed is not None for row in self.rows)


def _checklist_answers(round_: AssessmentRound, department: Organisation) -> dict:
    part = round_.questionnaire.checklist_part
    if part is None:
        return {}
    response = db.session.scalar(select(Response).where(
        Response.round_id == round_.id, Response.organisation_id == department.id, Response.part == part.key,
        Response.status == ResponseStatus.SUBMITTED))  # fmt: skip
    return answers_of(response) if response is not None else {}


def _checklists_answers(round_: AssessmentRound, organisation_ids, items) -> dict[int, dict]:
    """Submitted checklist answers to ``items`` (keys) of many departments, in one query of plain columns."""
    part = round_.questionnaire.checklist_part
    if part is None or not organisation_ids:
        return {}
    rows = db.session.execute(
        select(Response.organisation_id, Answer.question_key, Answer.value, Answer.is_na)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.round_id == round_.id, Response.organisation_id.in_(list(organisation_ids)),
               Response.part == part.key, Response.status == ResponseStatus.SUBMITTED,
               Answer.question_key.in_(list(items)))
    )  # fmt: skip
    answers: dict[int, dict] = {}
    for organisation_id, key, value, is_na in rows:
        answers.setdefault(organisation_id, {})[key] = NA if is_na else value  # as ``answers_of`` reads them
    return answers


def observed_beside_declared(
    round_: AssessmentRound,
    department: Organisation,
    with_results: bool = True,
    declared: bool = True,
    known: tuple[dict, dict] | None = None,
) -> ObservedBeside | None:
    """The comparison for one department in a round; None when the round's questionnaire version has no
    observable-item mapping. ``declared=False`` leaves the declared answers out (for readers who may not see
    the department's checklist). ``with_results`` adds the department result declared and combined. ``known``:
    (``department_observations``, checklist answers by department id) already read for many departments."""  # fmt: skip
    questionnaire = round_.questionnaire
    mapping = observation_map_for(questionnaire.key, questionnaire.version)
    if mapping is None:
        return None
    mode = combine_mode()
    if known is None:
        observed = department_observations(round_, [department.id]).get(department.id)
        answers = _checklist_answers(round_, department) if declared else {}
    else:
        observed = known[0].get(department.id)
        answers = known[1].get(department.id, {}) if declared else {}
    by_item = {o.item: o for o in observed.observations} if observed else {}
    items = {item.key: item for item in questionnaire.items}
    rows = []
    for spec in mapping.items:
        item = items.get(spec.item)
        if item is None:
            continue
        observation = by_item.get(spec.item) or rules.Observation(spec.item, spec.check, None, rules.UNKNOWN, False)
        value = answers.get(spec.item)
        shown_declared = value if isinstance(value, int | float | str) else None
        difference, agrees = rules.gap(shown_declared, observation.value, spec.answer)
        raised = rules.observation_raises_red_line(item, observation.value)
        rows.append(ObservedRow(spec.item, item.text, item.dimension, spec.answer,
                                spec.check, shown_declared, observation.value, difference, agrees, observation.status,
                                observation.veto, raised, observation.url))  # fmt: skip
    observed_red_lines = tuple(r for r in rows if r.red_line) if mode == "observed" else ()
    declared_result = combined = None
    if with_results:
        minimum = current_app.config["MIN_GROUP_SIZE"]
        declared_result = department_result_for(round_, department.id, minimum, declared_only=True)
        if mode == "observed" and any(r.observed is not None for r in rows):
            combined = department_result_for(round_, department.id, minimum)  # the one rule (INSPECT_COMBINE)
    as_of = observed.as_of if observed else None
    return ObservedBeside(mode, as_of, tuple(rows), observed_red_lines, declared_result, combined)


def _grade_label(questionnaire, key: str | None, lang: str) -> str:
    return next((g.label.get(lang) for g in questionnaire.grades if g.key == key), "")


def observed_section(beside: ObservedBeside | None, questionnaire, lang: str) -> dict | None:
    """Plain data for the scorecard's section *Observed beside declared* (reporting stays free of models):
    rows with texts in ``lang``, the run's day, the setting, and the index and grade declared and combined."""
    if beside is None or not beside.rows:
        return None
    declared, combined = beside.declared_result, beside.combined_result
    return {
        "mode": beside.mode,
        "as_of": beside.as_of.isoformat() if beside.as_of else "",
        "rows": [{"item": r.item, "text": r.text.get(lang), "check": r.check, "answer": r.answer,
                  "declared": r.declared, "observed": r.observed, "gap": r.gap, "agrees": r.agrees,
                  "status": r.status, "veto": r.veto, "red_line": r.red_line} for r in beside.rows],
        "declared_overall": declared.overall if declared else None,
        "declared_grade": _grade_label(questionnaire, declared.grade, lang) if declared else "",
        "combined_overall": combined.overall if combined else None,
        "combined_grade": _grade_label(questionnaire, combined.grade, lang) if combined else "",
    }  # fmt: skip


def explained_result(round_: AssessmentRound, department: Organisation, lang: str):
    """(result, observed section, items whose red line observation raised) for the department explanation
    page: the result combined with observations as the setting says (declared when nothing is observed)."""
    result = department_result_for(round_, department.id, current_app.config["MIN_GROUP_SIZE"])  # the one rule
    beside = observed_beside_declared(round_, department)
    if beside is None:
        return result, None, set()
    return result, observed_section(beside, round_.questionnaire, lang), {r.item for r in beside.observed_red_lines}


#: Departments shown in the comparison page's section, at most (the page's ranking is paged; this is not).
COMPARISON_DEPARTMENTS = 200


def observed_comparison(round_: AssessmentRound, user, lang: str) -> dict | None:
    """The comparison page's section: for each of the round's departments in ``user``'s scope, each
    observable item's declared answer (only where ``user`` may read the department's checklist:
    ``permissions.can_view_department_results``), the observation and the gap. None when the round's
    version has no mapping."""
    from surveyapp.permissions import can_view_department_results, in_scope

    mapping = observation_map_for(round_.questionnaire.key, round_.questionnaire.version)
    if mapping is None:
        return None
    items = {item.key: item for item in round_.questionnaire.items}
    departments = sorted((d for d in round_.departments if in_scope(user, d)), key=lambda d: d.code)
    shown = departments[:COMPARISON_DEPARTMENTS]
    readable = {d.id for d in shown if can_view_department_results(user, d)}
    known = (
        department_observations(round_, [d.id for d in shown]),
        _checklists_answers(round_, readable, [m.item for m in mapping.items]),
    )
    rows = []
    for department in shown:
        beside = observed_beside_declared(round_, department, with_results=False, declared=department.id in readable,
                                          known=known)  # fmt: skip
        rows.append({"department": department.name(lang), "code": department.code,
                     "as_of": beside.as_of.isoformat() if beside.as_of else "",
                     "cells": {r.item: r for r in beside.rows},
                     "red_lines": sum(1 for r in beside.observed_red_lines)})  # fmt: skip
    columns = [(m.item, items[m.item].text.get(lang), m.answer, m.check) for m in mapping.items if m.item in items]
    more = max(0, len(departments) - COMPARISON_DEPARTMENTS)
    return {"columns": columns, "rows": rows, "mode": combine_mode(), "more": more}
