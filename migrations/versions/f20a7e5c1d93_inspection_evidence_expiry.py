"""inspection runs: when their evidence (WARC file, snapshots) expired

Revision ID: f20a7e5c1d93
Revises: e3804b24856a
Create Date: 2026-11-30 11:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f20a7e5c1d93'
down_revision = 'e3804b24856a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspection_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_expired_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('inspection_runs', schema=None) as batch_op:
        batch_op.drop_column('evidence_expired_at')
