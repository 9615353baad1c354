"""Concurrent reservations never exceed a class's capacity: real threads, each with its own
connection and committed transactions (PostgreSQL: the class row is locked FOR UPDATE; SQLite:
writers serialize and a stale snapshot is retried). Everything committed is removed after."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from tests import factories
from tests.superuser import purge_audit, real_transactions
from wnwa.errors import DomainError
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import bind_tenant, tenant_context
from wnwa.training import seats
from wnwa.training.models import Certification, ExternalCertificate, Seat, TrainingClass

START = date(2026, 9, 14)
ON = date(2026, 8, 1)
CAPACITY = 3
THREADS = 8


@pytest.fixture
def committed(app):
    """Swap the test's rolled-back connection for a real engine; clean up what was committed."""
    made: dict[str, list[int]] = {"departments": [], "classes": [], "staff": []}
    with real_transactions(app, pool_size=THREADS + 2):
        try:
            yield made
        finally:
            db.session.remove()
            _cleanup(made)


def _cleanup(made: dict[str, list[int]]) -> None:
    from wnwa.auth.models import StaffAccount
    from wnwa.training.models import ClassDay

    for dept_id in made["departments"]:
        with tenant_context(dept_id):
            for model in (Seat, Certification, ExternalCertificate, User):
                db.session.execute(delete(model))
            db.session.commit()
    purge_audit(db.engine.url, made["departments"], subject_like="class %")
    db.session.execute(delete(MailJob))
    db.session.execute(delete(ClassDay).where(ClassDay.class_id.in_(made["classes"])))
    db.session.execute(delete(TrainingClass).where(TrainingClass.id.in_(made["classes"])))
    db.session.execute(delete(Department).where(Department.id.in_(made["departments"])))
    db.session.execute(delete(StaffAccount).where(StaffAccount.id.in_(made["staff"])))
    db.session.commit()


def test_concurrent_reservations_never_exceed_capacity(app, committed):
    from tests.training.conftest import class_input
    from wnwa.training import classes

    with app.app_context():
        depts = [factories.department(sworn=50) for _ in range(2)]
        committed["departments"] += [d.id for d in depts]
        admin = factories.staff("network_admin")
        committed["staff"].append(admin.id)
        days = [START + timedelta(days=i) for i in range(3)]
        cls = classes.create_class(class_input(days, capacity=CAPACITY), actor=admin, on=ON)
        committed["classes"].append(cls.id)
        people = []
        for n in range(THREADS):
            dept = depts[n % 2]
            people.append((dept.id, factories.officer(dept).employee_number))
        class_id = cls.id

    def reserve(number: str):
        def action(department) -> str:
            return seats.reserve_seat(
                department, class_id=class_id, officer=number, actor="chief", on=ON
            ).status

        return action

    outcomes = _at_once(app, [(dept_id, reserve(number)) for dept_id, number in people])

    assert sorted(outcomes) == ["reserved"] * CAPACITY + ["waitlisted"] * (THREADS - CAPACITY)
    with app.app_context():
        stored = []
        for dept_id in committed["departments"]:
            with tenant_context(dept_id):
                stored += db.session.scalars(
                    select(Seat.status).where(Seat.class_id == class_id)
                ).all()
        assert stored.count("reserved") == CAPACITY
        assert stored.count("waitlisted") == THREADS - CAPACITY


def _class_with_a_request(committed, capacity: int = 1) -> tuple[int, int, int, int]:
    """A class, and one officer's request in it: (department, class, seat, officer) ids."""
    from tests.training.conftest import class_input
    from wnwa.training import classes

    dept = factories.department(sworn=50)
    committed["departments"].append(dept.id)
    admin = factories.staff("network_admin")
    committed["staff"].append(admin.id)
    days = [START + timedelta(days=i) for i in range(3)]
    cls = classes.create_class(class_input(days, capacity=capacity), actor=admin, on=ON)
    committed["classes"].append(cls.id)
    officer = factories.officer(dept)
    bind_tenant(dept.id)
    member = db.session.scalars(select(User).where(User.id == officer.id)).one()
    seat = seats.request_seat(member, class_id=cls.id, on=ON)
    ids = (dept.id, cls.id, seat.id, officer.id)
    db.session.remove()
    return ids


