"""An answer reads the same in the answers export as on the department scorecard (one wording, from the kind
registry): 是 rather than ``yes``, ``17 小时`` rather than ``17``."""

from sqlalchemy import select

from surveyapp.domain.kinds import kind_of
from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation
from surveyapp.reporting.report import gettext_for
from surveyapp.services.demo import seed_demo
from surveyapp.services.exports import answer_rows
from surveyapp.services.scorecards import department_scorecard_data, round_context


def test_answers_export_uses_the_scorecards_words(app):
    with app.app_context():
        seeded = seed_demo(departments=2, respondents=3, seed=11)
        db.session.commit()
        round_ = db.session.get(AssessmentRound, seeded.round_id)
        questionnaire = round_.questionnaire
        checklist = questionnaire.checklist_part
        agency = db.session.scalar(select(Organisation).where(Organisation.code == seeded.agency_code))
        departments = db.session.scalars(
            select(Organisation).where(Organisation.parent_id == agency.id).order_by(Organisation.code)
        ).all()
        context = round_context(round_)
        numbers = {n: item for n, item in enumerate(questionnaire.items, start=1)}
        gettext = gettext_for("zh_Hans")
        no_answer, na = gettext("No answer"), gettext("Not applicable")
        rows = list(answer_rows(round_, [d.id for d in departments], "zh_Hans", False, 0, na_label=na))
        column = {header.split(":")[0]: i for i, header in enumerate(rows[0])}
        compared = yes_no = with_unit = 0
        for department in departments:
            card = department_scorecard_data(context, department, "zh_Hans")
            (exported,) = [r for r in rows[1:] if r[1] == department.code and r[3] == checklist.key]
            for section in card.dimensions:
                for row in section.items:
                    item = numbers[row.number]
                    if row.part != "checklist" or row.evidence_url:
                        continue
                    cell = exported[column[item.key]]
                    unit = item.unit.get("zh_Hans")
                    if kind_of(item).numeric_answer and isinstance(cell, int | float):
                        # A number is a typed cell; its unit is in the column header, and together they
                        # read as the scorecard's words ("17 小时").
                        header = rows[0][column[item.key]]
                        shown = f"{cell} {unit}" if unit and kind_of(item).has_bands else str(cell)
                        assert row.answer.startswith(shown), (item.key, cell, row.answer)
                        with_unit += bool(unit) and header.endswith(f"({unit})")
                        compared += 1
                        continue
                    # The export leaves "no answer" blank (a CSV convention); every other answer reads the same.
                    assert cell == ("" if row.answer == no_answer else row.answer), (item.key, cell, row.answer)
                    compared += 1
                    yes_no += cell in ("是", "否") and item.kind == "yesno"
        assert compared >= 10 and yes_no >= 2 and with_unit >= 2
        assert not any(cell in ("yes", "no") for row in rows[1:] for cell in row[6:])
