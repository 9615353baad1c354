"""Builders for directory tests: certified supporters with profiles, in any department."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine

from tests import factories
from wnwa.directory.models import SupporterProfile
from wnwa.extensions import db
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context
from wnwa.training.certification import add_certification

CERTIFIED_ON = date(2024, 3, 1)
PHONES = iter(range(1000, 10000))


def make_supporter(
    dept,
    *,
    first_name: str = "Sam",
    last_name: str | None = None,
    display_name: str | None = None,
    certified: bool = True,
    renews_on: date | None = None,
    listed: bool = True,
    topics: str = "grief",
    assignments: str = "patrol",
    languages: str = "en",
    gender: str = "",
    career: str = "active",
    bio: str = "",
    contact_email: str = "",
    accepts_texts: bool = False,
    sworn: bool = True,
) -> User:
    """A member of `dept` with (optionally) a certification and a directory profile."""
    user = factories.officer(dept, first_name=first_name, last_name=last_name, sworn=sworn)
    with tenant_context(dept.id):
        member = db.session.scalars(select(User).where(User.id == user.id)).one()
        if certified:
            add_certification(
                member,
                source="manual",
                course="Peer support",
                on=CERTIFIED_ON,
                renews_on=renews_on,
                actor="tests",
            )
        db.session.add(
            SupporterProfile(
                user_id=member.id,
                listed=listed,
                display_name=display_name or f"{first_name} {member.last_name}",
                phone=f"+1312555{next(PHONES):04d}",
                accepts_texts=accepts_texts,
                contact_email=contact_email,
                years_of_service=12,
                assignments=assignments,
                topics=topics,
                languages=languages,
                gender=gender,
                career=career,
                bio=bio,
            )
        )
        db.session.commit()
    return fresh(user)


@pytest.fixture
def supporter(make):
    return make_supporter


@pytest.fixture
def statements(app):
    """SQL text of every statement executed while the fixture is in use."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def fresh(user: User) -> User:
    """The account as stored now (objects made earlier may have been expired by later commits)."""
    user_id = sa_inspect(user).identity[0]
    loaded = db.session.scalars(
        select(User).where(User.id == user_id).execution_options(unscoped=True)
    ).one()
    db.session.expunge(loaded)  # a detached copy: later commits cannot expire it
    return loaded
