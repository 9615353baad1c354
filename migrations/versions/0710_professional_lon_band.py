"""professional search: the distance index reads longitude bands

A ZIP-radius search read every listing in the box's latitude band, coast to coast, and kept
those inside the box: about 3,700 index entries for a 100-mile search around Chicago at US
scale, to find about 500. `lon_band` is the whole degree of longitude a listing lies in
(wnwa.professionals.geo.lon_band); with it second in the index, a search reads the latitude
range of only the few bands its box crosses.

SQLite chooses among indexes from `sqlite_stat1`, and without figures it may walk the whole
directory in name order to avoid sorting a licence state's few listings. Until ANALYZE measures
the real ones (which replace these), `sqlite_stat1` says what the directory is like at US
scale: one listing per band and latitude, a search tag shared by a few thousand listings, a
dozen tags per listing (https://sqlite.org/optoverview.html, "Manual Control Of Query Plans
Using SQLITE_STAT Tables").

Revision ID: 0710_professional_lon_band
Revises: 0700_roster_name_keys
Create Date: 2026-12-06 20:30:00

"""

import math

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0710_professional_lon_band"
down_revision = "0700_roster_name_keys"
branch_labels = None
depends_on = None


# sqlite_stat1 guesses: rows in the table, then the rows that share a value of the index's
# first column, of its first two columns, and so on.
GUESSES = {
    "professional": {
        "ix_professional_search_geo": "15000 15000 170 2 1 1 1",
        "ix_professional_search_name": "15000 15000 2 1",
    },
    "professional_tag": {
        "ix_professional_tag_tag": "190000 2000 1",
        "sqlite_autoindex_professional_tag_1": "190000 13 1",
    },
}


def _sqlite_statistics(connection) -> None:
    connection.exec_driver_sql("ANALYZE sqlite_schema")  # creates sqlite_stat1 if missing
    for table, guesses in GUESSES.items():
        measured = connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_stat1 WHERE tbl = ?", (table,)
        ).scalar()
        if measured:
            connection.exec_driver_sql(f"ANALYZE {table}")
            continue
        for name, stat in guesses.items():
            connection.exec_driver_sql(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", (table, name, stat)
            )
    connection.exec_driver_sql("ANALYZE sqlite_schema")  # load them


def upgrade():
    # NOT NULL from the start, with a default of 0 for the rows already there (filled in just
    # below): SQLite could only make an existing column NOT NULL by copying the table, and
    # dropping the old copy would cascade to the votes, documents and tags that refer to it.
    op.add_column(
        "professional",
        sa.Column("lon_band", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, lon FROM professional")).all()
    if rows:
        connection.execute(
            sa.text("UPDATE professional SET lon_band = :band WHERE id = :id"),
            [{"id": pid, "band": math.floor(lon)} for pid, lon in rows],
        )
    if connection.dialect.name == "postgresql":
        # a row written without its band must fail, not hide from every distance search
        op.alter_column("professional", "lon_band", server_default=None)
    op.drop_index("ix_professional_search_geo", table_name="professional")
    op.create_index(
        "ix_professional_search_geo",
        "professional",
        ["status", "lon_band", "lat", "lon", "confirmed_at", "id"],
        unique=False,
    )
    if connection.dialect.name == "sqlite":
        _sqlite_statistics(connection)


def downgrade():
    op.drop_index("ix_professional_search_geo", table_name="professional")
    op.create_index(
        "ix_professional_search_geo",
        "professional",
        ["status", "lat", "lon", "confirmed_at"],
        unique=False,
    )
    op.drop_column("professional", "lon_band")  # in place on both engines (SQLite 3.35+)
