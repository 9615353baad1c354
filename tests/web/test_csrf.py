"""CSRF protection on every state-changing route (the Stripe webhook and SCIM, which carry
their own authentication, are the only exemptions)."""

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
