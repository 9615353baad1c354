"""Who may reach the directory pages, and department isolation of the member pages."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.directory.conftest import fresh, make_supporter
from wnwa.extensions import db
from wnwa.training.models import Certification


def test_anonymous_is_sent_to_sign_in(client):
    for url in ("/directory/", "/directory/1", "/directory/me", "/directory/manage/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.post("/directory/me/listing").status_code == 303


def test_staff_cannot_use_the_officer_directory(client, login, make):
    admin = make.staff("network_admin")
    login(admin)
    assert client.get("/directory/").status_code == 403
    assert client.get("/directory/me").status_code == 403


def test_officer_cannot_reach_the_chief_page(client, login, make):
    dept = make.department()
    login(make.officer(dept))
    assert client.get("/directory/manage/").status_code == 403
    assert client.post("/directory/manage/", data={"member": "x"}).status_code == 403


def test_chief_marks_certification_in_own_department_only(client, login, make):
    a = make.department()
    b = make.department()
    chief = make.officer(a, chief=True)
    mine = make.officer(a, first_name="Mine")
    theirs = make.officer(b, first_name="Theirs")
    chief, mine, theirs = fresh(chief), fresh(mine), fresh(theirs)
    login(chief)
    refused = client.post(
        "/directory/manage/",
        data={"member": theirs.employee_number, "certified_on": "2025-01-10"},
    )
    assert refused.status_code == 422
    response = client.post(
        "/directory/manage/",
        data={"member": mine.employee_number, "certified_on": "2025-01-10"},
    )
    assert response.status_code == 303
    certs = db.session.scalars(select(Certification).execution_options(unscoped=True)).all()
    assert [(c.user_id, c.source, c.certified_on) for c in certs] == [
        (mine.id, "manual", date(2025, 1, 10))
    ]
    page = client.get("/directory/manage/").get_data(True)
    assert mine.employee_number in page and theirs.employee_number not in page


def test_my_page_shows_only_my_own_profile(client, login, make):
    a = make.department()
    b = make.department()
    other = make_supporter(b, first_name="Elsewhere", display_name="Elsewhere Person")
    me = make_supporter(a, first_name="Me", display_name="Me Myself")
    other = fresh(other)
    login(fresh(me))
    body = client.get("/directory/me").get_data(True)
    assert "Me Myself" in body and "Elsewhere Person" not in body
    assert other.email not in body
