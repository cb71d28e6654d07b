"""Scorecards: gather a department's (or a respondent's) results into plain data, render the
PDF with the domain renderer, and keep each file in ``REPORTS_DIR`` under its data digest."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from surveyapp.domain.advice import strengths_and_weaknesses, top_priorities, training_dimensions
from surveyapp.domain.crosswalk import Crosswalk, Trace, trace_item
from surveyapp.domain.kinds import answer_text, kind_of, list_separator
from surveyapp.domain.questionnaire import Questionnaire
from surveyapp.domain.scoring import grade_bands_text, grade_for, maturity_level
from surveyapp.domain.stats import DimensionReliability, is_suppressed
from surveyapp.extensions import db
from surveyapp.localtime import local_now
from surveyapp.models import AssessmentRound, ItemAggregate, Organisation, Response, ResponseStatus
from surveyapp.reporting.report import gettext_for, layout_fingerprint, render_pdf
from surveyapp.reporting.scorecard import DimensionSection, ItemRow, ScorecardData, TrainingRow, TrendItemRow
from surveyapp.services.answers import answers_of
from surveyapp.services.audit import record_event
from surveyapp.services.comparison import (
    DepartmentScores,
    crosswalk_note,
    dimension_trends,
    round_department_scores,
    staff_and_checklist_parts,
    trend_chains,
    trend_rounds,
)
from surveyapp.services.observations import observed_beside_declared, observed_section
from surveyapp.services.observed import observation_state
from surveyapp.services.reports_data import round_reliability
from surveyapp.services.round_cache import cached, round_state
from surveyapp.services.scores import department_result_for, scorecard_of


@dataclass
class RoundContext:
    """What every department's scorecard in a round shares; computed once for a bulk export.

    Plain data only (no ORM rows), so a worker can keep it across database sessions.
    """

    round_id: int
    questionnaire: Questionnaire
    peers: dict[int, DepartmentScores]
    reliability: dict[str, DimensionReliability]
    trend: list[tuple[str, dict[int, DepartmentScores]]]  # (round name, department scores), oldest first
    state: tuple = ()  # the data it was built from (``_context_state``)
    trend_versions: tuple[int, ...] = ()  # the questionnaire version of each trend round
    trend_ids: tuple[int, ...] = ()  # the trend rounds' ids, oldest first
    # Per trend round, the crosswalks from its version to the round's (``comparison.trend_chains``).
    trend_chains: tuple[tuple[Crosswalk, ...] | None, ...] = ()


def _context_state(round_: AssessmentRound, trend: list[AssessmentRound]) -> tuple:
    """The data a round context depends on: the round's and its trend rounds' data versions and names."""
    return round_state(round_.id), tuple((r.id, r.name, round_state(r.id)) for r in trend)


def round_context(round_: AssessmentRound) -> RoundContext:
    """What every scorecard of the round shares; each part is cached per round data version. Peers and
    trend count a department's staff part only from the minimum group size (CONFIDENTIALITY_RULE 2)."""
    trend_window = trend_rounds(round_)
    state = _context_state(round_, trend_window)  # read first: a change while building shows as stale
    questionnaire = round_.questionnaire
    min_group = current_app.config["MIN_GROUP_SIZE"]
    trend = [(r.name, round_department_scores(r, min_group)) for r in trend_window]
    _, dimensions = round_reliability(round_)
    return RoundContext(
        round_.id,
        questionnaire,
        round_department_scores(round_, min_group),
        {d.key: d for d in dimensions},
        trend,
        state,
        tuple(r.questionnaire_version for r in trend_window),
        tuple(r.id for r in trend_window),
        trend_chains(round_),
    )


def _grade_label(questionnaire: Questionnaire, key: str | None, lang: str, gettext) -> str:
    for grade in questionnaire.grades:
        if grade.key == key:
            return grade.label.get(lang)
    return gettext("insufficient data")


