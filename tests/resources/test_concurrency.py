"""Two admins creating items of the same title at the same moment: real threads, each with its
own connection and committed transaction. Each gets an address of its own (PostgreSQL: the
title's address is taken under an advisory lock; SQLite: the write lock). Removed after."""

from __future__ import annotations

import threading

from sqlalchemy import delete, select

from tests.resources.conftest import TODAY
from tests.superuser import purge_audit, real_transactions
from wnwa.extensions import db
from wnwa.resources import services
from wnwa.resources.models import Resource


def test_two_items_of_one_title_created_at_once_get_addresses_of_their_own(app, monkeypatch):
    data = services.ResourceInput(
        title="Sleep after nights",
        kind="guide",
        category="sleep",
        summary="",
        body="Plain advice.",
        url="",
        phone="",
        state="draft",
        publish_on=TODAY,
    )
    meeting = threading.Barrier(2)
    pick = services._unique_slug

    def pick_then_meet(*args, **kwargs):
        slug = pick(*args, **kwargs)
        try:  # without the lock both get here having found the address free
            meeting.wait(timeout=1.5)
        except threading.BrokenBarrierError:
            pass
        return slug

    monkeypatch.setattr(services, "_unique_slug", pick_then_meet)
    outcomes: list[str] = []

    def create() -> None:
        with app.test_request_context("/network/resources/new", method="POST"):
            try:
                outcomes.append(services.save_resource(None, data, actor="staff").slug)
            finally:
                db.session.remove()

    with real_transactions(app, pool_size=4):
        try:
            threads = [threading.Thread(target=create) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert sorted(outcomes) == ["sleep-after-nights", "sleep-after-nights-2"]
            with app.app_context():
                assert len(db.session.scalars(select(Resource.id)).all()) == 2
        finally:
            db.session.remove()
            db.session.execute(delete(Resource))
            purge_audit(db.engine.url, subject_like="resource %")
            db.session.commit()
