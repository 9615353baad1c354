"""roster: name keys the database computes, and the indexes the chief's pages read

`last_key`, `first_key` and `number_key` are generated columns (A-Z lowered, compared bytewise:
wnwa.tenants.names), so every writer (CSV import, SCIM, edits, seeds) keeps them right without
knowing they exist. Four indexes give the roster in name order a page at a time, the counts
of people and sworn officers on it, and a word that starts a last name, a first name or an
employee number.

SQLite can add a generated column only as VIRTUAL (computed when read; the indexes hold the
values); PostgreSQL stores it (STORED, the only kind it has).

SQLite chooses among indexes from `sqlite_stat1`. A database nobody has analysed has no figures,
and SQLite then assumes ten accounts per department: reading the department's accounts by
`ix_user_account_department_id` looks as cheap as the name keys' ranges. Until ANALYZE measures
the real figures (which replace these), `sqlite_stat1` says what the roster is like: about a
thousand people per department, a surname shared by a few dozen, one person per number
(https://sqlite.org/optoverview.html, "Manual Control Of Query Plans Using SQLITE_STAT Tables").

Revision ID: 0700_roster_name_keys
Revises: 0690_professional_geo
Create Date: 2026-12-06 08:00:00

"""

import sqlalchemy as sa
from alembic import op

from wnwa.tenants.names import ascii_lower

# revision identifiers, used by Alembic.
revision = "0700_roster_name_keys"
down_revision = "0690_professional_geo"
branch_labels = None
depends_on = None

KEYS = (
    ("last_key", "last_name", 100),
    ("first_key", "first_name", 100),
    ("number_key", "employee_number", 40),
)
INDEXES = {
    "ix_user_account_roster_name": ["department_id", "last_key", "first_key", "id", "active"],
    "ix_user_account_roster_count": ["department_id", "active", "sworn"],
    "ix_user_account_roster_first": ["department_id", "first_key", "last_key", "id", "active"],
    "ix_user_account_roster_number": ["department_id", "number_key", "id", "active"],
}


# sqlite_stat1 guesses: rows in the table, then the rows that share a value of the index's
# first column, of its first two columns, and so on.
TABLE_ROWS = 100_000
GUESSES = {
    "ix_user_account_roster_name": "1000 20 2 1 1",
    "ix_user_account_roster_count": "1000 950 900",
    "ix_user_account_roster_first": "1000 30 2 1 1",
    "ix_user_account_roster_number": "1000 1 1 1",
}


def _guess(name: str, columns: list[str]) -> str:
    """A sqlite_stat1 `stat` for the index `name` on `columns` of user_account: our own
    indexes as above, any other a thousand people per department and one per value after."""
    if name in GUESSES:
        return f"{TABLE_ROWS} {GUESSES[name]}"
    per = ["1000" if column == "department_id" else "1" for column in columns]
    return " ".join([str(TABLE_ROWS), *per])


def _sqlite_statistics(connection) -> None:
    """Write the guesses for every index of user_account; measure them instead where ANALYZE
    has measured the table before."""
    connection.exec_driver_sql("ANALYZE sqlite_schema")  # creates sqlite_stat1 if missing
    measured = connection.exec_driver_sql(
        "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'user_account'"
    ).scalar()
    if measured:
        connection.exec_driver_sql("ANALYZE user_account")
        return
    for _seq, name, *_ in connection.exec_driver_sql("PRAGMA index_list('user_account')").all():
        columns = [
            row[2] for row in connection.exec_driver_sql(f"PRAGMA index_info('{name}')").all()
        ]
        connection.exec_driver_sql(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('user_account', ?, ?)",
            (name, _guess(name, columns)),
        )
    connection.exec_driver_sql("ANALYZE sqlite_schema")  # load them


def upgrade():
    stored = op.get_bind().dialect.name == "postgresql"
    for name, source, length in KEYS:
        op.add_column(
            "user_account",
            sa.Column(
                name,
                sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql"),
                sa.Computed(ascii_lower(sa.column(source)), persisted=stored),
            ),
        )
    for name, columns in INDEXES.items():
        op.create_index(name, "user_account", columns, unique=False)
    if not stored:
        _sqlite_statistics(op.get_bind())


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="user_account")
    for name, _source, _length in KEYS:
        op.drop_column("user_account", name)