def _training(questionnaire: Questionnaire, scores: dict[str, float | None], lang: str) -> tuple[TrainingRow, ...]:
    """Modules for dimensions below "good", weakest first (at least the weakest two)."""
    weak = training_dimensions(questionnaire, scores)
    rows, seen = [], set()
    for key in weak:
        for module in questionnaire.training_modules:
            if key in module.dimensions and module.key not in seen:
                seen.add(module.key)
                audience = [
                    questionnaire.staff_levels[x].get(lang) for x in module.levels if x in questionnaire.staff_levels
                ]
                audience += [
                    questionnaire.staff_posts[x].get(lang) for x in module.posts if x in questionnaire.staff_posts
                ]
                rows.append(TrainingRow(
                    module.title.get(lang), module.description.get(lang),
                    list_separator(lang).join(questionnaire.dimension(d).title.get(lang) for d in module.dimensions),
                    list_separator(lang).join(audience),
                ))  # fmt: skip
    return tuple(rows)


def department_scorecard_data(context: RoundContext, department: Organisation, lang: str) -> ScorecardData:
    """The plain data of one department's scorecard, in ``lang``.

    Kept per round data version (``round_cache``) when ``context`` is current, so downloading a
    scorecard again reads nothing that depends on the number of responses. The names printed on
    it are part of the key, so renaming a department or round is seen at once.
    """
    round_ = db.session.get(AssessmentRound, context.round_id)
    min_group = current_app.config["MIN_GROUP_SIZE"]
    if not context.state or context.state != _context_state(round_, trend_rounds(round_)):
        data = _department_scorecard_data(context, department, lang)  # built before a change: do not keep
    else:
        # A new inspection (of this department or a peer) or another INSPECT_COMBINE changes the figures.
        key = ("scorecard", context.state, department.id, department.name(lang), round_.name,
               round_.organisation.name(lang), lang, min_group, observation_state(round_))  # fmt: skip
        data = cached(context.round_id, key, lambda: _department_scorecard_data(context, department, lang))
    return with_since_last_round(data, round_, department, lang)


def with_since_last_round(data: ScorecardData, round_: AssessmentRound, department: Organisation,
                          lang: str) -> ScorecardData:  # fmt: skip
    """The scorecard with its section "since last round": the previous round's rectification items and
    their state now (``services.rectification.since_last_round``), read fresh (items change without a
    new round data version). Their counts and states go into the facts, so the data fingerprint (PDF
    and DOCX alike) covers them."""
    from dataclasses import replace

    from surveyapp.services.rectification import since_last_round

    summary = since_last_round(round_, department, lang)
    if summary is None:
        return data
    section = {"previous_round": summary.previous_round, "closed": summary.closed, "open": summary.open,
               "overdue": summary.overdue, "items": [list(row) for row in summary.items]}  # fmt: skip
    facts = {**data.facts, "since_last_round": {"closed": summary.closed, "open": summary.open,
                                                "overdue": summary.overdue,
                                                "statuses": [row[1] for row in summary.items]}}  # fmt: skip
    return replace(data, extra={**data.extra, "since_last_round": section}, facts=facts)


def staff_item_means(round_: AssessmentRound, department_id: int, staff_part: str | None) -> dict[str, tuple]:
    """Question key → (mean score, staff who answered it) over the department's submitted staff responses, from
    its running item totals (``ItemAggregate``: O(items), whatever the number of respondents). Not yet
    suppressed: whoever shows a mean applies ``is_suppressed`` to its n (CONFIDENTIALITY_RULE)."""
    return {
        key: (total / n, n)
        for key, n, total in db.session.execute(
            select(ItemAggregate.item, ItemAggregate.n, ItemAggregate.total)
            .where(ItemAggregate.round_id == round_.id, ItemAggregate.organisation_id == department_id,
                   ItemAggregate.part == staff_part, ItemAggregate.n > 0)
        )
    }  # fmt: skip


def _checklist_response(round_: AssessmentRound, department_id: int, checklist_part: str | None) -> Response | None:
    return db.session.scalar(
        select(Response).where(Response.round_id == round_.id, Response.organisation_id == department_id,
                               Response.part == checklist_part, Response.status == ResponseStatus.SUBMITTED)
    )  # fmt: skip


def department_item_scores(round_: AssessmentRound, department_id: int, min_group: int) -> dict[str, float | None]:
    """Question key → the department's result in ``round_``, as its scorecard shows it: the staff mean (None
    when fewer than ``min_group`` answered it: CONFIDENTIALITY_RULE) or the checklist item's score."""
    staff_part, checklist_part = staff_and_checklist_parts(round_.questionnaire)
    scores = {key: None if is_suppressed(n, min_group) else mean
              for key, (mean, n) in staff_item_means(round_, department_id, staff_part).items()}  # fmt: skip
    response = _checklist_response(round_, department_id, checklist_part)
    if response is not None:
        scores.update({item.key: item.score for item in scorecard_of(response).items})
    return scores


