"""Who may reach the roster routes, and that one department never reaches another's rows."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from tests.privacy.snapshots import snapshot
from tests.roster.conftest import fetch, person, roster_csv
from wnwa.extensions import db
from wnwa.tenants.models import ScimToken
from wnwa.tenants.scoping import tenant_context

CHIEF_GETS = [
    "/department/roster",
    "/department/roster/export.csv",
    "/department/roster/template.csv",
    "/department/roster/import",
    "/department/roster/history",
    "/department/scim",
]
PERSON_ROUTES = [
    ("get", "/department/people/{id}"),
    ("post", "/department/people/{id}"),
    ("post", "/department/people/{id}/roles"),
    ("post", "/department/people/{id}/depart"),
    ("post", "/department/people/{id}/reinstate"),
    ("post", "/department/people/{id}/invite"),
]
CHIEF_POSTS = [
    "/department/roster/import",
    "/department/roster/import/confirm",
    "/department/roster/import/cancel",
    "/department/roster/import/preview.csv",
    "/department/scim",
    "/department/scim/1/revoke",
]
ONBOARDING = [
    ("get", "/network/departments/new"),
    ("post", "/network/departments/new"),
    ("get", "/network/departments/{dept}"),
    ("get", "/network/departments/{dept}/edit"),
    ("post", "/network/departments/{dept}/edit"),
    ("post", "/network/departments/{dept}/chiefs/{id}/invite"),
]


def all_chief_routes(person_id: int):
    yield from (("get", url) for url in CHIEF_GETS)
    yield from ((m, url.format(id=person_id)) for m, url in PERSON_ROUTES)
    yield from (("post", url) for url in CHIEF_POSTS)


def test_anonymous_visitors_are_sent_to_sign_in(client, make):
    dept = make.department()
    someone = make.officer(dept)
    for method, url in all_chief_routes(someone.id):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 303), url
        assert response.headers["Location"].split("?")[0].endswith("/login"), url


@pytest.mark.parametrize("role", ["officer", "finance"])
def test_officers_and_finance_are_refused_and_nothing_is_written(client, make, login, role):
    dept = make.department()
    user = make.officer(dept, finance=role == "finance")
    other = make.officer(dept)
    login(user)
    before = snapshot()
    for method, url in all_chief_routes(other.id):
        assert getattr(client, method)(url).status_code == 403, url
    assert snapshot() == before


def test_staff_cannot_use_chief_routes(client, make, login):
    dept = make.department()
    other = make.officer(dept)
    login(make.staff("network_admin"))
    for method, url in all_chief_routes(other.id):
        assert getattr(client, method)(url).status_code == 403, url


@pytest.mark.parametrize("role", ["chief", "officer"])
def test_onboarding_is_for_network_admins_only(client, make, login, role):
    dept = make.department()
    chief = make.officer(dept, chief=True)
    login(chief if role == "chief" else make.officer(dept))
    for method, url in ONBOARDING:
        response = getattr(client, method)(url.format(dept=dept.id, id=chief.id))
        assert response.status_code == 403, url
    assert client.get("/network/").status_code == 403


@pytest.mark.parametrize("role", ["network_finance", "vetter"])
def test_other_staff_see_the_overview_but_cannot_onboard(client, make, login, role):
    dept = make.department()
    chief = make.officer(dept, chief=True)
    login(make.staff(role))
    assert client.get("/network/").status_code == 200
    for method, url in ONBOARDING:
        response = getattr(client, method)(url.format(dept=dept.id, id=chief.id))
        assert response.status_code == 403, url


def test_another_departments_people_are_404(chief_client, make):
    client, dept, _ = chief_client
    other_dept = make.department()
    stranger = make.officer(other_dept, first_name="Stranger")
    before = snapshot()
    for method, url in PERSON_ROUTES:
        response = getattr(client, method)(url.format(id=stranger.id))
        assert response.status_code == 404, url
    assert client.get("/department/people/999999").status_code == 404
    assert snapshot() == before
    assert fetch(other_dept, stranger.id).active is True


def test_lists_exports_and_history_show_nothing_of_another_department(chief_client, make):
    client, dept, chief = chief_client
    other_dept = make.department()
    make.officer(other_dept, chief=True, email="otherchief@other.example")
    stranger_id = make.officer(
        other_dept, first_name="Stranger", last_name="Elsewhere", email="stranger@other.example"
    ).id
    with tenant_context(other_dept.id):
        from wnwa.roster import people

        people.depart_person(other_dept, stranger_id, actor="test")
    pages = [
        client.get("/department/roster?status=all").get_data(as_text=True),
        client.get("/department/roster?q=elsewhere").get_data(as_text=True),
        client.get("/department/roster/export.csv?departed=1").get_data(as_text=True),
        client.get("/department/roster/history").get_data(as_text=True),
        client.get("/department/").get_data(as_text=True),
    ]
    for html in pages:
        assert "Stranger" not in html and "stranger@other.example" not in html
        assert "otherchief@other.example" not in html


def test_another_departments_scim_token_cannot_be_revoked(chief_client, make):
    client, dept, _ = chief_client
    other_dept = make.department()
    from wnwa.roster import scim_tokens

    with tenant_context(other_dept.id):
        scim_tokens.create_token(other_dept, label="Their Okta", actor="test")
        token_id = db.session.scalars(select(ScimToken.id)).one()
    assert client.post(f"/department/scim/{token_id}/revoke").status_code == 404
    assert "Their Okta" not in client.get("/department/scim").get_data(as_text=True)
    with tenant_context(other_dept.id):
        token = db.session.scalars(
            select(ScimToken).execution_options(populate_existing=True)
        ).one()
        assert token.revoked_at is None


def test_an_upload_ticket_works_only_for_the_chief_who_made_it(client, make, login):
    dept_a, dept_b = make.department(), make.department()
    chief_a = make.officer(dept_a, chief=True)
    chief_b = make.officer(dept_b, chief=True)
    second_a = make.officer(dept_a, chief=True)
    login(chief_a)
    html = client.post(
        "/department/roster/import",
        data={"roster": (io.BytesIO(roster_csv([person(1)])), "r.csv"), "mode": "update"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    ticket = re.search(r'name="ticket" value="([^"]+)"', html).group(1)
    client.post("/logout")
    for other in (chief_b, second_a):
        login(other)
        response = client.post("/department/roster/import/confirm", data={"ticket": ticket})
        assert response.status_code == 410
        client.post("/logout")
    with tenant_context(dept_b.id):
        from wnwa.tenants.models import User

        assert db.session.scalar(select(User.id).where(User.employee_number == "B00001")) is None


def test_the_token_list_names_who_created_each_token(chief_client):
    client, _, chief = chief_client
    created = client.post("/department/scim", data={"label": "Okta"})
    assert created.status_code in (200, 303)
    html = client.get("/department/scim").get_data(as_text=True)
    assert f"<td>{chief.display_name}</td>" in html
    assert f"department {chief.id} &lt;" not in html
