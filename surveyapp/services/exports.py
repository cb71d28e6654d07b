"""Exports of a round: raw answers, scores per response, scores per department.

Rows are produced as a stream from a server-side cursor, so memory stays flat however many
responses there are. CSV is streamed to the client; XLSX uses openpyxl's write-only mode into a
temporary file. Rows hold plain values (numbers as numbers, text as text); every cell is written by
``definitions.spreadsheet`` (inert text per OWASP, typed numbers, BOM, frozen header). Headers, parts
and grades are in the reader's language; the stable keys (codes, part keys, grade keys, item keys,
dimension codes) have columns of their own so scripts keep working. For trainers the exports are
anonymised: no respondent ids, levels or posts, and no department whose staff group is smaller than
the minimum group size.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Iterable, Iterator

from sqlalchemy import BigInteger, Text, and_, cast, func, or_, select

from surveyapp.definitions.spreadsheet import csv_chunks, write_xlsx
from surveyapp.domain.kinds import answer_text, kind_of
from surveyapp.domain.questionnaire import Questionnaire
from surveyapp.domain.scoring import grade_label
from surveyapp.domain.stats import is_suppressed, k_anonymous_labels
from surveyapp.extensions import db
from surveyapp.localtime import agency_zone, to_local
from surveyapp.models import Answer, AssessmentRound, DimensionScore, Organisation, Response, ResponseStatus
from surveyapp.reporting.report import gettext_for
from surveyapp.services.comparison import Comparison, suppression_words

STREAM_BATCH = 5000
EXPORT_BATCH = 1000  # responses per batch of the answers export


def large_enough_departments(round_: AssessmentRound, organisation_ids: list[int], min_group_size: int) -> set[int]:
    """Departments with at least ``min_group_size`` submitted staff responses."""
    questionnaire = round_.questionnaire
    staff_part = questionnaire.staff_part.key
    counts = db.session.execute(
        select(Response.organisation_id, func.count(Response.id))
        .where(Response.round_id == round_.id, Response.part == staff_part,
               Response.status == ResponseStatus.SUBMITTED, Response.organisation_id.in_(organisation_ids))
        .group_by(Response.organisation_id)
    ).all()  # fmt: skip
    return {org for org, n in counts if not is_suppressed(n, min_group_size)}


def _exported_departments(
    round_: AssessmentRound, organisation_ids: list[int], anonymise: bool, min_group_size: int
) -> tuple[list[int], dict[int, str]]:
    """The departments an export covers (anonymised: only groups at or above the minimum size) and their codes."""
    if anonymise:
        organisation_ids = sorted(large_enough_departments(round_, organisation_ids, min_group_size))
    codes = dict(
        db.session.execute(
            select(Organisation.id, Organisation.code).where(Organisation.id.in_(organisation_ids))
        ).all()
    )
    return organisation_ids, codes


def _rows_exported(round_: AssessmentRound, organisation_ids: list[int], min_group_size: int):
    """Which submitted responses a row-level export may carry (CONFIDENTIALITY_RULE 2 and 4): staff
    responses only of departments with at least ``min_group_size`` staff respondents; checklists
    of every department given."""
    staff_part = round_.questionnaire.staff_part.key
    large = sorted(large_enough_departments(round_, organisation_ids, min_group_size))
    return or_(
        and_(Response.part == staff_part, Response.organisation_id.in_(large)),
        and_(Response.part != staff_part, Response.organisation_id.in_(organisation_ids)),
    )


_PRIME = 2_147_483_647  # 2**31 - 1: (id * k) mod it is a one-to-one shuffle of ids below it


def _shuffled(column):
    """A sort key that orders rows by a fresh random permutation of their ids, one per export,
    so a row's position says nothing about when it was submitted (or which id it has)."""
    k = secrets.randbelow(_PRIME - 2) + 2
    return (cast(column, BigInteger) * k) % _PRIME


def _released_labels(round_: AssessmentRound, organisation_ids: list[int], min_group_size: int) -> dict[int, tuple]:
    """The (level, post) each exported staff row may carry, by response id, k-anonymous within its
    department by ``domain.stats.k_anonymous_labels`` (CONFIDENTIALITY_RULE 4); rows left out carry
    neither. One small query of ids and labels, before the rows stream."""
    by_department: dict[int, list[tuple[int, str | None, str | None]]] = {}
    for response_id, org, level, post in db.session.execute(
        select(Response.id, Response.organisation_id, Response.staff_level, Response.staff_post).where(
            Response.round_id == round_.id,
            Response.status == ResponseStatus.SUBMITTED,
            Response.part == round_.questionnaire.staff_part.key,
            Response.organisation_id.in_(organisation_ids),
        )
    ):
        by_department.setdefault(org, []).append((response_id, level, post))
    released = {}
    for rows in by_department.values():
        labels = k_anonymous_labels([(level, post) for _, level, post in rows], min_group_size)
        for (response_id, _, _), label in zip(rows, labels, strict=True):
            if label != (None, None):
                released[response_id] = label
    return released