def _change_words(change: str, gettext) -> str:
    return {
        "wording": gettext("wording"), "not_applicable": gettext("“not applicable” added"),
        "options": gettext("options"), "scoring": gettext("scoring"), "red_line": gettext("red line"),
        "kind": gettext("answer type"), "split": gettext("split into several questions"),
    }.get(change, change)  # fmt: skip


def comparability_words(trace: Trace, gettext, lang: str) -> str:
    """Why an item's earlier results are or are not shown beside its current one, in the reader's language."""
    if trace.comparable:
        return gettext("Same question in every round of the trend")
    if trace.status == "new":
        return gettext("New in version %(version)s: no earlier result") % {"version": trace.version}
    if trace.status == "changed":
        how = list_separator(lang).join(_change_words(c, gettext) for c in trace.changes)
        return gettext("Changed in version %(version)s (%(changes)s): earlier rounds not compared") % {
            "version": trace.version,
            "changes": how,
        }
    return gettext("No version crosswalk: earlier rounds not compared")


def _item_trend(context: RoundContext, department_id: int, keys: list[str], numbers: dict[str, int],
                texts: dict[str, str], red: set[str], lang: str, min_group: int,
                current: dict[str, float | None]) -> tuple[TrendItemRow, ...]:  # fmt: skip
    """The department's red-line and weak questions (``keys``) across the trend rounds: a round's result where
    the crosswalk maps the question as ``same`` into that round's version, else nothing, and why. ``current``:
    the results this scorecard shows (its own round is not read again)."""
    if len(context.trend_ids) < 2 or not keys:
        return ()
    gettext = gettext_for(lang)
    results = [current if rid == context.round_id else
               department_item_scores(db.session.get(AssessmentRound, rid), department_id, min_group)
               for rid in context.trend_ids]  # fmt: skip
    rows = []
    for key in keys:
        traces = [trace_item(chain, key) for chain in context.trend_chains]
        broken = next((t for t in reversed(traces) if not t.comparable), None)
        rows.append(TrendItemRow(
            numbers[key], texts[key], comparability_words(broken or traces[-1], gettext, lang),
            tuple(r.get(t.key) if t.comparable else None for t, r in zip(traces, results, strict=True)),
            tuple(t.comparable for t in traces), key in red, key,
        ))  # fmt: skip
    return tuple(rows)


