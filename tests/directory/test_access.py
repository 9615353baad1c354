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


def test_a_bad_value_is_marked_on_its_own_field(client, login, make):
    me = make_supporter(make.department(), display_name="Field Person")
    login(fresh(me))
    profile = {
        "display_name": "Field Person",
        "phone": "12",
        "contact_email": "",
        "years_of_service": "10",
        "career": "active",
        "languages": "en",
        "topics": "grief",
        "gender": "",
    }
    response = client.post("/directory/me", data=profile)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-describedby="phone-error"' in body and 'aria-invalid="true"' in body
    assert '<small id="phone-error" class="error">' in body
    away = {"status": "away", "hours": "2", "until": "2000-01-01"}
    response = client.post("/directory/me/availability", data=away)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<small id="until-error" class="error">Choose the date you will be back' in body
