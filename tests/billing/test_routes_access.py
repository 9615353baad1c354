"""Who may reach each billing route, and tenant isolation of every department finance route."""

import pytest

from tests.billing.conftest import contract_of, grow_roster, invoices_of, under_contract
from tests.privacy.snapshots import snapshot

DEPARTMENT_GETS = [
    "/billing/",
    "/billing/card",
    "/billing/card/return",
    "/billing/contracts/{contract}",
    "/billing/invoices/{invoice}",
    "/billing/invoices/{invoice}/invoice.pdf",
    "/billing/invoices.csv",
]
DEPARTMENT_POSTS = [
    "/billing/details",
    "/billing/pay-by",
    "/billing/cancel",
    "/billing/card/setup",
    "/billing/card",
    "/billing/invoices/{invoice}/pay",
]
NETWORK_GETS = [
    "/billing/network/",
    "/billing/network/contracts.csv",
    "/billing/network/receivables.csv",
    "/billing/network/contracts/new",
    "/billing/network/contracts/{contract}",
    "/billing/network/tiers",
]
NETWORK_POSTS = [
    "/billing/network/contracts/new",
    "/billing/network/contracts/{contract}/start",
    "/billing/network/contracts/{contract}/discard",
    "/billing/network/contracts/{contract}/exception",
    "/billing/network/contracts/{contract}/cancel",
    "/billing/network/contracts/{contract}/invoices/{invoice}/payment",
    "/billing/network/tiers",
    "/billing/network/renewals",
]


@pytest.fixture
def world(ctx, make, fake, clock):
    """Two departments under contract (each with a year-1 invoice)."""
    staff = make.staff("network_finance")
    a = make.department("Alpha PD", sworn=3)
    b = make.department("Bravo PD", sworn=30)
    grow_roster(make, a, 3)
    grow_roster(make, b, 30)
    under_contract(fake, clock, a, actor=staff)
    under_contract(fake, clock, b, actor=staff)
    return {
        "a": a,
        "b": b,
        "staff": staff,
        "a_contract": contract_of(a.id).id,
        "b_contract": contract_of(b.id).id,
        "a_invoice": invoices_of(a.id)[0],
        "b_invoice": invoices_of(b.id)[0],
    }


def _urls(templates, contract, invoice):
    return [t.format(contract=contract, invoice=invoice) for t in templates]


def _all_routes(world):
    ids = {"contract": world["a_contract"], "invoice": world["a_invoice"].id}
    return (
        [("GET", u) for u in _urls(DEPARTMENT_GETS + NETWORK_GETS, **ids)],
        [("POST", u) for u in _urls(DEPARTMENT_POSTS + NETWORK_POSTS, **ids)],
    )


def test_every_billing_route_is_listed_here(app):
    listed = {
        t.split("{")[0].rstrip("/")
        for t in DEPARTMENT_GETS + DEPARTMENT_POSTS + NETWORK_GETS + NETWORK_POSTS
    }
    rules = {
        r.rule.split("<")[0].rstrip("/")
        for r in app.url_map.iter_rules()
        if r.endpoint.split(".")[0] in ("billing", "billing_network")
    }
    assert rules <= listed | {"/billing/contracts", "/billing/invoices"}


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    gets, posts = _all_routes(world)
    for method, url in gets + posts:
        response = client.open(url, method=method)
        assert response.status_code in (302, 303), (method, url)
        assert "/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", ["officer", "network_admin", "vetter"])
def test_roles_without_billing_are_refused(world, make, client, login, role):
    account = make.officer(world["a"]) if role == "officer" else make.staff(role)
    login(account)
    gets, posts = _all_routes(world)
    for method, url in gets + posts:
        assert client.open(url, method=method).status_code == 403, (role, method, url)


@pytest.mark.parametrize("role", ["finance", "chief"])
def test_department_finance_and_chief_reach_only_the_department_screens(
    world, make, client, login, role
):
    account = make.officer(world["a"], finance=role == "finance", chief=role == "chief")
    login(account)
    for url in _urls(DEPARTMENT_GETS, world["a_contract"], world["a_invoice"].id):
        assert client.get(url).status_code == 200, url
    for method, url in [("GET", u) for u in _urls(NETWORK_GETS, 1, 1)] + [
        ("POST", u) for u in _urls(NETWORK_POSTS, 1, 1)
    ]:
        assert client.open(url, method=method).status_code == 403, url


def test_network_finance_reaches_the_network_screens_only(world, client, login):
    login(world["staff"])
    for url in _urls(NETWORK_GETS, world["a_contract"], world["a_invoice"].id):
        assert client.get(url).status_code == 200, url
    for method, url in [
        ("GET", u) for u in _urls(DEPARTMENT_GETS, world["a_contract"], world["a_invoice"].id)
    ] + [("POST", u) for u in _urls(DEPARTMENT_POSTS, world["a_contract"], world["a_invoice"].id)]:
        assert client.open(url, method=method).status_code == 403, url


@pytest.mark.parametrize("role", ["finance", "chief"])
def test_another_departments_contract_and_invoices_are_404(world, make, client, login, role):
    login(make.officer(world["a"], finance=role == "finance", chief=role == "chief"))
    b_contract, b_invoice = world["b_contract"], world["b_invoice"]
    assert client.get(f"/billing/contracts/{b_contract}").status_code == 404
    assert client.get(f"/billing/invoices/{b_invoice.id}").status_code == 404
    before = snapshot()
    assert client.post(f"/billing/invoices/{b_invoice.id}/pay").status_code == 404
    assert snapshot() == before
    assert client.get("/billing/contracts/999999").status_code == 404
    assert client.get("/billing/invoices/999999").status_code == 404
    page = client.get("/billing/").get_data(as_text=True)
    assert "Alpha PD" in page and world["a_invoice"].number in page
    assert "Bravo PD" not in page
    assert b_invoice.number not in page
    assert "26-50 sworn officers" not in page  # Bravo's tier
    assert f"/billing/invoices/{b_invoice.id}" not in page
    own = client.get(f"/billing/invoices/{world['a_invoice'].id}").get_data(as_text=True)
    assert "Bravo PD" not in own and b_invoice.number not in own


def test_department_posts_only_touch_their_own_contract(world, make, client, login):
    login(make.officer(world["a"], finance=True))
    response = client.post(
        "/billing/details",
        data={
            "po_number": "PO-ALPHA-9",
            "billing_contact": "Alpha Payables",
            "billing_email": "payables@alpha.example",
        },
    )
    assert response.status_code == 303
    assert contract_of(world["a"].id).po_number == "PO-ALPHA-9"
    assert contract_of(world["b"].id).po_number == "PO-1"


def test_the_public_quote_writes_nothing_for_a_signed_in_officer(world, make, client, login):
    login(make.officer(world["a"]))
    before = snapshot()
    for sworn in ("1", "10", "11", "abc", "5001"):
        assert client.get(f"/membership/quote?sworn={sworn}").status_code in (200, 422)
        client.get(f"/membership/quote?sworn={sworn}", headers={"HX-Request": "true"})
    assert snapshot() == before
