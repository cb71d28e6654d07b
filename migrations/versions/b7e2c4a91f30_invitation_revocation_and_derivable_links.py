"""invitation revocation and derivable links

Revision ID: b7e2c4a91f30
Revises: e5a1c9d3f702
Create Date: 2026-11-30 05:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c4a91f30'
down_revision = 'e5a1c9d3f702'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_nonce', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('link_nonce')
