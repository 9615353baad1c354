"""professional search: the distance index covers the re-confirmation date

A ZIP-radius search reads every listing in the latitude band and keeps those in the box whose
re-confirmation is recent enough; with `confirmed_at` in the index that is an index-only scan
instead of a row lookup per listing in the box.

Revision ID: 0690_professional_geo
Revises: 0680_name_grams
Create Date: 2026-12-06 07:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0690_professional_geo"
down_revision = "0680_name_grams"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("professional", schema=None) as batch_op:
        batch_op.drop_index("ix_professional_search_geo")
        batch_op.create_index(
            "ix_professional_search_geo", ["status", "lat", "lon", "confirmed_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("professional", schema=None) as batch_op:
        batch_op.drop_index("ix_professional_search_geo")
        batch_op.create_index("ix_professional_search_geo", ["status", "lat", "lon"], unique=False)
