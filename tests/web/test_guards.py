"""Every endpoint is public by decision or refuses anonymous visitors; role rules hold."""

import pytest

from tests.web.routes import all_routes, same_path_links

STAFF_ROLES = {"network_admin", "network_finance", "vetter"}


def test_every_private_route_refuses_anonymous_visitors(app, client):
    checked = 0
    for route in all_routes(app):
        if route.public:
            continue
        for method in sorted(route.rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(route.url, method=method)
            assert response.status_code in (302, 303), (route.url, method, response.status_code)
            assert response.headers["Location"].split("?")[0].endswith("/login"), route.url
            checked += 1
    assert checked >= 3


# Public endpoints that accept writes: each one a deliberate decision.
PUBLIC_WRITES_PREFIXES = (
    "auth.",  # sign-in, second factor, activation, sign-out
    "scim",  # bearer-token API for identity providers
    "billing_webhook",  # Stripe, signature-checked
    "billing_public",
    "training_public",
    "professionals_public",  # the professional application and re-confirmation (signed link)
    "site.",  # contact, demo and member-list forms: CSRF, honeypot, throttled per address
)


def test_public_routes_that_accept_writes_are_deliberate(app):
    for route in all_routes(app):
        if route.public and route.rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            assert route.endpoint.startswith(PUBLIC_WRITES_PREFIXES), (
                f"public endpoint {route.endpoint} accepts writes"
            )


def _expected_refusal(route, roles: set[str]) -> bool:
    return route.roles is not None and not (route.roles & roles)


def _assert_answers(who: str, url: str, response) -> None:
    """A role allowed on a route gets an answer from it: never a refusal, never a 5xx (a page
    may still say 404 for a placeholder id, or redirect)."""
    assert response.status_code != 403, (who, url)
    assert response.status_code < 500, (who, url, response.status_code)


@pytest.mark.parametrize(
    "who", ["officer", "chief", "department_finance", "network_admin", "network_finance", "vetter"]
)
def test_role_rules_on_every_route(app, client, make, login, who):
    dept = make.department()
    if who in STAFF_ROLES:
        account = make.staff(who)
    else:
        account = make.officer(dept, chief=who == "chief", finance=who == "department_finance")
    login(account)
    refused = variants = 0
    for route in all_routes(app):
        if route.public or "GET" not in route.rule.methods:
            continue
        response = client.get(route.url)
        if _expected_refusal(route, set(account.roles)):
            assert response.status_code == 403, (who, route.url, response.status_code)
            refused += 1
        else:
            _assert_answers(who, route.url, response)
            if response.status_code == 200 and response.mimetype == "text/html":
                for link in same_path_links(response.get_data(as_text=True), route.url):
                    _assert_answers(who, link, client.get(link))
                    variants += 1
    if who == "officer":
        assert refused >= 2  # at least the chief's and the network's areas
    if who == "network_admin":
        assert variants >= 2  # e.g. the external-training list's filter links
