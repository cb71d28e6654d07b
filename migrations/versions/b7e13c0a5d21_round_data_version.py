"""round data version: bumped by every change to a round's scores, keys caches across processes

Revision ID: b7e13c0a5d21
Revises: 8fe4146965d9
Create Date: 2026-11-30 04:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e13c0a5d21'
down_revision = '8fe4146965d9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('assessment_rounds', schema=None) as batch_op:
        batch_op.drop_column('data_version')
