"""Security and privacy headers on every response, errors included."""

import pytest

from config import ProductionConfig, TestingConfig
from tests.web.routes import all_routes
from wnwa import create_app
from wnwa.security import CSP

EXPECTED_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def assert_privacy_headers(response, *, static: bool = False):
    headers = response.headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    if not static:
        assert headers["Cache-Control"] == "no-store"
        assert "HX-Request" in headers.get("Vary", "")
    assert "Server" not in headers or "/" not in headers["Server"]


def test_each_header_once(client, make, login):
    login(make.officer(make.department()))
    response = client.get("/me")
    for name in ("Content-Security-Policy", "X-Frame-Options", "Cache-Control", "Vary"):
        assert len(response.headers.getlist(name)) == 1, name
    assert {v.strip() for v in response.headers["Vary"].split(",")} >= {"Cookie", "HX-Request"}


def test_a_view_cannot_weaken_the_headers():
    from wnwa.auth.guards import public

    app = create_app(TestingConfig)

    @app.get("/weak")
    def weak():
        return "x", 200, {"X-Frame-Options": "ALLOWALL", "Cache-Control": "public, max-age=60"}

    app.view_functions["weak"] = public(app.view_functions["weak"])
    response = app.test_client().get("/weak")
    assert_privacy_headers(response)
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]


def test_csp_constant_is_the_documented_policy():
    assert CSP == EXPECTED_CSP


def test_headers_on_every_route_anonymous_and_signed_in(app, client, make, login):
    for route in all_routes(app):
        for method in sorted(route.rule.methods - {"HEAD", "OPTIONS"}):
            assert_privacy_headers(client.open(route.url, method=method))
    dept = make.department()
    login(make.officer(dept, chief=True))
    for route in all_routes(app):
        if "GET" in route.rule.methods:
            assert_privacy_headers(client.get(route.url))


def test_headers_on_static_files_and_404(client):
    static = client.get("/static/app.css")
    assert_privacy_headers(static, static=True)
    assert "no-store" not in static.headers.get("Cache-Control", "")  # files may be cached
    response = client.get("/definitely/not/here")
    assert response.status_code == 404
    assert_privacy_headers(response)


@pytest.fixture
def crashing_app():
    app = create_app(TestingConfig, {"WNWA_HANDLE_ERRORS": True})

    @app.route("/boom")
    def boom():
        from flask import request

        raise RuntimeError(request.args["q"])  # the message carries request data

    from wnwa.auth.guards import public

    app.view_functions["boom"] = public(app.view_functions["boom"])
    return app


def test_500_page_has_headers_and_logs_no_message(crashing_app, caplog):
    caplog.set_level("DEBUG")
    response = crashing_app.test_client().get("/boom?q=canary-query officer@dept.example")
    assert response.status_code == 500
    assert_privacy_headers(response)
    assert "canary" not in response.get_data(as_text=True)
    assert "unhandled RuntimeError" in caplog.text
    assert "canary" not in caplog.text
    assert "officer@dept.example" not in caplog.text


def test_hsts_only_in_production(monkeypatch, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    prod = create_app(ProductionConfig)
    response = prod.test_client().get("/healthz", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app(ProductionConfig)
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="at least 32"):
        create_app(ProductionConfig)


def test_production_refuses_a_short_fallback_key(monkeypatch):
    """A comment left after SECRET_KEY_FALLBACKS= in an environment file would make its words
    accepted keys: production refuses any fallback key shorter than 32 characters."""
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", "# older keys during a rotation")
    with pytest.raises(RuntimeError, match="SECRET_KEY_FALLBACKS must be at least 32"):
        create_app(ProductionConfig)
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", "y" * 40 + " " + "z" * 32)
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    prod = create_app(ProductionConfig)  # long keys: it starts
    assert prod.test_client().get("/healthz", base_url="https://localhost").status_code == 200
