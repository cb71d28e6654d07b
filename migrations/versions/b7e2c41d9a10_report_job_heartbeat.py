"""report job heartbeat and attempt

Revision ID: b7e2c41d9a10
Revises: c41f7a9e2d58
Create Date: 2026-11-30 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c41d9a10'
down_revision = 'c41f7a9e2d58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('attempt', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_column('attempt')
        batch_op.drop_column('heartbeat_at')
