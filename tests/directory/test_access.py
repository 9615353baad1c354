"""Who may reach the directory pages, and department isolation of the member pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.directory.conftest import CERTIFIED_ON, fresh, make_supporter
from wnwa.extensions import db
from wnwa.tenants.scoping import tenant_context
from wnwa.training.models import Certification

PROFILE = {
    "phone": "312-555-0147",
    "contact_email": "",
    "years_of_service": "10",
    "career": "active",
    "languages": "en",
    "topics": "grief",
    "gender": "",
}


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
    profile = {**PROFILE, "display_name": "Field Person", "phone": "12"}
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


def test_a_name_without_letters_is_refused_on_its_field(client, login, make):
    me = make_supporter(make.department(), display_name="Emoji Person")
    login(fresh(me))
    for name in ("🙂🙂", "--", "\u200b\u200b"):
        response = client.post("/directory/me", data={**PROFILE, "display_name": name})
        assert response.status_code == 422, name
        assert '<small id="display_name-error" class="error">Give a name' in response.get_data(
            as_text=True
        )
    saved = client.post("/directory/me", data={**PROFILE, "display_name": "李明"})
    assert saved.status_code in (200, 303)


def test_an_introduction_the_browser_counted_as_fitting_is_saved(client, login, make):
    """Browsers count a line break as one character against `maxlength` but send it as CRLF:
    ten lines of 59 characters are 599 characters to the officer typing them."""
    me = make_supporter(make.department(), display_name="Long Intro")
    login(fresh(me))
    bio = "\r\n".join(["x" * 59] * 10)
    response = client.post(
        "/directory/me", data={**PROFILE, "display_name": "Long Intro", "bio": bio}
    )
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:300]
    page = client.get("/directory/me").get_data(as_text=True)
    assert "\n".join(["x" * 59] * 10) in page


def test_an_introduction_keeps_its_line_breaks_on_the_profile(client, login, make):
    make_supporter(make.department(), display_name="Two Lines", bio="First.\nSecond.")
    login(fresh(make_supporter(make.department(), display_name="Reader Person")))
    results = client.get("/directory/?q=two+lines").get_data(as_text=True)
    entry = re.search(r'href="/directory/(\d+)"[^>]*>Two Lines<', results).group(1)
    html = client.get(f"/directory/{entry}").get_data(as_text=True)
    assert '<p class="bio written">First.\nSecond.</p>' in html
    # The page's title does not name them: a shared computer's history shows titles.
    assert "<title>Peer supporter · WeNeverWalkAlone</title>" in html and "Two Lines<" in html
    inline = client.get(f"/directory/{entry}", headers={"HX-Request": "true"}).get_data(True)
    assert '<p class="bio written">First.\nSecond.</p>' in inline and "Hide details" in inline
    assert "<title>" not in inline and "Two Lines" not in inline  # the name is already shown


def test_listing_again_without_a_valid_certification_is_explained_on_the_page(client, login, make):
    me = make_supporter(make.department(), display_name="Lapsed Person", listed=False)
    login(fresh(me))
    assert "List me again" in client.get("/directory/me").get_data(as_text=True)
    with tenant_context(me.department_id):
        for certification in db.session.scalars(select(Certification)):
            certification.renews_on = CERTIFIED_ON
        db.session.commit()
    page = client.get("/directory/me").get_data(as_text=True)
    assert "List me again" not in page
    refused = client.post("/directory/me/listing", data={"listed": "1"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="listing-error"' in html and "valid peer-support certification" in html
    assert "Your peer-supporter listing" in html
