"""The public site: every page answers, informs without a cookie, and loads nothing from
another origin; the FAQ's figures come from the data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.training.conftest import tr  # noqa: F401 - a fixture
from tests.web.routes import all_routes
from wnwa.extensions import db
from wnwa.us_states import network_day

INFORMATIONAL = [
    "/",
    "/faq",
    "/privacy",
    "/terms",
    "/crisis-lines",
    "/membership",
    "/membership?sworn=120",
    "/training",
    "/sent/contact",
    "/sent/demo",
    "/sent/member-list",
    "/manifest.webmanifest",
]
WITH_FORMS = ["/contact", "/demo", "/member-agencies", "/login"]


def _public_get_urls(app):
    return [r.url for r in all_routes(app) if r.public and "GET" in r.rule.methods]


@pytest.mark.parametrize("url", INFORMATIONAL)
def test_a_page_that_only_informs_sets_no_cookie(client, url):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.headers.getlist("Set-Cookie") == [], url
    assert client.get_cookie("__Host-wnwa", domain="localhost") is None


@pytest.mark.parametrize("url", WITH_FORMS)
def test_a_page_with_a_form_sets_the_session_cookie_for_its_token(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert any(h.startswith("__Host-wnwa=") for h in response.headers.getlist("Set-Cookie"))


def test_every_public_page_without_a_posting_form_sets_no_cookie(app, client, make):
    make.department()
    checked = 0
    for url in _public_get_urls(app):
        fresh = app.test_client()
        response = fresh.get(url)
        body = response.get_data()
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        posts = re.search(rb"<form\b[^>]*method=[\"']?post|hx-post=", body, re.I)
        cookies = response.headers.getlist("Set-Cookie")
        assert bool(cookies) == bool(posts), (url, cookies)
        checked += 1
    assert checked >= 10


_REFERENCE = re.compile(r"""(?:src|href|action|hx-get|hx-post)=["']([^"']+)["']""", re.I)


def test_no_public_page_refers_to_another_origin_for_anything_it_loads(app, client, make):
    make.department()
    for url in _public_get_urls(app) + ["/faq#training"]:
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        # what a browser fetches by itself: scripts, styles, images, icons, the manifest
        loaded = re.findall(r"<(?:script|img|link|iframe|source|video|audio)\b[^>]*>", html, re.I)
        for tag in loaded:
            for ref in _REFERENCE.findall(tag):
                assert ref.startswith("/") and not ref.startswith("//"), (url, tag)


def test_faq_figures_come_from_the_data(client, make, tr):  # noqa: F811 - the fixture
    make.department("Aurora Police Department", county="Kane", sworn=290)
    make.department("Joliet Police Department", county="Will", sworn=260)
    make.department("Naperville Police Department", county="DuPage", sworn=170)
    left = make.department("Gone Police Department", county="Grundy")
    left.status = "left"
    db.session.commit()
    today = network_day()
    tr.new_class(today + timedelta(days=40), on=today, location="Lisle Police Training Center")
    text = " ".join(client.get("/faq").get_data(as_text=True).split())
    assert "3 departments in 3 counties" in text
    for county in ("DuPage County, IL", "Kane County, IL", "Will County, IL"):
        assert county in text
    assert "Grundy" not in text
    assert "Lisle Police Training Center" in text
    assert (today + timedelta(days=40)).strftime("%B %-d, %Y") in text
    # the quota examples are computed from the quota rule, not typed
    assert "50 sworn officers needs 4 to 5" in text
    assert "13,000 needs 260 to 390" in text


def test_home_says_what_the_network_is_and_links_crisis_help(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="tel:988"' in html
    assert "another" in html and "Sign in" in html


def test_home_offers_a_signed_in_visitor_their_portal_not_a_sign_in(client, make, login):
    dept = make.department()
    login(make.officer(dept))
    html = client.get("/").get_data(as_text=True)
    assert 'href="/home" role="button">Open your portal</a>' in html
    assert 'href="/login"' not in html
    assert client.get("/home").headers["Location"] == "/directory/"


def test_manifest_and_icons_make_the_portal_installable(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json(force=True)
    assert data["display"] == "standalone" and data["start_url"] == "/home"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    html = client.get("/").get_data(as_text=True)
    assert 'rel="manifest"' in html


def test_no_service_worker_anywhere(app):
    from pathlib import Path

    root = Path(app.root_path)
    for path in list(root.rglob("*.js")) + list((root.parent / "templates").rglob("*.html")):
        assert "serviceWorker" not in path.read_text(errors="replace"), path


def test_the_crisis_page_offers_988_by_call_and_by_text(client):
    """Someone who cannot talk taps "Text 988" and gets a message, not the dialer."""
    html = client.get("/crisis-lines").get_data(as_text=True)
    assert '<a href="tel:988" class="call-button" role="button">Call 988</a>' in html
    assert '<a href="sms:988" class="call-button" role="button">Text 988</a>' in html
    assert "Call or text 988" not in html


def test_the_shares_quoted_follow_the_settings_in_force(client, ctx):
    """The FAQ and the membership page word the quota from the settings network admins keep,
    as the calculators compute it, never from text that can go out of date."""
    from tests import factories
    from wnwa.training import overview, settings

    for page in ("/faq", "/membership"):
        html = client.get(page).get_data(as_text=True)
        assert "7 to 10%" in html and "2 to 3%" in html, page
    settings.update_settings(
        small_min=0.05,
        small_target=0.06,
        large_min=0.01,
        large_target=0.015,
        renewal_months=None,
        actor=factories.staff("network_admin"),
    )
    for page in ("/faq", "/membership"):
        html = client.get(page).get_data(as_text=True)
        assert "5 to 6%" in html and "1 to 1.5%" in html and "7 to 10%" not in html, page
    small = overview.calculate(50)
    words = overview.count_words(small.minimum, small.target)
    faq = " ".join(client.get("/faq").get_data(as_text=True).split())
    assert f"needs {words} trained peer supporters" in faq
