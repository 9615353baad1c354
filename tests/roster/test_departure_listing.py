"""Every kind of departure removes the peer-supporter's directory listing at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.roster.conftest import fetch, person, roster_csv
from tests.roster.test_scim import PATCH, bearer, new_token
from wnwa.directory.models import DirectoryEntry, SupporterProfile
from wnwa.directory.services import ProfileInput, save_profile
from wnwa.extensions import db
from wnwa.roster import people
from wnwa.roster.provisioning import import_roster
from wnwa.tenants.scoping import tenant_context
from wnwa.training.certification import add_certification
from wnwa.us_states import network_day


def listed_supporter(make, dept):
    """An officer of `dept` with a valid certification and a listed directory profile."""
    officer = make.officer(
        dept, first_name="Sam", last_name="Supporter", email="sam.supporter@pd.example.gov"
    )
    with tenant_context(dept.id):
        user = fetch(dept, officer.id)
        add_certification(
            user,
            source="manual",
            course="Peer support",
            on=network_day() - timedelta(days=30),
            actor="test",
        )
        db.session.commit()
        save_profile(
            fetch(dept, officer.id), ProfileInput(display_name="Sam S.", phone="312-555-0142")
        )
    assert listing_of(officer.id) == (True, 1)
    return officer


def listing_of(user_id: int) -> tuple[bool, int]:
    """(profile listed, rows in the cross-department directory) for this person."""
    profile = db.session.scalars(
        select(SupporterProfile)
        .where(SupporterProfile.user_id == user_id)
        .execution_options(unscoped=True, populate_existing=True)
    ).one()
    entries = db.session.scalars(
        select(DirectoryEntry.id).where(DirectoryEntry.profile_id == profile.id)
    ).all()
    return profile.listed, len(entries)


def test_full_sync_departure_removes_the_listing(make):
    dept = make.department()
    officer = listed_supporter(make, dept)
    with tenant_context(dept.id):
        import_roster(dept, roster_csv([person(1)]), full_sync=True, actor="test")
    assert fetch(dept, officer.id).active is False
    assert listing_of(officer.id) == (False, 0)


def test_chief_marking_a_departure_removes_the_listing(make):
    dept = make.department()
    officer = listed_supporter(make, dept)
    with tenant_context(dept.id):
        people.depart_person(dept, officer.id, actor="test")
    assert listing_of(officer.id) == (False, 0)


@pytest.mark.parametrize("how", ["patch", "delete"])
def test_scim_deprovisioning_removes_the_listing(client, make, how):
    dept = make.department()
    officer = listed_supporter(make, dept)
    token = new_token(dept)
    if how == "patch":
        response = client.patch(
            f"/scim/v2/Users/{officer.id}",
            headers=bearer(token),
            json={
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        )
    else:
        response = client.delete(f"/scim/v2/Users/{officer.id}", headers=bearer(token))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert listing_of(officer.id) == (False, 0)
