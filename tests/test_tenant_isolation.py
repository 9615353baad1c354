"""Tenant isolation on every department route that names a row.

Signed in to department A with every department role (officer, chief, department finance), each
route of the app that takes the id of a department-owned row is given department B's ids: every
method answers 404 and nothing in the database changes. The routes come from the app's URL map,
so a new route with an id parameter fails `test_every_id_parameter_is_known` until this file
knows how to make that kind of row in another department. The per-area tests (tests/roster,
tests/training, tests/billing, tests/directory) also check lists and exports.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.billing.conftest import (  # noqa: F401 - clock and fake are fixtures
    clock,
    contract_of,
    fake,
    grow_roster,
    invoices_of,
    under_contract,
)
from tests.privacy.snapshots import diff, snapshot
from tests.training.conftest import tr  # noqa: F401 - a fixture
from tests.web.routes import all_routes
from wnwa.extensions import db
from wnwa.roster import scim_tokens
from wnwa.tenants.models import ScimToken
from wnwa.tenants.scoping import tenant_context
from wnwa.training import external
from wnwa.us_states import network_day

TODAY = network_day()
PDF = b"%PDF-1.7\nminimal\n%%EOF\n"
NETWORK_ROLES = frozenset({"network_admin", "network_finance", "vetter"})
# Route parameters that name a department-owned row.
OWNED = ("user_id", "contract_id", "invoice_id", "seat_id", "cert_id", "token_id")
# Route parameters that name a row every department may use.
SHARED = {
    "class_id": "training classes are network-wide; any department reserves seats in them",
    "entry_id": "the peer-supporter directory is read across departments by design",
    "professional_id": "mental-health professionals are network-level listings, no department's",
    "slug": "resources and news are published to every officer of the network",
}


def department_routes(app):
    """Signed-in routes that some department role can reach, with their parameters."""
    for route in all_routes(app):
        if route.public or route.endpoint.startswith("scim."):
            continue  # SCIM binds its tenant from the bearer token (tests/roster/test_scim.py)
        if route.roles is not None and route.roles <= NETWORK_ROLES:
            continue
        if route.rule.arguments:
            yield route


@pytest.fixture
def other_department(ctx, make, fake, clock, tr):  # noqa: F811 - fixtures imported above
    """Department B, with one row of every kind a department route can name."""
    staff = make.staff("network_finance")
    b = make.department("Bravo PD", sworn=30, joined=TODAY - timedelta(days=300))
    grow_roster(make, b, 30)
    under_contract(fake, clock, b, actor=staff)
    zed = make.officer(b, first_name="Zedekiah", last_name="Otherdepartment")
    cls = tr.new_class(TODAY + timedelta(days=30), on=TODAY, capacity=4)
    seat_id = tr.reserve(b, cls.id, zed, TODAY)
    with tenant_context(b.id):
        cert_id = external.submit_external(
            b,
            external.ExternalInput(
                zed.employee_number,
                "Provider",
                "Course",
                TODAY - timedelta(days=9),
                TODAY - timedelta(days=8),
                16,
            ),
            io.BytesIO(PDF),
            actor="test",
            on=TODAY,
        ).id
        scim_tokens.create_token(b, label="Their directory sync", actor="test")
        token_id = db.session.scalars(select(ScimToken.id)).one()
    return {
        "user_id": zed.id,
        "contract_id": contract_of(b.id).id,
        "invoice_id": invoices_of(b.id)[0].id,
        "seat_id": seat_id,
        "cert_id": cert_id,
        "token_id": token_id,
        "class_id": cls.id,
    }


def test_every_id_parameter_is_known(app):
    unknown = {
        (route.endpoint, name)
        for route in department_routes(app)
        for name in route.rule.arguments
        if name not in OWNED and name not in SHARED
    }
    assert unknown == set(), "teach other_department() to make these rows"


def test_another_departments_ids_are_404_on_every_route(app, client, login, make, other_department):
    a = make.department("Alpha PD", sworn=10)
    login(make.officer(a, chief=True, finance=True))
    checked = []
    before = snapshot()
    for route in department_routes(app):
        if not set(route.rule.arguments) & set(OWNED):
            continue
        url = route.rule.build({n: other_department[n] for n in route.rule.arguments})[1]
        for method in sorted(route.rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            assert response.status_code == 404, (method, url, response.status_code)
            # a name no random token can spell (CSRF tokens sit in every page body)
            assert "Otherdepartment" not in response.get_data(as_text=True)
            checked.append(route.endpoint)
    assert diff(before, snapshot()) == {}
    # The walk reached every area that owns rows: people, SCIM tokens, training, billing.
    assert {
        "tenants.person",
        "tenants.revoke",
        "training.approve",
        "training.external_file",
    } <= set(checked)
    assert {"billing.contract", "billing.invoice", "billing.pay_invoice"} <= set(checked)


def test_the_seat_pickers_suggestions_never_name_another_departments_people(
    app, client, login, make, other_department
):
    """A route that finds people by what is typed (no id in the path): only the own roster."""
    a = make.department("Alpha PD", sworn=10)
    login(make.officer(a, chief=True, finance=True))
    before = snapshot()
    for typed in ("zed", "zed other", "other", "o", "00", "@"):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(
                "/department/peer-support/members", query_string={"officer": typed}, headers=headers
            )
            assert response.status_code == 200
            # a name no random token can spell (CSRF tokens sit in every page body)
            assert "Otherdepartment" not in response.get_data(as_text=True)
    assert diff(before, snapshot()) == {}
