"""Bulk inserts keep every value exactly, on the current engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.roster.bulk import bulk_insert
from wnwa.roster.provisioning import insert_people
from wnwa.roster.roster import RosterRow
from wnwa.tenants.credentials import Secrets, unseal
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context

AWKWARD = ["O'Brien", 'Quote "Q" Back\\slash', "Zoë Ñúñez", "Tab\tand\nline", "😀 emoji", ""]


def test_accounts_keep_text_flags_and_binary_secrets(make):
    """Provisioning's bulk insert of accounts stores every value exactly."""
    dept = make.department()
    rows = [
        RosterRow(
            n, f"E{n}", name or "X", name, f"person{n}@bulk.example.gov", "Officer", n % 2 == 0
        )
        for n, name in enumerate(AWKWARD)
    ]
    with tenant_context(dept.id):
        invitees = insert_people(dept.id, rows)
        db.session.commit()
        stored = {u.email: u for u in db.session.scalars(select(User))}
    assert {i.email: i.id for i in invitees} == {e: u.id for e, u in stored.items()}
    hashes = {i.email: i.password_hash for i in invitees}
    for row in rows:
        user = stored[row.email]
        assert (user.first_name, user.last_name, user.sworn) == (
            row.first_name,
            row.last_name,
            row.sworn,
        )
        assert user.password_hash == hashes[row.email]
        assert unseal(user.secrets) == Secrets()


def test_times_are_stored_in_utc_and_nulls_stay_null(app):
    chicago = timezone(timedelta(hours=-6))
    at = datetime(2026, 12, 5, 6, 30, tzinfo=chicago)
    with app.app_context():
        bulk_insert(
            MailJob.__table__,
            [
                {
                    "to": "a@x.example",
                    "template": "notice",
                    "context": "B\u2028",
                    "attempts": 0,
                    "not_before": at,
                },
                {
                    "to": "b@x.example",
                    "template": "notice",
                    "context": "",
                    "attempts": 2,
                    "not_before": at,
                },
            ],
        )
        db.session.commit()
        jobs = db.session.scalars(select(MailJob).order_by(MailJob.to)).all()
        assert [j.not_before for j in jobs] == [datetime(2026, 12, 5, 12, 30, tzinfo=UTC)] * 2
        assert [(j.context, j.attempts) for j in jobs] == [("B\u2028", 0), ("", 2)]


def test_fresh_credentials_made_in_one_batch_are_each_their_own(app):
    from argon2 import extract_parameters

    from wnwa.tenants.credentials import fresh_credentials, fresh_credentials_for

    with app.app_context():
        batch = fresh_credentials_for(50)
        single_hash, single_blob = fresh_credentials()
        assert len({h for h, _ in batch}) == len({b for _, b in batch}) == 50
        for hashed, blob in batch:
            assert len(hashed) == len(single_hash) and len(blob) == len(single_blob)
            assert extract_parameters(hashed) == extract_parameters(single_hash)
            assert unseal(blob) == Secrets()
