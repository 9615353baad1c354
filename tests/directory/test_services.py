"""Profile, availability, listing and the functions other capabilities call."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from tests.directory.conftest import CERTIFIED_ON, fresh, make_supporter
from wnwa.directory import query, readmodel, services
from wnwa.directory.models import DirectoryEntry, SupporterProfile
from wnwa.errors import InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context
from wnwa.training.certification import add_certification
from wnwa.training.models import Certification
from wnwa.us_states import network_day

NOON = datetime(2026, 6, 15, 17, 0, tzinfo=UTC)  # 12:00 in Chicago (CDT)


def entries() -> list[DirectoryEntry]:
    return db.session.scalars(select(DirectoryEntry)).all()


def visible_names(viewer_department_id: int, **filters) -> list[str]:
    page = query.search(
        query.SearchFilters(include_own=True, **filters),
        viewer_department_id=viewer_department_id,
        now=datetime.now(UTC),
    )
    return sorted(item.display_name for item in page.listings)


def profile_input(**changes) -> services.ProfileInput:
    values = {"display_name": "Casey Doe", "phone": "(312) 555-0142", "topics": ("grief",)}
    return services.ProfileInput(**{**values, **changes})


def test_phone_is_validated_and_stored_in_e164(ctx):
    assert services.normalise_phone("(312) 555-0142") == "+13125550142"
    assert services.normalise_phone("+44 20 7946 0958") == "+442079460958"
    for bad in ("", "12", "555-0142", "call me", "+1 000 000 0000"):
        with pytest.raises(InvalidInput):
            services.normalise_phone(bad)


def test_only_certified_members_create_a_profile_and_it_lists_them(ctx, make):
    dept = make.department()
    member = fresh(make.officer(dept))
    with tenant_context(dept.id):
        me = db.session.get(User, member.id)
        with pytest.raises(InvalidInput):
            services.save_profile(me, profile_input())
        add_certification(me, source="manual", course="Peer", on=CERTIFIED_ON, actor="t")
        profile = services.save_profile(me, profile_input(contact_email=" Casey@Example.ORG "))
        assert profile.listed and profile.phone == "+13125550142"
        assert profile.contact_email == "casey@example.org"
    assert [e.display_name for e in entries()] == ["Casey Doe"]


@pytest.mark.parametrize(
    "changes",
    [
        {"display_name": "x"},
        {"phone": "nope"},
        {"contact_email": "not-an-email"},
        {"years_of_service": 61},
        {"topics": ("made-up",)},
        {"assignments": ("astronaut",)},
        {"languages": ()},
        {"gender": "other"},
        {"career": "fired"},
        {"bio": "x" * 601},
    ],
)
def test_bad_profile_input_is_refused_and_changes_nothing(ctx, make, changes):
    dept = make.department()
    member = make_supporter(dept, display_name="Kept Name")
    with tenant_context(dept.id):
        me = db.session.get(User, member.id)
        with pytest.raises(InvalidInput):
            services.save_profile(me, profile_input(**changes))
        db.session.rollback()
    assert [e.display_name for e in entries()] == ["Kept Name"]


def test_edits_keep_the_read_model_and_index_in_step(ctx, make):
    dept = make.department()
    member = make_supporter(dept, display_name="Old Name", topics="grief")
    with tenant_context(dept.id):
        services.save_profile(
            db.session.get(User, member.id),
            profile_input(display_name="New Name", topics=("military",)),
        )
    assert visible_names(dept.id, text="new") == ["New Name"]
    assert visible_names(dept.id, text="old") == []
    assert visible_names(dept.id, topics=("military",)) == ["New Name"]
    assert visible_names(dept.id, topics=("grief",)) == []


def test_unlist_and_relist(ctx, make):
    dept = make.department()
    member = make_supporter(dept, display_name="Toggle Person")
    with tenant_context(dept.id):
        services.set_listed(db.session.get(User, member.id), False)
    assert entries() == []
    with tenant_context(dept.id):
        services.set_listed(db.session.get(User, member.id), True)
    assert [e.display_name for e in entries()] == ["Toggle Person"]


def test_unlist_users_for_departures_flushes_and_counts(ctx, make):
    dept = make.department()
    a = make_supporter(dept, display_name="Leaving One")
    b = make_supporter(dept, display_name="Leaving Two", listed=False)
    c = make_supporter(dept, display_name="Staying")
    with tenant_context(dept.id):
        assert services.unlist_users([a.id, b.id, 999999]) == 1
        assert (
            db.session.scalar(
                select(SupporterProfile.listed).where(SupporterProfile.user_id == a.id)
            )
            is False
        )
        db.session.commit()
    assert [e.display_name for e in entries()] == ["Staying"]
    assert c.id


def test_unlist_users_cannot_touch_another_department(ctx, make):
    mine, theirs = make.department(), make.department()
    other = make_supporter(theirs, display_name="Other Dept")
    with tenant_context(mine.id):
        assert services.unlist_users([other.id]) == 0
        db.session.commit()
    assert [e.display_name for e in entries()] == ["Other Dept"]


def test_deactivating_an_account_through_the_orm_hides_the_listing(ctx, make):
    dept = make.department()
    member = make_supporter(dept, display_name="Departing")
    with tenant_context(dept.id):
        db.session.get(User, member.id).active = False
        db.session.commit()
    assert entries() == []


def test_lapse_hides_at_once_and_new_certification_shows_again(ctx, make):
    dept = make.department()
    today = network_day()
    member = make_supporter(dept, display_name="Renewing", renews_on=today + timedelta(days=1))
    now = datetime.now(UTC)
    tomorrow = now + timedelta(days=1)
    filters = query.SearchFilters(include_own=True)
    assert len(query.search(filters, viewer_department_id=dept.id, now=now).listings) == 1
    assert query.search(filters, viewer_department_id=dept.id, now=tomorrow).listings == []
    entry_id = entries()[0].id
    assert query.get_listing(entry_id, viewer_department_id=dept.id, now=tomorrow) is None
    with tenant_context(dept.id):
        add_certification(
            db.session.get(User, member.id),
            source="class",
            course="Refresher",
            on=today + timedelta(days=1),
            renews_on=today + timedelta(days=700),
            actor="t",
        )
        db.session.commit()
    assert len(query.search(filters, viewer_department_id=dept.id, now=tomorrow).listings) == 1


def test_revoked_certification_removes_the_listing(ctx, make):
    dept = make.department()
    member = make_supporter(dept, display_name="Revoked")
    with tenant_context(dept.id):
        cert = db.session.scalars(
            select(Certification).where(Certification.user_id == member.id)
        ).one()
        cert.revoked_on = network_day()
        db.session.commit()
    assert entries() == []


def test_refresh_listing_after_core_writes(ctx, make):
    dept = make.department()
    member = make_supporter(dept, display_name="Core Write")
    with tenant_context(dept.id):
        db.session.execute(
            text("UPDATE user_account SET active = :f WHERE id = :id"),
            {"f": False, "id": member.id},
        )
        assert len(entries()) == 1
        services.refresh_listing(member.id)
        db.session.commit()
    assert entries() == []


def test_department_rename_and_departure_follow(ctx, make):
    dept = make.department("Old Town PD")
    make_supporter(dept, display_name="Town Peer")
    department = db.session.get(Department, dept.id)
    department.name = "New Town PD"
    db.session.commit()
    assert [e.department_name for e in entries()] == ["New Town PD"]
    assert visible_names(dept.id, text="new town") == ["Town Peer"]
    department = db.session.get(Department, dept.id)
    department.status = "left"
    db.session.commit()
    assert entries() == []


def test_a_department_resync_looks_entries_up_once(ctx, make, statements):
    """Renaming a department rewrites its listings without one entry lookup per listing."""
    dept = make.department("Old Town PD")
    for n in range(4):
        make_supporter(dept, display_name=f"Peer {n}")
    make_supporter(dept, display_name="Quiet Peer", listed=False)
    statements.clear()
    readmodel.sync_departments([dept.id])
    lookups = [
        s for s in statements if s.lstrip().upper().startswith("SELECT") and "directory_entry" in s
    ]
    assert len(lookups) == 1  # one read of the existing entries, not one per listing
    assert sorted(e.display_name for e in entries()) == [f"Peer {n}" for n in range(4)]


def test_listed_supporter_count(ctx, make):
    dept = make.department()
    today = network_day()
    make_supporter(dept)
    make_supporter(dept, listed=False)
    make_supporter(dept, certified=False)
    make_supporter(dept, sworn=False)
    make_supporter(dept, renews_on=today)
    gone = make_supporter(dept)
    with tenant_context(dept.id):
        db.session.get(User, gone.id).active = False
        db.session.commit()
        assert services.listed_supporter_count(dept.id, today) == 1
        assert services.listed_supporter_count(dept.id, today - timedelta(days=1)) == 2
    assert services.listed_supporter_count(dept.id, today) == 0  # no tenant bound: fail closed


@pytest.mark.parametrize(
    ("status", "kwargs", "expected_until", "label"),
    [
        (
            "now",
            {"hours": 2},
            datetime(2026, 6, 15, 19, 0, tzinfo=UTC),
            "Available now, until 2:00 PM CDT",
        ),
        ("later", {}, datetime(2026, 6, 16, 5, 0, tzinfo=UTC), "Available later today"),
        (
            "away",
            {"until": date(2026, 6, 20)},
            datetime(2026, 6, 20, 5, 0, tzinfo=UTC),
            "Away until Sat 20 Jun",
        ),
        ("paused", {}, datetime(2026, 7, 15, 5, 0, tzinfo=UTC), "Paused until Wed 15 Jul"),
        ("", {}, None, ""),
    ],
)
def test_availability_ends_by_itself(ctx, make, status, kwargs, expected_until, label):
    dept = make.department(state="IL")
    member = make_supporter(dept)
    with tenant_context(dept.id):
        profile = services.set_availability(
            db.session.get(User, member.id), status, now=NOON, **kwargs
        )
        assert profile.status_until == expected_until
    entry = entries()[0]
    shown, now_flag = query.availability(entry.status, entry.status_until, "IL", NOON)
    assert shown == label and now_flag == (status == "now")
    if expected_until:
        after = expected_until + timedelta(seconds=1)
        assert query.availability(entry.status, entry.status_until, "IL", after) == ("", False)


@pytest.mark.parametrize(
    ("set_at", "until"),
    [
        (
            NOON + timedelta(minutes=7, seconds=23, microseconds=5),
            NOON + timedelta(hours=2, minutes=15),
        ),
        (NOON + timedelta(minutes=15), NOON + timedelta(hours=2, minutes=15)),
        (NOON + timedelta(minutes=15, microseconds=1), NOON + timedelta(hours=2, minutes=30)),
        (NOON + timedelta(minutes=59, seconds=59), NOON + timedelta(hours=3)),
    ],
)
def test_available_now_ends_on_a_quarter_hour_not_when_it_was_set(ctx, make, set_at, until):
    """ "Until 2:07 PM" less the hours chosen would say when the supporter was signed in."""
    dept = make.department(state="IL")
    member = make_supporter(dept)
    with tenant_context(dept.id):
        profile = services.set_availability(
            db.session.get(User, member.id), "now", now=set_at, hours=2
        )
        assert profile.status_until == until
    assert entries()[0].status_until == int(until.timestamp())


@pytest.mark.parametrize(
    ("status", "kwargs"),
    [
        ("now", {"hours": 3}),
        ("away", {}),
        ("away", {"until": date(2026, 6, 15)}),
        ("paused", {"until": date(2026, 12, 31)}),
        ("asleep", {}),
    ],
)
def test_bad_availability_is_refused(ctx, make, status, kwargs):
    dept = make.department()
    member = make_supporter(dept)
    with tenant_context(dept.id), pytest.raises(InvalidInput):
        services.set_availability(db.session.get(User, member.id), status, now=NOON, **kwargs)


def test_availability_needs_a_profile(ctx, make):
    dept = make.department()
    member = fresh(make.officer(dept))
    with tenant_context(dept.id), pytest.raises(NotFound):
        services.set_availability(db.session.get(User, member.id), "later", now=NOON)


def test_certification_window():
    d = date(2026, 1, 10)
    window = readmodel.certification_window
    assert window([], d) is None
    assert window([(date(2025, 1, 1), date(2026, 1, 1))], d) is None
    assert window([(date(2025, 1, 1), None)], d) == (
        date(2025, 1, 1).toordinal(),
        readmodel.FAR_FUTURE,
    )
    joined = [(date(2024, 1, 1), date(2026, 2, 1)), (date(2026, 2, 1), date(2028, 1, 1))]
    assert window(joined, d) == (date(2024, 1, 1).toordinal(), date(2028, 1, 1).toordinal())
    gap = [(date(2024, 1, 1), date(2025, 1, 1)), (date(2026, 3, 1), date(2028, 1, 1))]
    assert window(gap, d) == (date(2026, 3, 1).toordinal(), date(2028, 1, 1).toordinal())


def test_expired_available_now_counts_as_no_status_in_search(ctx, make):
    home, other = make.department(), make.department()
    member = make_supporter(other, display_name="Was Available")
    make_supporter(other, display_name="Never Set")
    with tenant_context(other.id):
        services.set_availability(db.session.get(User, member.id), "now", hours=1, now=NOON)
    later = NOON + timedelta(hours=2)
    during = NOON + timedelta(minutes=30)
    only_now = query.SearchFilters(available_now=True)
    assert [
        x.display_name
        for x in query.search(only_now, viewer_department_id=home.id, now=during).listings
    ] == ["Was Available"]
    assert query.search(only_now, viewer_department_id=home.id, now=later).listings == []
    everyone = query.search(query.SearchFilters(), viewer_department_id=home.id, now=later)
    assert sorted(x.display_name for x in everyone.listings) == ["Never Set", "Was Available"]
    assert not any(x.available_now or x.availability for x in everyone.listings)
