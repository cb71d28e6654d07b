"""A department with fewer staff respondents than the minimum group size: its scorecard (PDF and Word) shows no
per-question staff figure, not even how many answered a question (with one respondent that count says whether
that person answered the question or chose "not applicable")."""

import io
from datetime import UTC, datetime

import docx
from sqlalchemy import select

from surveyapp.extensions import db
from surveyapp.models import AssessmentRound, Organisation
from surveyapp.reporting import report
from surveyapp.reporting.docx import scorecard_docx
from surveyapp.services.scorecards import department_scorecard_data, round_context
from tests.helpers import seed


def test_suppressed_staff_part_shows_no_per_question_counts(app, runner):
    round_id = seed(runner, departments=2, respondents=1)
    with app.app_context(), app.test_request_context():
        round_ = db.session.get(AssessmentRound, round_id)
        department = db.session.scalars(select(Organisation).where(Organisation.kind == "department")).first()
        data = department_scorecard_data(round_context(round_), department, "en")
        staff_rows = [row for section in data.dimensions for row in section.items if row.part == "staff"]
        assert staff_rows and all(row.suppressed and row.respondents == 0 and row.score is None for row in staff_rows)
        html = report.render_html(data, {}, datetime.now(UTC))
        assert "Mean of 1 staff member" not in html and "Mean of 0 staff" not in html
        assert "suppressed (fewer than 3 respondents)" in html
        word = docx.Document(io.BytesIO(scorecard_docx(data, datetime.now(UTC), images={})))
        cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
        assert not any(text.startswith("Mean of") for text in cells)
