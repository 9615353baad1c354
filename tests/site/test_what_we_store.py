"""The privacy page's "What we store" is generated from the models: it lists exactly the
columns of the tables that hold anything about an officer, each with why we keep it. The rules
are read from the models here too; nothing is listed by hand."""

from __future__ import annotations

import re
from html import unescape

from wnwa.extensions import db
from wnwa.site.services import officer_tables

OFFICER_TABLE = "user_account"


def _points_at_an_officer(table) -> bool:
    return any(
        fk.column.table.name == OFFICER_TABLE for col in table.columns for fk in col.foreign_keys
    )


def test_every_table_that_points_at_an_officer_says_so(app):
    with app.app_context():
        marked = {m.local_table.name for m in officer_tables()}
        pointing = {t.name for t in db.metadata.sorted_tables if _points_at_an_officer(t)}
    assert pointing <= marked, f"mark these models with __officer_data__: {pointing - marked}"
    # the account itself, the admin audit trail and the mail queue hold officer data too
    assert {OFFICER_TABLE, "audit_entry", "mail_job"} <= marked


def test_every_column_of_an_officer_table_says_what_it_is(app):
    with app.app_context():
        for mapper in officer_tables():
            for column in mapper.local_table.columns:
                assert (column.doc or "").strip(), f"{mapper.local_table.name}.{column.name}"


def test_the_page_lists_exactly_the_officer_columns_of_the_schema(app, client):
    with app.app_context():
        expected = {
            (m.local_table.name, c.name, c.doc)
            for m in officer_tables()
            for c in m.local_table.columns
        }
    html = client.get("/privacy").get_data(as_text=True)
    listed = set()
    for table, body in re.findall(r'<table data-table="([a-z_]+)">(.*?)</table>', html, re.S):
        for name, about in re.findall(
            r"<tr><td><code>([a-z_]+)</code></td><td>(.*?)</td></tr>", body
        ):
            listed.add((table, name, unescape(about)))
    assert listed == expected


def test_the_page_explains_the_audit_trail_and_officer_initiated_records(client):
    text = " ".join(client.get("/privacy").get_data(as_text=True).split())
    assert "audit_entry" in text and "as little as an auditor needs" in text
    for record in ("A seat request", "Your availability", "A certificate from outside training"):
        assert record in text


def test_a_roster_import_audits_counts_not_everyone_it_touched(ctx, make):
    from sqlalchemy import select

    from wnwa.audit import AuditEntry
    from wnwa.roster.provisioning import import_roster
    from wnwa.tenants.scoping import tenant_context

    dept = make.department()
    chief = make.officer(dept, chief=True)
    csv = (
        b"employee_number,first_name,last_name,email,rank,sworn\n"
        b"A-7001,Kim,Baker,kim.baker@dept.example,Officer,sworn\n"
        b"A-7002,Lee,Chan,lee.chan@dept.example,Sergeant,sworn\n"
    )
    with tenant_context(dept.id):
        import_roster(dept, csv, full_sync=False, actor=chief)
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "roster.import")
        ).one()
    assert entry.details["added"] == 2
    assert "A-7001" not in str(entry.details) and "A-7002" not in str(entry.details)
    assert set(entry.details) >= {"fields_changed", "departed_numbers"}