def _at_once(app, actions) -> list[str]:
    """Run each (department id, action) in its own thread and transaction, the department
    bound and given to the action, all released together; each outcome, or the refusal."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(dept_id: int, action) -> None:
        with app.app_context():
            bind_tenant(dept_id)
            department = db.session.scalars(
                select(Department).where(Department.id == dept_id)
            ).one()
            barrier.wait(timeout=30)
            try:
                outcomes.append(action(department))
            except DomainError as exc:
                outcomes.append(f"error: {exc.message}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.parametrize("second", ["approve", "decline"])
def test_two_answers_to_one_request_at_once_take_turns(app, committed, second):
    """A double click, or two chiefs: one answer wins, the other is told it was handled, and
    the officer hears once."""
    with app.app_context():
        dept_id, _, seat_id, _ = _class_with_a_request(committed)

    def approve(department):
        return seats.approve_request(department, seat_id, actor="chief", on=ON).status

    def decline(department):
        return seats.decline_request(department, seat_id, actor="chief").status

    outcomes = _at_once(
        app, [(dept_id, approve), (dept_id, approve if second == "approve" else decline)]
    )
    assert sorted(o.startswith("error") for o in outcomes) == [False, True], outcomes
    assert "error: That request was already handled." in outcomes
    with app.app_context():
        with tenant_context(dept_id):
            status = db.session.scalars(select(Seat.status).where(Seat.id == seat_id)).one()
        templates = [m.template for m in db.session.scalars(select(MailJob))]
    assert status in ("reserved", "declined") and status in outcomes
    told = [t for t in templates if t.startswith("seat_")]
    assert len(told) == 1, templates


def test_a_double_submitted_seat_request_is_kept_once(app, committed):
    with app.app_context():
        dept_id, class_id, seat_id, officer_id = _class_with_a_request(committed, capacity=5)
        with tenant_context(dept_id):
            db.session.execute(delete(Seat).where(Seat.id == seat_id))  # start from no request
            db.session.commit()

    def ask(department):
        member = db.session.scalars(select(User).where(User.id == officer_id)).one()
        return seats.request_seat(member, class_id=class_id, on=ON).status

    outcomes = _at_once(app, [(dept_id, ask), (dept_id, ask)])
    assert sorted(outcomes) == [
        "error: You already have a seat or a request in this class (requested).",
        "requested",
    ], outcomes
    with app.app_context(), tenant_context(dept_id):
        assert len(db.session.scalars(select(Seat).where(Seat.class_id == class_id)).all()) == 1


@pytest.mark.parametrize("second", ["accept", "decline"])
def test_two_decisions_on_one_external_certificate_take_turns(app, committed, second):
    """Two network admins deciding the same submission at once: one decision, one officer
    certified at most, one email."""
    import io

    from wnwa.training import external

    with app.app_context():
        dept = factories.department(sworn=50)
        committed["departments"].append(dept.id)
        admin = factories.staff("network_admin")
        committed["staff"].append(admin.id)
        officer = factories.officer(dept)
        bind_tenant(dept.id)
        submission = external.ExternalInput(
            officer=officer.employee_number,
            provider="Illinois Law Enforcement Peer Support",
            course="Peer support basic",
            started_on=ON - timedelta(days=40),
            ended_on=ON - timedelta(days=38),
            hours=24,
        )
        cert_id = external.submit_external(
            dept, submission, io.BytesIO(b"%PDF-1.7\n%%EOF\n"), actor="chief", on=ON
        ).id
        dept_id, admin_id = dept.id, admin.id
        db.session.remove()

    def accept(_department):
        return external.accept_external(cert_id, actor=f"staff {admin_id}", on=ON).status

    def decline(_department):
        return external.decline_external(
            cert_id, reason="Too few hours.", actor=f"staff {admin_id}", on=ON
        ).status

    outcomes = _at_once(
        app, [(dept_id, accept), (dept_id, accept if second == "accept" else decline)]
    )
    assert sorted(o.startswith("error") for o in outcomes) == [False, True], outcomes
    with app.app_context():
        with tenant_context(dept_id):
            certifications = db.session.scalars(select(Certification)).all()
        templates = [m.template for m in db.session.scalars(select(MailJob))]
    assert len(certifications) == (1 if "accepted" in outcomes else 0)
    assert templates.count("external_accepted") == outcomes.count("accepted")
