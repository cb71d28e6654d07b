"""reminder sends (per-person limit and spacing of round reminders)

Revision ID: b7c1d2e3f4a5
Revises: b7e2c41d9a10
Create Date: 2026-11-30 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = 'b7e2c41d9a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_sends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['assessment_rounds.id'],
                                name=op.f('fk_reminder_sends_round_id_assessment_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminder_sends_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sends')),
    )
    with op.batch_alter_table('reminder_sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sends_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_sends_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reminder_sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sends_user_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_sends_round_id'))
    op.drop_table('reminder_sends')