def _department_scorecard_data(context: RoundContext, department: Organisation, lang: str) -> ScorecardData:
    questionnaire, round_ = context.questionnaire, db.session.get(AssessmentRound, context.round_id)
    gettext = gettext_for(lang)
    min_group = current_app.config["MIN_GROUP_SIZE"]
    result = department_result_for(round_, department.id, min_group)  # observations combined (INSPECT_COMBINE)
    beside = observed_beside_declared(round_, department)  # issue 20: observed beside declared
    observed_red = {row.item for row in beside.observed_red_lines} if beside else set()
    staff_part, checklist_part = staff_and_checklist_parts(questionnaire)

    item_means = staff_item_means(round_, department.id, staff_part)
    checklist_response = _checklist_response(round_, department.id, checklist_part)
    checklist_answers = answers_of(checklist_response) if checklist_response else {}
    checklist_card = scorecard_of(checklist_response) if checklist_response else None
    checklist_scores = {i.key: i.score for i in checklist_card.items} if checklist_card else {}
    hit_items = {hit.item for hit in result.red_lines}

    others = [s for org, s in context.peers.items() if org != department.id]
    numbers = {item.key: n for n, item in enumerate(questionnaire.items, start=1)}
    sections, weak_keys, shown = [], set(), {}
    for dimension in questionnaire.dimensions:
        res = result.dimension(dimension.key)
        rows, scored_keys = [], []
        for part in questionnaire.parts:
            for item in part.items:
                if item.dimension != dimension.key:
                    continue
                if part.key == staff_part:
                    mean, n = item_means.get(item.key, (None, 0))
                    n = int(n or 0)
                    # One or two people's answers, or a department below the minimum group size: neither the
                    # mean nor how many answered is shown (CONFIDENTIALITY_RULE).
                    hidden = is_suppressed(n, min_group) or is_suppressed(result.respondents, min_group)
                    if hidden:
                        mean, n = None, 0
                    if not item.scored:
                        continue
                    scored_keys.append((item.key, mean))
                    rows.append(
                        ItemRow(
                            numbers[item.key],
                            item.text.get(lang),
                            "staff",
                            mean,
                            n,
                            basis=item.basis.get(lang),
                            suppressed=hidden,
                        )
                    )
                else:
                    value = checklist_answers.get(item.key)
                    evidence = value if kind_of(item).link == "url" and isinstance(value, str) else ""
                    words = "" if evidence else answer_text(item, value, questionnaire, lang, gettext)
                    scored_keys.append((item.key, checklist_scores.get(item.key)))
                    rows.append(ItemRow(numbers[item.key], item.text.get(lang), "checklist",
                                        checklist_scores.get(item.key), 0, answer=words,
                                        evidence_url=evidence, basis=item.basis.get(lang),
                                        red_line=item.key in hit_items))  # fmt: skip
        grade_key = grade_for(questionnaire, res.score, False)
        strengths, weaknesses = strengths_and_weaknesses(questionnaire, ((r.text, r.score) for r in rows))
        weak_keys.update(strengths_and_weaknesses(questionnaire, scored_keys)[1])
        shown.update(scored_keys)
        peer_values = [s.dimensions.get(dimension.key) for s in others if s.dimensions.get(dimension.key) is not None]
        reliability = context.reliability.get(dimension.key)
        sections.append(DimensionSection(
            key=dimension.key, title=dimension.title.get(lang), description=dimension.description.get(lang),
            weight=dimension.weight, score=res.score, grade=_grade_label(questionnaire, grade_key, lang, gettext),
            maturity=(questionnaire.maturity_levels[res.maturity_level - 1].label.get(lang)
                      if res.maturity_level else gettext("insufficient data")),
            staff_n=res.staff.n, staff_mean=res.staff.mean, staff_sd=res.staff.sd,
            staff_ci=(res.staff.ci_low, res.staff.ci_high) if res.staff.ci_low is not None else None,
            staff_suppressed=res.staff.suppressed, checklist=res.checklist,
            alpha=reliability.alpha if reliability else None, items=tuple(rows), strengths=strengths,
            weaknesses=weaknesses,
            recommendation=(dimension.recommendations[grade_key].get(lang)
                            if grade_key in dimension.recommendations else ""),
            peer_median=statistics.median(peer_values) if peer_values else None,
        ))  # fmt: skip

    trend_rounds, trend_values, trend_peer = [], [], []
    for name, scores in context.trend:
        trend_rounds.append(name)
        trend_values.append(scores[department.id].overall if department.id in scores else None)
        overall = [s.overall for s in scores.values() if s.overall is not None]
        trend_peer.append(statistics.median(overall) if overall else None)
    # Per dimension across the trend's rounds, through the version crosswalk (issue 19); the department's
    # scores there are the peers' (``round_department_scores``: small staff groups count for nothing).
    by_dimension = dimension_trends(questionnaire, context.trend_chains, [
        dict(scores[department.id].dimensions) if department.id in scores else {} for _, scores in context.trend
    ]) if len(context.trend) >= 2 else []  # fmt: skip
    listed = [item.key for item in questionnaire.items if item.key in hit_items or item.key in weak_keys]
    trend_items = _item_trend(context, department.id, listed, numbers,
                              {item.key: item.text.get(lang) for item in questionnaire.items}, hit_items, lang,
                              min_group, shown)  # fmt: skip
    trend_facts = {
        "trend_versions": list(context.trend_versions),
        "trend_dimensions": {t.key: [v if ok else "not comparable" for v, ok in zip(t.values, t.comparable,
                                                                                   strict=True)]
                             for t in by_dimension},
        "trend_items": [[row.key, [v if ok else "not comparable" for v, ok in zip(row.values, row.comparable,
                                                                                  strict=True)]]
                        for row in trend_items],
    }  # fmt: skip
    grade_key = result.grade
    return ScorecardData(
        lang=lang, variant="department", questionnaire_title=questionnaire.title.get(lang),
        questionnaire_version=str(questionnaire.version), agency=round_.organisation.name(lang),
        department=department.name(lang), round_name=round_.name, subject="", overall=result.overall,
        grade=_grade_label(questionnaire, grade_key, lang, gettext), grade_key=grade_key,
        grade_bands=tuple((g.label.get(lang), g.min) for g in questionnaire.grades),
        grade_bands_text=grade_bands_text(questionnaire, lang),
        maturity_bands=tuple((m.label.get(lang), float(m.min)) for m in questionnaire.maturity_levels),
        priorities=tuple(top_priorities(questionnaire, {s.key: s.score for s in sections})),
        facts=scorecard_facts(
            questionnaire, "department", round_.id, department.code, result.overall, grade_key,
            [hit.item for hit in result.red_lines], {s.key: s.score for s in sections}, result.respondents,
            {"peer_count": len(others), "trend": list(trend_values), **trend_facts},
        ),
        red_lines=tuple(hit.text.get(lang) + (f" ({gettext('source: observed')})" if hit.item in observed_red else "")
                        for hit in result.red_lines), dimensions=tuple(sections),
        peer_count=len(others), trend_rounds=tuple(trend_rounds), trend_values=tuple(trend_values),
        trend_peer=tuple(trend_peer), trend_versions=context.trend_versions,
        trend_dimensions=tuple((questionnaire.dimension(t.key).title.get(lang), t.values, t.comparable)
                               for t in by_dimension),
        trend_items=trend_items, trend_note=crosswalk_note(context.trend_chains, gettext),
        peer_values=tuple(
            tuple(sorted(s.dimensions[d.key] for s in others if s.dimensions.get(d.key) is not None))
            for d in questionnaire.dimensions
        ),
        training=_training(questionnaire, {s.key: s.score for s in sections}, lang),
        respondents=result.respondents, min_answered_share=questionnaire.min_answered_share,
        min_group_size=min_group, extra={"observed": observed_section(beside, questionnaire, lang)},
    )  # fmt: skip


