"""The search indexes agree with the listings after every kind of write: the demo seed, the
US-scale seed, the benchmark's restamp, and the app's own writes (status set and cleared,
unlisting, a department leaving)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from wnwa.demo import seed_demo
from wnwa.directory import query, readmodel, services
from wnwa.directory.models import DirectoryEntry, SupporterProfile
from wnwa.directory.us_scale import restamp_availability, seed_us_scale
from wnwa.extensions import db, utcnow
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context
from wnwa.us_states import network_day


def agree() -> dict[str, int]:
    wrong = readmodel.index_disagreements(db.session.connection())
    return {what: n for what, n in wrong.items() if n}


def available_now_ids() -> set[int]:
    return set(
        db.session.scalars(
            select(DirectoryEntry.id).where(
                DirectoryEntry.status == "now",
                DirectoryEntry.status_until > int(utcnow().timestamp()),
            )
        )
    )


def search_now(viewer_department_id: int) -> set[int]:
    """Every listing the "available now" search finds, all pages, own department included."""
    found: set[int] = set()
    for page in range(1, 50):
        result = query.search(
            query.SearchFilters(available_now=True, include_own=True, page=page),
            viewer_department_id=viewer_department_id,
            now=utcnow(),
        )
        found |= {listing.id for listing in result.listings}
        if not result.has_next:
            return found
    raise AssertionError("more pages than expected")


def test_demo_seed_and_the_apps_own_writes_keep_the_indexes_in_step(ctx):
    seed_demo(today=network_day(), rng=random.Random(5))
    assert agree() == {}
    now_ids = available_now_ids()
    assert len(now_ids) >= 5  # the demo network has supporters on call
    any_department = db.session.scalar(select(DirectoryEntry.department_id).limit(1))
    assert search_now(any_department) == now_ids

    profile = db.session.scalars(
        select(SupporterProfile)
        .where(SupporterProfile.status == "now")
        .limit(1)
        .execution_options(unscoped=True)
    ).one()
    user = db.session.scalars(
        select(User).where(User.id == profile.user_id).execution_options(unscoped=True)
    ).one()
    with tenant_context(user.department_id):
        services.set_availability(user, "")  # cleared by the supporter
    assert agree() == {}
    assert len(available_now_ids()) == len(now_ids) - 1
    assert search_now(any_department) == available_now_ids()

    with tenant_context(user.department_id):
        services.set_availability(user, "now", hours=2)  # and set again
    assert agree() == {}
    assert search_now(any_department) == available_now_ids()
    assert len(available_now_ids()) == len(now_ids)

    other_user, other_department = db.session.execute(
        select(SupporterProfile.user_id, SupporterProfile.department_id)
        .where(SupporterProfile.status == "now", SupporterProfile.user_id != user.id)
        .limit(1)
        .execution_options(unscoped=True)
    ).one()
    with tenant_context(other_department):
        services.unlist_users([other_user])  # a departure takes the listing down
        db.session.commit()
    assert agree() == {}
    assert search_now(any_department) == available_now_ids()
    assert len(available_now_ids()) == len(now_ids) - 1


def test_us_scale_seed_fills_every_index(ctx):
    summary = seed_us_scale(departments=40, officers=2_000, supporters=200, seed=11)
    assert agree() == {}
    now_ids = available_now_ids()
    assert now_ids  # about one listing in ten is available now
    assert search_now(summary.bench_department_id) == now_ids


@pytest.mark.parametrize("lost_index", [False, True])
def test_restamp_refills_the_available_now_index(ctx, engine_name, lost_index):
    if engine_name != "sqlite":
        pytest.skip("the cached benchmark database is SQLite only")
    summary = seed_us_scale(departments=30, officers=1_500, supporters=150, seed=12)
    if lost_index:  # a file written before the seed kept this index
        db.session.execute(text("DELETE FROM directory_now_fts"))
        assert agree()
    restamp_availability()
    assert agree() == {}
    assert search_now(summary.bench_department_id) == available_now_ids() != set()


def test_restamping_again_moves_the_windows_from_the_last_restamp(ctx, engine_name):
    """Run after run on the same cached file, the windows stay where a fresh seed puts them."""
    if engine_name != "sqlite":
        pytest.skip("the cached benchmark database is SQLite only")
    seed_us_scale(departments=20, officers=800, supporters=80, seed=13)
    seeded = dict(db.session.execute(select(DirectoryEntry.id, DirectoryEntry.status_until)).all())
    start = utcnow()
    for hours in (3, 5):
        restamp_availability(start + timedelta(hours=hours))
    moved = dict(db.session.execute(select(DirectoryEntry.id, DirectoryEntry.status_until)).all())
    shifted = {i: until for i, until in seeded.items() if until}
    assert shifted  # some listings have a window
    for entry_id, until in shifted.items():
        # five hours after the seed in all (allowing for the seconds the seed itself took)
        assert abs(moved[entry_id] - until - 5 * 3600) <= 60, entry_id
