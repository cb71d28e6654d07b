"""running item totals per department (a scorecard's item means without reading every answer)

Revision ID: a9d4e7c2b618
Revises: f20a7e5c1d93
Create Date: 2026-11-30 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d4e7c2b618'
down_revision = 'f20a7e5c1d93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('item_aggregates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=40), nullable=False),
    sa.Column('item', sa.String(length=100), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_item_aggregates_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['round_id'], ['assessment_rounds.id'], name=op.f('fk_item_aggregates_round_id_assessment_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_aggregates')),
    sa.UniqueConstraint('round_id', 'organisation_id', 'part', 'item', name=op.f('uq_item_aggregates_round_id_organisation_id_part_item'))
    )
    with op.batch_alter_table('item_aggregates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_aggregates_organisation_id'), ['organisation_id'], unique=False)
    # Filled from the stored item scores of every submitted response (kept copies of reopened ones
    # included), as ``services.scores.rebuild_aggregates`` does.
    op.execute(
        "INSERT INTO item_aggregates (round_id, organisation_id, part, item, n, total) "
        "SELECT r.round_id, r.organisation_id, r.part, a.question_key, COUNT(a.score), SUM(a.score) "
        "FROM answers a JOIN responses r ON r.id = a.response_id "
        "WHERE r.status = 'submitted' AND a.score IS NOT NULL "
        "GROUP BY r.round_id, r.organisation_id, r.part, a.question_key"
    )


def downgrade():
    with op.batch_alter_table('item_aggregates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_aggregates_organisation_id'))
    op.drop_table('item_aggregates')
