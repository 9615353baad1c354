"""Two imports for one department, on two real connections with real commits: the department
row lock makes the second wait for the first instead of interleaving."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from config import TestingConfig
from tests.roster.conftest import person, roster_csv
from tests.superuser import purge_audit
from wnwa import create_app
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.roster import provisioning
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context
from wnwa.tenants.services import create_department

PEOPLE = 200


@pytest.fixture
def own_app(app, tmp_path) -> Iterator:
    """An app with its own engine on the test database: commits are real, so clean up."""
    other = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        },
    )
    with other.app_context():
        department = create_department(
            name=f"Concurrency PD {time.time_ns()}", county="Cook", state="IL", sworn=PEOPLE
        )
        other.config["TEST_DEPARTMENT_ID"] = department.id
    try:
        yield other
    finally:
        with other.app_context():
            dept_id = other.config["TEST_DEPARTMENT_ID"]
            with tenant_context(dept_id):
                emails = list(db.session.scalars(select(User.email)))
                db.session.execute(delete(MailJob).where(MailJob.to.in_(emails)))
                purge_audit(db.engine.url, [dept_id])
                db.session.execute(delete(User).execution_options(synchronize_session=False))
                db.session.commit()
            db.session.execute(delete(Department).where(Department.id == dept_id))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


def _run_two_imports(own_app, monkeypatch) -> tuple[dict, dict, bool]:
    dept_id = own_app.config["TEST_DEPARTMENT_ID"]
    data = roster_csv([person(n) for n in range(1, PEOPLE + 1)])
    planned, release = threading.Event(), threading.Event()
    original = provisioning.plan_roster

    def slow_plan(*args, **kwargs):
        plan = original(*args, **kwargs)
        if threading.current_thread().name == "first":
            planned.set()
            release.wait(10)
        return plan

    monkeypatch.setattr(provisioning, "plan_roster", slow_plan)
    results: dict = {}
    errors: dict = {}

    def run(name: str) -> None:
        with own_app.app_context():
            try:
                department = db.session.get(Department, dept_id)
                with tenant_context(dept_id):
                    results[name] = provisioning.import_roster(
                        department, data, full_sync=False, actor=name
                    )
            except Exception as exc:  # reported to the test below
                errors[name] = exc
            finally:
                db.session.remove()

    first = threading.Thread(target=run, args=("first",), name="first")
    second = threading.Thread(target=run, args=("second",), name="second")
    first.start()
    assert planned.wait(10)
    second.start()
    time.sleep(0.6)
    second_waited = second.is_alive() and "second" not in results and "second" not in errors
    release.set()
    first.join(20)
    second.join(20)
    return results, errors, second_waited


def test_concurrent_imports_run_one_after_the_other(own_app, monkeypatch):
    results, errors, second_waited = _run_two_imports(own_app, monkeypatch)
    assert errors == {}
    assert second_waited, "the second import did not wait for the department lock"
    assert (results["first"].added, results["first"].unchanged) == (PEOPLE, 0)
    assert (results["second"].added, results["second"].unchanged) == (0, PEOPLE)
    with own_app.app_context(), tenant_context(own_app.config["TEST_DEPARTMENT_ID"]):
        assert len(db.session.scalars(select(User.id)).all()) == PEOPLE
        emails = db.session.scalars(select(User.email)).all()
        assert (
            len(db.session.scalars(select(MailJob.id).where(MailJob.to.in_(emails))).all())
            == PEOPLE
        )


def test_without_the_lock_the_imports_would_collide(own_app, monkeypatch):
    """The control: with the lock removed the second import plans on stale data and fails."""
    monkeypatch.setattr(provisioning, "lock_department", lambda department_id: None)
    results, errors, second_waited = _run_two_imports(own_app, monkeypatch)
    assert not second_waited
    assert [r.added for r in results.values()] == [PEOPLE]
    assert len(errors) == 1