def scorecard_facts(
    questionnaire,
    variant: str,
    round_id: int,
    department_code: str,
    overall,
    grade_key,
    red_line_items,
    dimension_scores: dict,
    respondents: int,
    extra: dict,
) -> dict:
    """The language-independent figures of a scorecard (codes and keys, never labels), from which the
    printed data fingerprint is computed (``reporting.scorecard.data_fingerprint``)."""
    return {
        "scorecard": variant, "questionnaire": questionnaire.key, "questionnaire_version": questionnaire.version,
        "round": round_id, "department": department_code, "overall": overall, "grade": grade_key,
        "red_lines": sorted(red_line_items), "dimensions": dimension_scores, "respondents": respondents, **extra,
    }  # fmt: skip


def respondent_scorecard_data(response: Response, lang: str) -> ScorecardData:
    """A shorter scorecard of one submitted response, for its respondent."""
    questionnaire = response.questionnaire
    gettext = gettext_for(lang)
    card = scorecard_of(response)
    part = questionnaire.part(response.part)
    answers = answers_of(response)
    by_key = {i.key: i for i in card.items}
    numbers = {item.key: n for n, item in enumerate(part.items, start=1)}
    sections = []
    for dimension_score in card.dimensions:
        dimension = questionnaire.dimension(dimension_score.key)
        rows = [
            ItemRow(numbers[item.key], item.text.get(lang), "own", by_key[item.key].score, 0,
                    answer=answer_text(item, answers.get(item.key), questionnaire, lang, gettext),
                    basis=item.basis.get(lang))
            for item in part.items if item.dimension == dimension.key and by_key[item.key].status != "hidden"
        ]  # fmt: skip
        grade_key = grade_for(questionnaire, dimension_score.score, False)
        level = maturity_level(questionnaire, dimension_score.score)
        strengths, weaknesses = strengths_and_weaknesses(questionnaire, ((r.text, r.score) for r in rows))
        sections.append(DimensionSection(
            key=dimension.key, title=dimension.title.get(lang), description=dimension.description.get(lang),
            weight=dimension.weight, score=dimension_score.score,
            grade=_grade_label(questionnaire, grade_key, lang, gettext),
            maturity=(questionnaire.maturity_levels[level - 1].label.get(lang)
                      if level else gettext("insufficient data")),
            staff_n=1, staff_mean=None, staff_sd=None, staff_ci=None, staff_suppressed=False, checklist=None,
            alpha=None, items=tuple(rows), strengths=strengths, weaknesses=weaknesses,
            recommendation=(dimension.recommendations[grade_key].get(lang)
                            if grade_key in dimension.recommendations else ""),
        ))  # fmt: skip
    return ScorecardData(
        lang=lang, variant="respondent", questionnaire_title=questionnaire.title.get(lang),
        questionnaire_version=str(questionnaire.version), agency=response.round.organisation.name(lang),
        department=response.organisation.name(lang), round_name=response.round.name,
        subject=part.title.get(lang), overall=card.overall,
        grade=_grade_label(questionnaire, card.grade, lang, gettext), grade_key=card.grade,
        grade_bands=tuple((g.label.get(lang), g.min) for g in questionnaire.grades),
        grade_bands_text=grade_bands_text(questionnaire, lang),
        maturity_bands=tuple((m.label.get(lang), float(m.min)) for m in questionnaire.maturity_levels),
        priorities=tuple(top_priorities(questionnaire, {s.key: s.score for s in sections})),
        facts=scorecard_facts(
            questionnaire, "respondent", response.round.id, response.organisation.code, card.overall, card.grade,
            [hit.item for hit in card.red_lines], {s.key: s.score for s in sections}, 1,
            {"response": response.id, "part": response.part,
             "items": {i.key: i.score for i in card.items if i.status != "hidden"}},
        ),
        red_lines=tuple(hit.text.get(lang) for hit in card.red_lines), dimensions=tuple(sections), peer_count=0,
        training=_training(questionnaire, {s.key: s.score for s in sections}, lang),
        min_answered_share=questionnaire.min_answered_share, min_group_size=current_app.config["MIN_GROUP_SIZE"],
        extra={"response": response.id},
    )  # fmt: skip