def _decode(raw):
    """A stored JSON value: plain numbers and strings without escapes are read without json.loads."""
    if raw is None or raw == "null":
        return None
    first = raw[0]
    if first == '"' and "\\" not in raw:
        return raw[1:-1]
    if first in '[{"':
        return json.loads(raw)
    try:
        return json.loads(raw)  # a number: a typed cell
    except ValueError:
        return raw


def _answer_text(item, value, is_na: bool, questionnaire: Questionnaire, lang: str, na_label: str, gettext) -> str:
    """An answer cell: ``na_label`` for N/A, blank for no answer, else the kind registry's wording (the
    scorecard's: 是, ``17 小时``, ``4 · 同意``…)."""
    if is_na:
        return na_label
    kind = kind_of(item)
    if not kind.is_answered(value):
        return ""
    if kind.numeric_answer and isinstance(value, int | float) and not isinstance(value, bool):
        return value  # a typed number cell; the unit is in the column header
    return answer_text(item, value, questionnaire, lang, gettext)


def _item_header(item, questionnaire: Questionnaire, lang: str) -> str:
    """``key: question text`` (with ``(unit)`` for a number, ``(1–5)`` for a five-point scale)."""
    header = f"{item.key}: {item.text.get(lang)}"
    unit = kind_of(item).numeric_unit(item, questionnaire, lang)
    return f"{header} ({unit})" if unit else header


def answer_rows(
    round_: AssessmentRound,
    organisation_ids: list[int],
    lang: str,
    anonymise: bool,
    min_group_size: int,
    na_label: str = "N/A",
) -> Iterator[list]:
    """Header, then one row per submitted response with one column per question; answers read as on
    the scorecard in ``lang`` (``kinds.answer_text``).

    Rows carry a serial number in random order (never the response id), the day of submission in the
    agency's time zone (named in the header), and for administrators (``anonymise`` false) level and post
    (label in ``lang`` and key) generalised until every released (level, post) combination of a department
    covers 0 or at least ``min_group_size`` rows (``domain.stats.k_anonymous_labels``): CONFIDENTIALITY_RULE 4.
    """
    questionnaire = round_.questionnaire
    gettext = gettext_for(lang)
    items = list(questionnaire.items)
    position = {item.key: i for i, item in enumerate(items)}
    by_key = {item.key: item for item in items}
    organisation_ids, codes = _exported_departments(round_, organisation_ids, anonymise, min_group_size)
    labels = {} if anonymise else _released_labels(round_, organisation_ids, min_group_size)
    parts = {part.key: part.title.get(lang) for part in questionnaire.parts}
    zone = agency_zone()
    head = [gettext("Response"), gettext("Department code"), gettext("Part"), gettext("Part key"),
            gettext("Submitted on (%(zone)s)") % {"zone": zone.key}]  # fmt: skip
    if not anonymise:  # the label to read, the key for a machine (as Grade / Grade key)
        head += [gettext("Staff level"), gettext("Staff level key"), gettext("Staff post"), gettext("Staff post key")]
    level_labels = {key: text.get(lang) for key, text in questionnaire.staff_levels.items()}
    post_labels = {key: text.get(lang) for key, text in questionnaire.staff_posts.items()}
    yield head + [_item_header(item, questionnaire, lang) for item in items]
    # Responses in id order, a batch at a time: their metadata once per response, their answers by
    # one query per batch. Memory stays flat; no per-answer decoding of response columns.
    responses = (
        select(Response.id, Response.organisation_id, Response.part, Response.submitted_at)
        .where(Response.round_id == round_.id, Response.status == ResponseStatus.SUBMITTED,
               _rows_exported(round_, organisation_ids, min_group_size))
        .order_by(Response.organisation_id, _shuffled(Response.id))
        .execution_options(yield_per=EXPORT_BATCH)
    )  # fmt: skip
    serial = 0
    for batch in db.session.execute(responses).partitions():
        answers: dict[int, list] = {}
        # The JSON text as stored: most answers are numbers or short strings that need no full decoding.
        for response_id, key, raw, is_na in db.session.execute(
            select(Answer.response_id, Answer.question_key, cast(Answer.value, Text), Answer.is_na).where(
                Answer.response_id.in_([r[0] for r in batch])
            )
        ):
            answers.setdefault(response_id, []).append((key, _decode(raw), is_na))
        for response_id, org, part, submitted in batch:
            serial += 1
            meta = [serial, codes.get(org, ""), parts.get(part, part), part,
                    to_local(submitted, zone).date() if submitted else None]  # fmt: skip
            if not anonymise:
                level, post = labels.get(response_id, (None, None))
                level, post = level or "", post or ""
                meta += [level_labels.get(level, level), level, post_labels.get(post, post), post]
            row = meta + [""] * len(items)
            offset = len(meta)
            for key, value, is_na in answers.get(response_id, ()):
                if key in position:
                    row[offset + position[key]] = _answer_text(
                        by_key[key], value, is_na, questionnaire, lang, na_label, gettext
                    )
            yield row


