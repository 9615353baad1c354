"""Bulk inserts keep every value exactly, on the current engine."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from wnwa.extensions import db
from wnwa.mail import MailJob, encode_context
from wnwa.roster import bulk
from wnwa.roster.bulk import bulk_insert
from wnwa.roster.invitations import queue_invitations
from wnwa.roster.provisioning import insert_people
from wnwa.roster.roster import RosterRow, cycle_collection_paused
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


@pytest.mark.parametrize("copy_rows", [1, 10_000])
def test_times_are_stored_in_utc_and_nulls_stay_null(app, monkeypatch, copy_rows):
    monkeypatch.setattr(bulk, "COPY_ROWS", copy_rows)
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


@pytest.mark.parametrize("copy_rows", [1, 10_000])
def test_both_postgres_ways_keep_every_value(make, monkeypatch, copy_rows):
    """PostgreSQL copies many rows through a temporary table and inserts few directly; both
    keep every value (SQLite has one way: this runs it twice)."""
    monkeypatch.setattr(bulk, "COPY_ROWS", copy_rows)
    dept = make.department()
    rows = [
        RosterRow(n, f"C{n}", name or "X", name, f"copy{n}@bulk.example.gov", "Officer", n % 2 == 0)
        for n, name in enumerate(AWKWARD * 3)
    ]
    with tenant_context(dept.id):
        invitees = insert_people(dept.id, rows)
        db.session.commit()
        stored = {u.email: u for u in db.session.scalars(select(User))}
    assert sorted(i.id for i in invitees) == sorted(u.id for u in stored.values())
    for row, invitee in zip(rows, invitees, strict=True):
        user = stored[row.email]
        assert invitee.id == user.id and invitee.password_hash == user.password_hash
        assert (user.employee_number, user.first_name, user.last_name, user.sworn) == (
            row.employee_number,
            row.first_name,
            row.last_name,
            row.sworn,
        )
        assert unseal(user.secrets) == Secrets()


def test_invitations_are_queued_as_the_mail_module_writes_references(make):
    dept = make.department()
    rows = [
        RosterRow(n, f"I{n}", "Ida", "Q", f"invite{n}@bulk.example.gov", "Officer", True)
        for n in range(3)
    ]
    with tenant_context(dept.id):
        invitees = insert_people(dept.id, rows)
        assert queue_invitations(invitees, dept.id) == 3
        db.session.commit()
    jobs = db.session.scalars(select(MailJob).order_by(MailJob.to)).all()
    expected = sorted(
        (i.email, encode_context({"department_id": dept.id, "user_id": i.id})) for i in invitees
    )
    assert [(j.to, j.context) for j in jobs] == expected
    assert {(j.template, j.attempts) for j in jobs} == {("invitation", 0)}


def test_the_cycle_collector_resumes_after_a_paused_block_even_when_it_fails():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        assert not gc.isenabled()
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
        raise RuntimeError("disk full")
    assert gc.isenabled()
