import pytest
from flask import Flask

from wnwa.htmx import hx_redirect, hx_trigger, is_partial, redirect_to


@pytest.fixture
def bare_app():
    return Flask(__name__)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
        ({"HX-Request": "false"}, False),
    ],
)
def test_is_partial_only_for_real_htmx_requests(bare_app, headers, expected):
    with bare_app.test_request_context("/", headers=headers):
        assert is_partial() is expected


def test_redirect_to_uses_hx_redirect_for_htmx_and_303_otherwise(bare_app):
    with bare_app.test_request_context("/", method="POST", headers={"HX-Request": "true"}):
        response = redirect_to("/next")
        assert response.status_code == 204
        assert response.headers["HX-Redirect"] == "/next"
        assert "Location" not in response.headers
    with bare_app.test_request_context("/", method="POST"):
        response = redirect_to("/next")
        assert response.status_code == 303
        assert response.headers["Location"] == "/next"


def test_hx_trigger_appends_events(bare_app):
    with bare_app.test_request_context("/"):
        response = hx_redirect("/x")
        hx_trigger(response, "rosterChanged")
        hx_trigger(response, "quotaChanged")
        assert response.headers["HX-Trigger"] == "rosterChanged, quotaChanged"
