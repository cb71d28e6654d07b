"""totals over all staff groups in score aggregates

Revision ID: 06b6be15ceb6
Revises: ced33ab05e0e
Create Date: 2026-11-27 16:14:20.837216

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '06b6be15ceb6'
down_revision = 'ced33ab05e0e'
branch_labels = None
depends_on = None


def upgrade():
    # Data only: add the rows that total all staff groups (staff_level = staff_post = '*') for
    # aggregates written before they existed. Comparisons read these rows.
    op.execute(
        "INSERT INTO score_aggregates "
        "(round_id, organisation_id, part, dimension, staff_level, staff_post, n, total, total_squares) "
        "SELECT round_id, organisation_id, part, dimension, '*', '*', SUM(n), SUM(total), SUM(total_squares) "
        "FROM score_aggregates a WHERE staff_level <> '*' AND NOT EXISTS ("
        "SELECT 1 FROM score_aggregates b WHERE b.round_id = a.round_id AND b.organisation_id = a.organisation_id "
        "AND b.part = a.part AND b.dimension = a.dimension AND b.staff_level = '*') "
        "GROUP BY round_id, organisation_id, part, dimension"
    )


def downgrade():
    op.execute("DELETE FROM score_aggregates WHERE staff_level = '*'")
