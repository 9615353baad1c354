"""CSRF protection on every state-changing route (the Stripe webhook and SCIM, which carry
their own authentication, are the only exemptions)."""

import time

import pytest

from config import TestingConfig
from tests.conftest import HttpsClient
from tests.web.routes import all_routes
from wnwa import create_app
from wnwa.extensions import csrf, db

EXEMPT_PREFIXES = ("scim", "billing_webhook")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def csrf_app(app):
    strict = create_app(TestingConfig, {"WTF_CSRF_ENABLED": True})
    strict.test_client_class = HttpsClient
    db._app_engines[strict][None] = db._app_engines[app][None]
    return strict


def _is_exempt(app, endpoint: str) -> bool:
    view = app.view_functions[endpoint]
    name = f"{view.__module__}.{view.__name__}"
    blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0]) if "." in endpoint else None
    return name in csrf._exempt_views or (
        blueprint is not None and blueprint in csrf._exempt_blueprints
    )


def test_every_write_route_refuses_a_request_without_token(csrf_app, make, login):
    client = csrf_app.test_client()
    checked = 0
    for route in all_routes(csrf_app):
        for method in sorted(route.rule.methods & WRITES):
            if _is_exempt(csrf_app, route.endpoint):
                assert route.endpoint.startswith(EXEMPT_PREFIXES), route.endpoint
                continue
            response = client.open(route.url, method=method, data={"x": "1"})
            assert response.status_code == 400, (route.url, method, response.status_code)
            assert "form expired" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 4


def test_htmx_post_with_header_token_is_accepted(csrf_app, make):
    client = csrf_app.test_client()
    page = client.get("/login")
    token = page.get_data(as_text=True).split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 303
    refused = client.post("/logout", headers={"X-CSRFToken": "forged", "HX-Request": "true"})
    assert refused.status_code == 400


def test_login_form_carries_its_token(csrf_app, make):
    dept = make.department()
    officer = make.officer(dept)
    client = csrf_app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": officer.email, "password": make.PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303


def test_a_visitors_form_still_sends_after_an_hour_of_typing(csrf_app, monkeypatch):
    """A visitor's session holds only the form token: no idle limit, so a long application or
    message sends. (A signed-in session still ends after 30 idle minutes: test_sessions.)"""
    from tests.site.conftest import CONTACT
    from wnwa import sessions

    client = csrf_app.test_client()
    html = client.get("/contact").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    later = time.time() + 61 * 60
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    sent = client.post("/contact", data={**CONTACT, "csrf_token": token})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/sent/contact")


def test_an_htmx_error_shows_above_the_page_not_in_place_of_the_form(csrf_app):
    client = csrf_app.test_client()
    assert 'id="alerts"' in client.get("/contact").get_data(as_text=True)
    refused = client.post("/contact", data={"message": "kept"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert refused.headers["HX-Retarget"] == "#alerts"
    assert refused.headers["HX-Reswap"].startswith("innerHTML")
    plain = client.post("/contact", data={"message": "kept"})
    assert plain.status_code == 400 and "HX-Retarget" not in plain.headers
