"""docs/SCALE.md classifies every model table for a Citus cluster, and its "blocks today" column
names exactly what in the schema stands in the way (so it changes when the schema does).

Classes: `distributed` (sharded by department_id), `reference` (a copy on every node),
`coordinator` (a local table on the coordinator only).
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint

from wnwa.extensions import db

DOC = Path(__file__).resolve().parents[2] / "docs" / "SCALE.md"
ROW = re.compile(r"^\|\s*`(?P<table>[a-z_0-9]+)`\s*\|\s*(?P<kind>\w+)\s*\|(?P<rest>.*)\|\s*$")
KINDS = {"distributed", "reference", "coordinator"}


def classified() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        match = ROW.match(line)
        if match and match["kind"] in KINDS:
            assert match["table"] not in rows, f"{match['table']} is classified twice"
            blocks = match["rest"].split("|")[-1].strip()
            rows[match["table"]] = (match["kind"], blocks)
    return rows


def _cols(columns) -> str:
    return ", ".join(c.name for c in columns)


def blockers(table, kinds: dict[str, str]) -> list[str]:
    """What keeps this table from its class in a Citus cluster, as `kind(columns)` tokens."""
    found = []
    kind = kinds[table.name]
    if kind == "distributed":
        if "department_id" not in table.c:
            return ["no department_id"]
        if table.c.department_id.nullable:
            found.append("nullable department_id")
        unique = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
        unique += [i for i in table.indexes if i.unique]
        for constraint in [table.primary_key, *unique]:
            names = {c.name for c in constraint.columns}
            if "department_id" not in names:
                label = "pk" if isinstance(constraint, PrimaryKeyConstraint) else "unique"
                found.append(f"{label}({_cols(constraint.columns)})")
    for fk in table.constraints:
        if not isinstance(fk, ForeignKeyConstraint):
            continue
        target = fk.referred_table.name
        local = {c.name for c in fk.columns}
        if kinds.get(target) == "distributed" and (
            kind != "distributed" or "department_id" not in local
        ):
            found.append(f"fk({_cols(fk.columns)} -> {target})")
        if kinds.get(target) == "coordinator" and kind != "coordinator":
            found.append(f"fk({_cols(fk.columns)} -> {target})")
    return found


def test_every_model_table_is_classified_once(app):
    tables = set(db.metadata.tables)
    doc = classified()
    missing = sorted(tables - set(doc))
    extra = sorted(set(doc) - tables)
    assert not missing, f"classify these tables in docs/SCALE.md: {missing}"
    assert not extra, f"docs/SCALE.md lists tables that no longer exist: {extra}"


def test_distributed_tables_carry_the_department(app):
    for name, (kind, _) in classified().items():
        if kind == "distributed" and name in db.metadata.tables:
            assert "department_id" in db.metadata.tables[name].c, name


def test_blockers_are_written_down(app):
    doc = classified()
    kinds = {table: kind for table, (kind, _) in doc.items()}
    problems = []
    for name, table in sorted(db.metadata.tables.items()):
        if name not in doc:
            continue  # reported by the classification test
        expected = blockers(table, kinds)
        written = doc[name][1]
        if not expected and not written.startswith("none"):
            problems.append(f"{name}: nothing blocks it now; the doc says {written!r}")
        problems += [
            f"{name}: docs/SCALE.md should name `{token}`"
            for token in expected
            if f"`{token}`" not in written
        ]
        problems += [
            f"{name}: docs/SCALE.md names `{token}`, which no longer blocks it"
            for token in re.findall(r"`([^`]+)`", written)
            if token not in expected
        ]
    assert not problems, "\n".join(problems)