def response_score_rows(
    round_: AssessmentRound, organisation_ids: list[int], anonymise: bool, min_group_size: int, lang: str = "zh_Hans"
) -> Iterator[list]:
    """Header, then one row per submitted response: overall index, grade (name and key), red lines,
    dimension scores (one column per dimension, headed ``code: title``); a serial number in random order,
    never the response id: CONFIDENTIALITY_RULE 4."""
    questionnaire = round_.questionnaire
    gettext = gettext_for(lang)
    keys = [d.key for d in questionnaire.dimensions]
    parts = {part.key: part.title.get(lang) for part in questionnaire.parts}
    organisation_ids, codes = _exported_departments(round_, organisation_ids, anonymise, min_group_size)
    yield [gettext("Response"), gettext("Department code"), gettext("Part"), gettext("Part key"),
           gettext("Overall index"), gettext("Grade"), gettext("Grade key"), gettext("Red lines"),
           *(f"{d.key}: {d.title.get(lang)}" for d in questionnaire.dimensions)]  # fmt: skip
    first = 8
    statement = (
        select(Response.id, Response.organisation_id, Response.part, Response.overall_score, Response.grade,
               Response.red_line_count, DimensionScore.dimension, DimensionScore.score)
        .join(DimensionScore, DimensionScore.response_id == Response.id, isouter=True)
        .where(Response.round_id == round_.id, Response.status == ResponseStatus.SUBMITTED,
               _rows_exported(round_, organisation_ids, min_group_size))
        .order_by(Response.organisation_id, _shuffled(Response.id), Response.id)
        .execution_options(yield_per=STREAM_BATCH)
    )  # fmt: skip
    current, row, serial = None, None, 0
    for response_id, org, part, overall, grade, red, dimension, score in db.session.execute(statement):
        if response_id != current:
            if row is not None:
                yield row
            serial += 1
            current = response_id
            row = [serial, codes.get(org, ""), parts.get(part, part), part,
                   _round(overall), grade_label(questionnaire, grade, lang), grade, red]  # fmt: skip
            row += [None] * len(keys)
        if dimension in keys:
            row[first + keys.index(dimension)] = _round(score)
    if row is not None:
        yield row


def department_score_rows(comparison: Comparison, names: dict[int, str], lang: str = "zh_Hans") -> Iterator[list]:
    """Header, then the comparison's departments in ranking order: code, name, staff n, suppressed, overall
    index, grade (name and key, ``scoring.grade_for``: the lowest band after a red line), red lines, target
    (met / gap / red line), dimension scores, why a row is suppressed (too few respondents, or the
    rest of the department would be too few: ``comparison.suppression_words``) and how many of the red lines
    the inspector's observation raised (source "observed"). Suppressed groups carry no figures."""
    questionnaire = comparison.questionnaire
    gettext = gettext_for(lang)
    keys = [d.key for d in questionnaire.dimensions]
    yield [gettext("Rank"), gettext("Department code"), gettext("Department"), gettext("Staff n"),
           gettext("Suppressed"), gettext("Overall index"), gettext("Grade"), gettext("Grade key"),
           gettext("Red lines"), gettext("Gap to target"),
           *(f"{d.key}: {d.title.get(lang)}" for d in questionnaire.dimensions), gettext("Why suppressed"),
           gettext("Red lines (source: observed)")]  # fmt: skip
    for rank, row in enumerate(comparison.rows, start=1):
        why = suppression_words(row.suppressed_reason, comparison.min_group_size, gettext) if row.suppressed else ""
        if row.suppressed:
            target = ""
        elif row.target is not None and row.target.status == "red_line":
            target = gettext("Not met: red line hit")
        elif row.target is not None and row.target.met:
            target = gettext("Met")
        else:
            target = _round(row.gap)
        yield [rank, row.code, names.get(row.organisation_id, ""), row.staff_n,
               gettext("Yes") if row.suppressed else "", _round(row.overall),
               grade_label(questionnaire, row.grade, lang), row.grade, row.red_lines, target,
               *(_round(row.dimensions.get(k)) for k in keys),
               why, row.observed_red_lines]  # fmt: skip


def _round(value):
    return None if value is None else round(float(value), 2)


def csv_stream(rows: Iterable[list]) -> Iterator[str]:
    """CSV text in chunks of about a thousand rows, with a BOM (``spreadsheet.csv_chunks``)."""
    return csv_chunks(rows)


def xlsx_file(rows: Iterable[list], title: str) -> str:
    """Write rows to a temporary .xlsx (``spreadsheet.write_xlsx``); returns its path."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115  (sent, then removed)
    handle.close()
    write_xlsx(rows, title, handle.name)
    return handle.name


def questionnaire_of_round(round_: AssessmentRound) -> Questionnaire:
    return round_.questionnaire
