"""Who may reach the directory pages, and department isolation of the member pages."""

from __future__ import annotations

from tests.directory.conftest import fresh, make_supporter


def test_anonymous_is_sent_to_sign_in(client):
    for url in ("/directory/", "/directory/1", "/directory/me"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.post("/directory/me/listing").status_code == 303


def test_staff_cannot_use_the_officer_directory(client, login, make):
    admin = make.staff("network_admin")
    login(admin)
    assert client.get("/directory/").status_code == 403
    assert client.get("/directory/me").status_code == 403


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
