"""Admins acting on one request at the same moment: the request row is locked (PostgreSQL:
SELECT ... FOR UPDATE; SQLite: writers take turns), so exactly one decision is taken and
emailed. Real threads, each with its own connection and committed transactions; everything
committed is removed after."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, select

from tests.superuser import purge_audit, real_transactions
from wnwa.errors import DomainError
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.site import facts, requests
from wnwa.site.models import MEMBER_LIST, NEW, SiteRequest

ADMINS = 4
EMAIL = "race@county.example"


@pytest.fixture
def committed(app):
    """Swap the test's rolled-back connection for a real engine; clean up what was committed."""
    with real_transactions(app, pool_size=ADMINS + 2):
        try:
            yield
        finally:
            db.session.remove()
            purge_audit(db.engine.url, subject_like="Member agencies list request %")
            db.session.execute(delete(MailJob).where(MailJob.to == EMAIL))
            db.session.execute(delete(SiteRequest).where(SiteRequest.email == EMAIL))
            db.session.commit()


def test_admins_deciding_at_once_take_one_decision(app, committed, monkeypatch):
    with app.app_context():
        request = SiteRequest(kind=MEMBER_LIST, status=NEW, name="Race", email=EMAIL)
        db.session.add(request)
        db.session.commit()
        request_id = request.id

    agencies = facts.member_agencies

    def slow_agencies():  # widen the window between the status check and the commit
        time.sleep(0.3)
        return agencies()

    monkeypatch.setattr(facts, "member_agencies", slow_agencies)
    actions = [
        lambda: requests.approve_member_list(request_id, note="", actor="admin a"),
        lambda: requests.approve_member_list(request_id, note="", actor="admin b"),
        lambda: requests.decline_member_list(request_id, message="", actor="admin c"),
        lambda: requests.close(request_id, actor="admin d"),
    ]
    barrier = threading.Barrier(ADMINS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def act(action) -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                result = action().status
            except DomainError:
                result = "refused"
            except Exception as exc:  # reported, so the assertion below shows it
                result = type(exc).__name__
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=act, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    decided = [o for o in outcomes if o != "refused"]
    assert len(outcomes) == ADMINS and len(decided) == 1, outcomes
    with app.app_context():
        stored = db.session.scalars(select(SiteRequest.status).where(SiteRequest.id == request_id))
        assert list(stored) == decided
        mailed = db.session.scalars(select(MailJob.id).where(MailJob.to == EMAIL)).all()
        assert len(mailed) == (0 if decided == ["closed"] else 1)
