"""round data version (keys caches across processes) and running reliability sums

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
        batch_op.add_column(sa.Column('reliability_sums', sa.Boolean(), server_default=sa.true(), nullable=False))
    # Rounds that already have submissions have no sums yet: read from stored scores until a rebuild.
    op.execute(
        "UPDATE assessment_rounds SET reliability_sums = false WHERE id IN "
        "(SELECT round_id FROM responses WHERE status = 'submitted')"
    )
    op.create_table('reliability_aggregates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=40), nullable=False),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('item', sa.String(length=100), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.Double(), nullable=False),
    sa.Column('total_squares', sa.Double(), nullable=False),
    sa.Column('total_cross', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['assessment_rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'part', 'dimension', 'item')
    )
    with op.batch_alter_table('reliability_aggregates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reliability_aggregates_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reliability_aggregates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reliability_aggregates_round_id'))
    op.drop_table('reliability_aggregates')
    with op.batch_alter_table('assessment_rounds', schema=None) as batch_op:
        batch_op.drop_column('reliability_sums')
        batch_op.drop_column('data_version')