def cached_pdf_path(data: ScorecardData, archival: bool = False) -> Path:
    """Where the PDF for ``data`` is kept: named by the data digest and the layout's fingerprint
    (``report.layout_fingerprint``), so unchanged data in an unchanged layout reuses it."""
    directory = Path(current_app.config["REPORTS_DIR"])
    name = f"{data.variant}-{data.digest()}-{layout_fingerprint()}{'-a3u' if archival else ''}.pdf"
    return directory / name


def cached_pdf(data: ScorecardData, archival: bool = False) -> Path:
    """The PDF for ``data``, rendered only when no file for its digest exists yet."""
    path = cached_pdf_path(data, archival)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pdf = render_pdf(data, local_now(), archival=archival, strict_fonts=current_app.config["STRICT_FONTS"])
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(pdf)
        temporary.replace(path)
    return path


def department_scorecard(round_: AssessmentRound, department: Organisation, lang: str, actor,
                         archival: bool = False) -> Path:  # fmt: skip
    """A department's scorecard PDF (cached), recorded in the audit log as a download."""
    path = cached_pdf(department_scorecard_data(round_context(round_), department, lang), archival)
    record_event("report.download", actor=actor, obj=department, round=round_.id, lang=lang, file=path.name)
    db.session.commit()
    return path


def department_scorecard_docx(round_: AssessmentRound, department: Organisation, lang: str, actor) -> bytes:
    """A department's scorecard as a Word document (``reporting.docx.scorecard_docx``): the PDF's content
    and data fingerprint, charts as images, headings as Word styles. Recorded in the audit log."""
    from surveyapp.reporting.docx import scorecard_docx

    data = department_scorecard_data(round_context(round_), department, lang)
    content = scorecard_docx(data, local_now())
    record_event("report.download", actor=actor, obj=department, round=round_.id, lang=lang, format="docx",
                 fingerprint=data.fingerprint())  # fmt: skip
    db.session.commit()
    return content


def respondent_scorecard(response: Response, lang: str, actor) -> Path:
    """A respondent's own scorecard PDF (cached), recorded in the audit log."""
    path = cached_pdf(respondent_scorecard_data(response, lang))
    record_event("report.download", actor=actor, obj=response, lang=lang, file=path.name)
    db.session.commit()
    return path
