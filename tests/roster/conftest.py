"""Builders for roster tests: CSV files, signed-in chiefs, table dumps."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import pytest
from sqlalchemy import select

from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.roster.roster import TEMPLATE_HEADERS
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context

HEADER = list(TEMPLATE_HEADERS)


def person(n: int, **overrides) -> dict[str, str]:
    values = {
        "employee_number": f"B{n:05d}",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "email": f"officer{n}@pd.example.gov",
        "rank": "Officer",
        "sworn": "Sworn",
    }
    values.update({k: str(v) for k, v in overrides.items()})
    return values


FIELDS = ("employee_number", "first_name", "last_name", "email", "rank", "sworn")


def roster_csv(
    people: Iterable[dict[str, str]], *, header: list[str] | None = None, bom: bool = False
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header or HEADER)
    for p in people:
        writer.writerow([p[f] for f in FIELDS])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def people_of(dept) -> list[dict]:
    """Everyone in the department, as plain dicts ordered by employee number."""
    with tenant_context(dept.id):
        users = db.session.scalars(
            select(User).order_by(User.employee_number).execution_options(populate_existing=True)
        ).all()
        return [{c: getattr(u, c) for c in (*FIELDS, "id", "active", "is_chief")} for u in users]


def mail_to(address: str) -> list[MailJob]:
    return list(db.session.scalars(select(MailJob).where(MailJob.to == address)))


@pytest.fixture
def chief_client(client, make, login):
    """A department, its chief, and the test client signed in as that chief."""
    dept = make.department(sworn=20)
    chief = make.officer(dept, chief=True, first_name="Casey", last_name="Chief")
    login(chief)
    return client, dept, chief


def fetch(dept, user_id: int) -> User:
    """One person of the department, read afresh from the database."""
    with tenant_context(dept.id):
        return db.session.scalars(
            select(User).where(User.id == user_id).execution_options(populate_existing=True)
        ).one()
