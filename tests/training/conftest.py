"""Builders for the training and quota tests: classes, seats, certified and listed supporters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, select

from wnwa.directory.services import ProfileInput, save_profile
from wnwa.extensions import db
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context
from wnwa.training import classes, seats
from wnwa.training.certification import add_certification
from wnwa.training.classes import ClassInput
from wnwa.training.models import Seat, TrainingClass


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1)


def class_input(
    days: list[date],
    *,
    title: str = "3-day teammate course",
    location: str = "Naperville Police Training Center",
    capacity: int | None = 20,
    seats_per_department: int | None = None,
    price_cents: int | None = 45000,
    hours: int | None = 24,
    deadline: date | None = None,
) -> ClassInput:
    return ClassInput(
        title=title,
        location=location,
        days=list(days),
        capacity=capacity,
        seats_per_department=seats_per_department,
        price_cents=price_cents,
        hours=hours,
        registration_deadline=deadline if deadline is not None else days[0] - timedelta(days=7),
    )


class Training:
    """Test helper: every call commits (a savepoint inside the test's transaction)."""

    def __init__(self, make) -> None:
        self.make = make
        self._admin = None

    @property
    def admin(self):
        if self._admin is None:
            self._admin = self.make.staff("network_admin")
        return self._admin

    def new_class(
        self, start: date, *, n_days: int = 3, on: date | None = None, **kwargs
    ) -> TrainingClass:
        days = [start + timedelta(days=i) for i in range(n_days)]
        bind_none()
        return classes.create_class(
            class_input(days, **kwargs), actor=self.admin, on=on or start - timedelta(days=30)
        )

    def certify(self, user: User, on: date, *, renews_on: date | None = None, course="Class"):
        attach(user)
        with tenant_context(user.department_id):
            member = reload(user)
            cert = add_certification(
                member, source="class", course=course, on=on, renews_on=renews_on, actor="test"
            )
            db.session.commit()
            cert_id = cert.id
        attach(user)
        return cert_id

    def list_supporter(self, user: User, on: date) -> None:
        attach(user)
        with tenant_context(user.department_id):
            save_profile(
                reload(user),
                ProfileInput(display_name=user.display_name, phone="312-555-0142"),
                today=on,
            )
        attach(user)

    def supporter(self, dept: Department, on: date, **kwargs) -> User:
        """An officer who is certified and listed (counts toward the quota if sworn, active)."""
        user = self.make.officer(dept, **kwargs)
        attach(user)
        self.certify(user, on - timedelta(days=30))
        self.list_supporter(user, on)
        return user

    def reserve(self, dept: Department, cls_id: int, user: User, on: date) -> int:
        attach(user)
        with tenant_context(dept.id):
            seat = seats.reserve_seat(
                dept, class_id=cls_id, officer=user.employee_number, actor="chief", on=on
            )
            seat_id = seat.id
        attach(user)
        return seat_id

    def seat_status(self, seat_id: int) -> str:
        return db.session.scalar(
            select(Seat.status).where(Seat.id == seat_id).execution_options(unscoped=True)
        )


def attach(*objs) -> None:
    """Put objects that `tenant_context` expunged back in the session, so their expired
    attributes can load again (a column load by primary key)."""
    for obj in objs:
        if inspect(obj).detached:
            db.session.add(obj)
        db.session.refresh(obj)  # loaded again: `tenant_context` keeps loaded rows of its tenant


def reload(user: User) -> User:
    return db.session.scalars(select(User).where(User.id == user.id)).one()


def bind_none() -> None:
    from wnwa.tenants.scoping import bind_tenant

    bind_tenant(None)


@pytest.fixture
def tr(make) -> Training:
    return Training(make)


@pytest.fixture
def login(login):
    """The shared sign-in, for accounts that `tenant_context` may have detached meanwhile."""

    def _login(account, *args, **kwargs):
        if isinstance(account, User):
            attach(account)
        return login(account, *args, **kwargs)

    return _login
