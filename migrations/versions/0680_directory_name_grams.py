"""directory name trigrams on both engines

Close spellings of a name were found by SQLite's FTS5 trigram table `directory_names` and by
pg_trgm's word similarity on PostgreSQL, and the two disagreed ("garcai" found ten people on
one engine and none on the other). Both engines now count shared trigrams in
`directory_name_gram` with the same statement. The table is filled from the listings already
there before row-level security is turned on for it (the owner writes every department's rows
once); the two engine-specific indexes go.

Revision ID: 0680_name_grams
Revises: 0620_professionals
Create Date: 2026-12-06 03:10:00

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

from wnwa.tenants.rls import disable_tenant_rls, enable_tenant_rls

# revision identifiers, used by Alembic.
revision = '0680_name_grams'
down_revision = '0620_professionals'
branch_labels = None
depends_on = None

NAMES_TABLE = "CREATE VIRTUAL TABLE directory_names USING fts5(name, tokenize = 'trigram')"


def _grams(name):
    """The listing-name trigrams as this revision wrote them (readmodel.name_grams)."""
    decomposed = unicodedata.normalize('NFKD', name)
    folded = ''.join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    found = set()
    for word in re.findall(r'[^\W_]+', folded):
        padded = f'  {word} '
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return sorted(found)


def upgrade():
    bind = op.get_bind()
    op.create_table('directory_name_gram',
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('gram', sa.String(length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_directory_name_gram_department_id_department'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['directory_entry.id'], name=op.f('fk_directory_name_gram_entry_id_directory_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'gram', name=op.f('pk_directory_name_gram'))
    )
    with op.batch_alter_table('directory_name_gram', schema=None) as batch_op:
        batch_op.create_index('ix_directory_name_gram_gram', ['gram', 'entry_id'], unique=False)

    grams = sa.table(
        'directory_name_gram', sa.column('entry_id'), sa.column('gram'), sa.column('department_id')
    )
    entries = bind.execute(
        sa.text('SELECT id, department_id, display_name FROM directory_entry')
    ).all()
    rows = [
        {'entry_id': entry_id, 'department_id': department_id, 'gram': gram}
        for entry_id, department_id, name in entries
        for gram in _grams(name)
    ]
    for start in range(0, len(rows), 5000):
        op.bulk_insert(grams, rows[start : start + 5000])
    enable_tenant_rls(op, 'directory_name_gram')

    op.execute('DROP INDEX IF EXISTS ix_directory_entry_name_trgm')
    if bind.dialect.name == 'sqlite':
        op.execute('DROP TABLE IF EXISTS directory_names')


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(
            'CREATE INDEX ix_directory_entry_name_trgm ON directory_entry '
            'USING gin (display_name gin_trgm_ops)'
        )
    else:
        op.execute('CREATE INDEX ix_directory_entry_name_trgm ON directory_entry (display_name)')
        op.execute(NAMES_TABLE)
        op.execute(
            'INSERT INTO directory_names (rowid, name) SELECT id, lower(display_name) '
            'FROM directory_entry'
        )
    disable_tenant_rls(op, 'directory_name_gram')
    with op.batch_alter_table('directory_name_gram', schema=None) as batch_op:
        batch_op.drop_index('ix_directory_name_gram_gram')
    op.drop_table('directory_name_gram')
