"""join the capability branches

Revision ID: 0500
Revises: 0101, 0201, 0301, 0401
Create Date: 2026-11-26 18:03:58.289524

"""
from alembic import op
import sqlalchemy as sa

import wnwa.dbtypes
from wnwa.tenants.rls import disable_tenant_rls, enable_tenant_rls


# revision identifiers, used by Alembic.
revision = '0500'
down_revision = ('0101', '0201', '0301', '0401')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
