"""A NUL (or any other control character) in any query parameter or form field never reaches
the database: the request is answered (the value cleaned), never with a 500. Nor does a
character that is a digit to `str.isdigit` but not to `int` ("²"), where a number is expected.

Every role walks the app: the pages it can open (following links to real rows), every form on
them, and every route of the URL map. Each GET parameter and form field the app shows anywhere
is sent holding `ab<NUL>cd`, as a page and as an htmx partial, on SQLite and on PostgreSQL
(where an unhandled NUL fails the query).
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from tests.web.routes import all_routes
from wnwa.input_guard import clean_text

NUL = "ab\x00cd"
NOT_A_NUMBER = "²"  # str.isdigit() says yes, int() says no: numbers are checked with isdecimal
STAFF_ROLES = {"network_admin", "network_finance", "vetter"}
ROLES = ["anonymous", "officer", "chief", "department_finance", *sorted(STAFF_ROLES)]
SKIP_ENDPOINTS = {"auth.logout"}  # would end the walk's own session
MAX_PAGES = 120


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.links: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.add(a["href"])
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            self.forms.append({"method": method, "action": a.get("action") or "", "fields": set()})
        elif tag in ("input", "select", "textarea", "button") and a.get("name") and self.forms:
            if a.get("type") not in ("file",):
                self.forms[-1]["fields"].add(a["name"])


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _local(base: str, href: str) -> str | None:
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "localhost"):
        return None
    if parts.path.startswith("/static/"):
        return None
    return parts.path


def _check(response, what):
    # 503 is a deliberate answer (billing not configured, Stripe unreachable); 500 never is.
    assert response.status_code < 500 or response.status_code == 503, (what, response.status_code)
    assert "\x00" not in response.get_data(as_text=True), what


def _sign_in(who, make, login):
    dept = make.department()
    make.officer(dept, first_name="Listed")  # something on the roster
    if who == "anonymous":
        return
    if who in STAFF_ROLES:
        account = make.staff(who)
    else:
        account = make.officer(dept, chief=who == "chief", finance=who == "department_finance")
    login(account)


def test_clean_text_keeps_line_breaks_and_drops_controls():
    assert clean_text("a\x00b\x07c\x1bd\x7fe\x85f") == "abcdef"
    assert clean_text("line\r\nnext\tcol\rlast") == "line\nnext\tcol\nlast"


def test_roster_search_with_nul_is_answered(app, client, make, login):
    dept = make.department()
    chief = make.officer(dept, chief=True)
    make.officer(dept, last_name="Abcd")
    login(chief)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/department/roster?q=ab%00cd", headers=headers)
        assert response.status_code == 200, response.status_code
        assert "Abcd" in response.get_data(as_text=True)


def test_a_search_ending_before_the_surrogates_is_answered(app, client, make, login):
    """U+D7FF is the last character before the surrogate block: the search's upper bound is
    U+E000, never a surrogate (which no database can take)."""
    dept = make.department()
    login(make.officer(dept, chief=True))
    for url in (
        "/department/roster?q=a%ED%9F%BF",
        "/department/peer-support/members?officer=a%ED%9F%BF",
    ):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, (url, response.status_code)


def test_nul_in_a_path_segment_is_not_found(client):
    assert client.get("/activate/ab%00cd").status_code == 404


def test_json_body_with_an_escaped_nul_is_refused(client):
    response = client.post(
        "/billing/stripe/webhook", data='{"id": "ab\\u0000cd"}', content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("who", ROLES)
def test_nul_in_every_parameter_and_field_of_every_route(app, client, make, login, who):
    _sign_in(who, make, login)
    routes = [r for r in all_routes(app) if r.endpoint not in SKIP_ENDPOINTS]
    # 1. Walk the pages this role can open, collecting their forms.
    queue = [r.url for r in routes if "GET" in r.rule.methods and not r.rule.arguments]
    seen: set[str] = set()
    forms: list[dict] = []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        _check(response, url)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        page = _parse(response.get_data(as_text=True))
        for form in page.forms:
            form["page"] = url
            forms.append(form)
        for href in page.links:
            target = _local(url, href)
            if target and target not in seen and "logout" not in target:
                queue.append(target)
    names = set().union(*(f["fields"] for f in forms)) | {"q", "page", "include_own"}
    sent = 0
    for poison in (NUL, NOT_A_NUMBER):
        poisoned = {name: poison for name in names}
        # 2. Every form, as the page would send it, with every field poisoned.
        for form in forms:
            action = _local(form["page"], form["action"]) or form["page"]
            if "logout" in action:
                continue
            data = {name: poison for name in form["fields"]}
            for headers in ({}, {"HX-Request": "true"}):
                if form["method"] == "post":
                    response = client.post(action, data=data, headers=headers)
                else:
                    response = client.get(action + "?" + urlencode(data), headers=headers)
                _check(response, (poison, form["method"], action))
                sent += 1
        # 3. Every route, every method, with every parameter name seen anywhere.
        for route in routes:
            for method in sorted(route.rule.methods - {"HEAD", "OPTIONS"}):
                if method == "GET":
                    response = client.get(route.url + "?" + urlencode(poisoned))
                else:
                    response = client.open(route.url, method=method, data=poisoned)
                _check(response, (poison, method, route.url))
                sent += 1
        for url in seen:
            response = client.get(url + "?" + urlencode(poisoned), headers={"HX-Request": "true"})
            _check(response, (poison, "GET", url))
    assert sent > 2 * len(routes)


def test_an_id_too_large_for_the_database_is_not_found(app, client):
    """Every `<int:...>` of every route takes 64-bit ids only: a longer number is a 404, not
    an overflow in the database driver (SQLite refuses integers past 64 bits)."""
    huge = "9" * 20
    checked = 0
    for rule in app.url_map.iter_rules():
        ints = [n for n, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if not ints or "GET" not in rule.methods:
            continue
        path = rule.rule
        for name in rule.arguments:
            value = huge if name in ints else "x"
            path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
            path = path.replace(f"<path:{name}>", value)
        assert client.get(path).status_code == 404, path
        checked += 1
    assert checked > 10
