"""Two last votes cast at the same moment: real threads, each with its own connection and
committed transaction. The application row is locked before the votes are read (PostgreSQL:
FOR UPDATE; SQLite: the database's write lock), so the second voter sees the first's vote and
decides. Everything committed is removed after."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select

from tests import factories
from tests.professionals.conftest import submit
from tests.superuser import purge_audit, real_transactions
from wnwa.auth.models import StaffAccount
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.professionals import vetting
from wnwa.professionals.models import LISTED, Professional


@pytest.fixture
def committed(app):
    """Swap the test's rolled-back connection for a real engine; clean up what was committed."""
    made: dict[str, list] = {"professionals": [], "staff": [], "emails": []}
    with real_transactions(app, pool_size=4):
        try:
            yield made
        finally:
            db.session.remove()
            for professional_id in made["professionals"]:
                purge_audit(db.engine.url, subject_like=vetting.subject(professional_id))
            db.session.execute(delete(MailJob).where(MailJob.to.in_(made["emails"])))
            db.session.execute(
                delete(Professional).where(Professional.id.in_(made["professionals"]))
            )
            db.session.execute(delete(StaffAccount).where(StaffAccount.id.in_(made["staff"])))
            db.session.commit()


def test_two_last_votes_at_the_same_moment_list_the_application(app, committed, monkeypatch):
    with app.app_context():
        first, second = factories.staff("vetter"), factories.staff("vetter")
        committed["staff"] += [first.id, second.id]
        p = submit()
        committed["professionals"].append(p.id)
        committed["emails"].append(p.email)
        for vetter in (first, second):
            vetting.assign(p.id, vetter.id, actor="tests")
        professional_id, vetter_ids = p.id, (first.id, second.id)

    # Each voter waits here (after writing its vote, before deciding) for the other. Without
    # the lock both get here, each having read the votes before the other's was written; with
    # it the second is held at the lock, so the first goes on alone when the wait times out.
    meeting = threading.Barrier(2)
    decide = vetting._maybe_decide

    def meet_then_decide(*args, **kwargs):
        try:
            meeting.wait(timeout=1.5)
        except threading.BrokenBarrierError:
            pass
        return decide(*args, **kwargs)

    monkeypatch.setattr(vetting, "_maybe_decide", meet_then_decide)
    errors: list[str] = []

    def cast(vetter_id: int) -> None:
        with app.app_context():
            try:
                actor = db.session.get(StaffAccount, vetter_id)
                db.session.commit()  # the vote starts a transaction of its own
                vetting.vote(professional_id, choice="approve", reason="", actor=actor)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cast, args=(v,)) for v in vetter_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with app.app_context():
        p = db.session.get(Professional, professional_id)
        assert sorted(v.choice for v in p.votes) == ["approve", "approve"]
        assert p.status == LISTED
        assert p.confirmed_at is not None


def test_two_applications_from_one_address_sent_at_once_keep_one(app, committed, monkeypatch):
    """A double click on "Send": the second waits for the first and is told an application
    from the address is already being reviewed."""
    from tests.professionals.conftest import license_file, sample
    from wnwa.errors import DomainError
    from wnwa.professionals import applications

    email = "both.at.once@practice.example"
    committed["emails"].append(email)
    meeting = threading.Barrier(2)
    refuse = applications._refuse_duplicates

    def refuse_then_meet(*args, **kwargs):
        refuse(*args, **kwargs)
        try:  # without the lock both get here, each having found no earlier application
            meeting.wait(timeout=1.5)
        except threading.BrokenBarrierError:
            pass

    monkeypatch.setattr(applications, "_refuse_duplicates", refuse_then_meet)
    outcomes: list[str] = []

    def apply() -> None:
        with app.test_request_context("/professionals/apply", method="POST"):
            try:
                p, _ = applications.submit_application(sample(email=email), [license_file()])
                outcomes.append("submitted")
                committed["professionals"].append(p.id)
            except DomainError as exc:
                outcomes.append(exc.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[1] == "submitted" and "already being reviewed" in sorted(outcomes)[0]
    with app.app_context():
        kept = db.session.scalars(select(Professional.id).where(Professional.email == email)).all()
    assert len(kept) == 1
