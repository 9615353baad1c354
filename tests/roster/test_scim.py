"""SCIM 2.0: scim2-tester compliance, Okta- and Entra-shaped requests, tenant isolation."""

from __future__ import annotations

import pytest
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_models import ScimProvider
from scim2_tester import Status, check_server

from tests.roster.conftest import fetch, mail_to, people_of
from wnwa.roster import scim_tokens
from wnwa.tenants.scoping import tenant_context

BASE = "https://localhost/scim/v2"
SCIM = "application/scim+json"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def new_token(dept, label="Okta") -> str:
    with tenant_context(dept.id):
        return scim_tokens.create_token(dept, label=label, actor="test")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": SCIM, "Accept": SCIM}


def okta_user(n: int, **extra) -> dict:
    body = {
        "schemas": [CORE, ENTERPRISE],
        "userName": f"okta{n}@pd.example.gov",
        "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"},
        "emails": [{"primary": True, "value": f"okta{n}@pd.example.gov", "type": "work"}],
        "displayName": f"Given{n} Family{n}",
        "locale": "en-US",
        "externalId": f"00u{n}okta",
        "groups": [],
        "password": "ignored-by-us",
        "active": True,
        ENTERPRISE: {"employeeNumber": f"OK-{n}"},
    }
    body.update(extra)
    return body


def test_scim2_tester_compliance_checks_pass(app, make):
    dept = make.department()
    token = new_token(dept)
    client = WSGISCIMClient(
        app, base_url=BASE, headers={"Authorization": f"Bearer {token}"}, provider=ScimProvider()
    )
    results = check_server(client, raise_exceptions=False)
    failures = [(r.title, r.resource_type, r.reason) for r in results if r.status == Status.ERROR]
    assert failures == []
    succeeded = [r for r in results if r.status == Status.SUCCESS]
    assert len(succeeded) >= 40
    assert {r.title for r in succeeded} >= {
        "object_creation",
        "object_replacement",
        "object_deletion",
        "check_remove_attribute",
    }


def users(client, token, query: str = "") -> dict:
    response = client.get(f"/scim/v2/Users{query}", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_okta_provisioning_flow(client, make):
    dept = make.department()
    token = new_token(dept)
    found = users(
        client, token, "?filter=userName%20eq%20%22okta1%40pd.example.gov%22&startIndex=1&count=100"
    )
    assert found["totalResults"] == 0
    response = client.post("/scim/v2/Users", json=okta_user(1), headers=bearer(token))
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["userName"] == "okta1@pd.example.gov"
    assert created["externalId"] == "00u1okta"
    assert created[ENTERPRISE]["employeeNumber"] == "OK-1"
    assert created["active"] is True and created["userType"] == "Sworn"
    assert "password" not in created
    assert response.headers["Location"].endswith(f"/scim/v2/Users/{created['id']}")
    (job,) = mail_to("okta1@pd.example.gov")
    assert "/activate/" in job.body

    found = users(client, token, "?filter=userName%20eq%20%22OKTA1%40pd.example.gov%22")
    assert [r["id"] for r in found["Resources"]] == [created["id"]]

    replaced = okta_user(
        1, name={"givenName": "Renamed", "familyName": "Family1"}, title="Sergeant"
    )
    response = client.put(f"/scim/v2/Users/{created['id']}", json=replaced, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["name"]["givenName"] == "Renamed"

    deactivate = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]}
    response = client.patch(
        f"/scim/v2/Users/{created['id']}", json=deactivate, headers=bearer(token)
    )
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    person = fetch(dept, int(created["id"]))
    assert (person.first_name, person.rank, person.active) == ("Renamed", "Sergeant", False)
    assert users(client, token, f"/{created['id']}")["active"] is False

    reactivate = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": True}}]}
    client.patch(f"/scim/v2/Users/{created['id']}", json=reactivate, headers=bearer(token))
    assert fetch(dept, int(created["id"])).active is True
    assert len(mail_to("okta1@pd.example.gov")) == 2  # invited again on return


def test_entra_shaped_requests(client, make):
    dept = make.department()
    token = new_token(dept, "Entra")
    body = {
        "schemas": [CORE, ENTERPRISE],
        "externalId": "a1b2c3",
        "userName": "Jane.Doe@pd.example.gov",
        "active": True,
        "displayName": "Jane Doe",
        "emails": [{"primary": True, "type": "work", "value": "Jane.Doe@pd.example.gov"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Jane Doe", "familyName": "Doe", "givenName": "Jane"},
        "title": "Detective",
        ENTERPRISE: {"employeeNumber": "EN-7", "department": "Patrol"},
    }
    response = client.post("/scim/v2/Users", json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_data(as_text=True)
    user_id = response.get_json()["id"]
    person = fetch(dept, int(user_id))
    assert (person.email, person.employee_number, person.rank) == (
        "jane.doe@pd.example.gov",
        "EN-7",
        "Detective",
    )

    found = users(client, token, "?filter=externalId%20eq%20%22a1b2c3%22")
    assert [r["id"] for r in found["Resources"]] == [user_id]

    changes = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "Replace", "path": "name.givenName", "value": "Janet"},
            {
                "op": "Add",
                "path": 'emails[type eq "work"].value',
                "value": "janet.doe@pd.example.gov",
            },
            {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "EN-8"},
        ],
    }
    response = client.patch(f"/scim/v2/Users/{user_id}", json=changes, headers=bearer(token))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    person = fetch(dept, int(user_id))
    assert (person.first_name, person.email, person.employee_number) == (
        "Janet",
        "janet.doe@pd.example.gov",
        "EN-8",
    )

    disable = {
        "schemas": [PATCH],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    response = client.patch(f"/scim/v2/Users/{user_id}", json=disable, headers=bearer(token))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert fetch(dept, int(user_id)).active is False


def test_a_roster_person_is_found_by_email_and_linked_not_duplicated(client, make):
    dept = make.department()
    officer = make.officer(dept, email="csv.person@pd.example.gov", first_name="Csv")
    token = new_token(dept)
    found = users(client, token, "?filter=userName%20eq%20%22csv.person%40pd.example.gov%22")
    assert [r["id"] for r in found["Resources"]] == [str(officer.id)]
    duplicate = okta_user(
        5,
        userName="csv.person@pd.example.gov",
        emails=[{"value": "csv.person@pd.example.gov", "primary": True}],
    )
    duplicate[ENTERPRISE] = {"employeeNumber": officer.employee_number}
    response = client.post("/scim/v2/Users", json=duplicate, headers=bearer(token))
    assert response.status_code == 409
    assert response.get_json()["scimType"] == "uniqueness"
    link = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "externalId", "value": "00u5"}],
    }
    response = client.patch(f"/scim/v2/Users/{officer.id}", json=link, headers=bearer(token))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert users(client, token, "?filter=externalId%20eq%20%2200u5%22")["totalResults"] == 1
    assert len(people_of(dept)) == 1


def test_delete_is_a_departure_and_nothing_is_deleted(client, make):
    dept = make.department()
    token = new_token(dept)
    user_id = client.post("/scim/v2/Users", json=okta_user(2), headers=bearer(token)).get_json()[
        "id"
    ]
    response = client.delete(f"/scim/v2/Users/{user_id}", headers=bearer(token))
    assert response.status_code == 204
    assert client.get(f"/scim/v2/Users/{user_id}", headers=bearer(token)).status_code == 404
    person = fetch(dept, int(user_id))
    assert person.active is False and person.email == "okta2@pd.example.gov"
    again = client.post("/scim/v2/Users", json=okta_user(2), headers=bearer(token))
    assert again.status_code == 201
    assert again.get_json()["id"] == user_id
    assert fetch(dept, int(user_id)).active is True


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"emails": [{"value": "=cmd@pd.example.gov"}]}, "Work email"),
        ({"name": {"givenName": "=HYPERLINK()", "familyName": "X"}}, "formula-like"),
        ({ENTERPRISE: {"employeeNumber": ""}}, "Employee number is missing"),
    ],
)
def test_bad_values_are_refused_with_scim_errors(client, make, change, message):
    dept = make.department()
    token = new_token(dept)
    response = client.post("/scim/v2/Users", json=okta_user(3, **change), headers=bearer(token))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message.lower() in response.get_data(as_text=True).lower()
    assert people_of(dept) == []


def test_an_email_used_in_another_department_is_a_conflict(client, make):
    make.officer(make.department(), email="okta4@pd.example.gov")
    dept = make.department()
    token = new_token(dept)
    response = client.post("/scim/v2/Users", json=okta_user(4), headers=bearer(token))
    assert response.status_code == 409
    assert people_of(dept) == []


def test_without_a_valid_token_nothing_is_served(client, make, login):
    dept = make.department()
    officer = make.officer(dept)
    token = new_token(dept)
    assert client.get("/scim/v2/Users", headers=bearer(token)).status_code == 200
    for headers in (
        {},
        {"Authorization": "Bearer wnwa_scim_nope"},
        {"Authorization": f"Basic {token}"},
        {"Authorization": token},
    ):
        response = client.get(f"/scim/v2/Users/{officer.id}", headers=headers)
        assert response.status_code == 401, headers
        assert response.get_json()["status"] == "401"
    with tenant_context(dept.id):
        (row,) = scim_tokens.list_tokens(dept)
        scim_tokens.revoke_token(dept, row.id, actor="test")
    assert client.get("/scim/v2/Users", headers=bearer(token)).status_code == 401
    chief = make.officer(dept, chief=True)
    login(chief)
    assert client.get("/scim/v2/Users").status_code == 401


def test_one_departments_token_never_sees_or_changes_anothers_users(client, make):
    dept_a, dept_b = make.department(), make.department()
    token_a, token_b = new_token(dept_a), new_token(dept_b)
    theirs = client.post("/scim/v2/Users", json=okta_user(8), headers=bearer(token_b)).get_json()
    csv_person = make.officer(dept_b, email="csvb@pd.example.gov")
    ours = client.post("/scim/v2/Users", json=okta_user(9), headers=bearer(token_a)).get_json()
    listing = users(client, token_a)
    assert [r["id"] for r in listing["Resources"]] == [ours["id"]]
    assert listing["totalResults"] == 1
    for query in (
        "?filter=userName%20eq%20%22okta8%40pd.example.gov%22",
        "?filter=externalId%20eq%20%2200u8okta%22",
        "?filter=userName%20eq%20%22csvb%40pd.example.gov%22",
        "?filter=title%20pr",
    ):
        assert users(client, token_a, query)["totalResults"] == 0, query
    search = client.post(
        "/scim/v2/Users/.search",
        json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]},
        headers=bearer(token_a),
    )
    assert [r["id"] for r in search.get_json()["Resources"]] == [ours["id"]]
    for target in (theirs["id"], str(csv_person.id)):
        assert client.get(f"/scim/v2/Users/{target}", headers=bearer(token_a)).status_code == 404
        put = client.put(
            f"/scim/v2/Users/{target}", json=okta_user(8, title="Hacked"), headers=bearer(token_a)
        )
        assert put.status_code == 404
        patch = client.patch(
            f"/scim/v2/Users/{target}",
            headers=bearer(token_a),
            json={
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "value": {"active": False}}],
            },
        )
        assert patch.status_code == 404
        assert client.delete(f"/scim/v2/Users/{target}", headers=bearer(token_a)).status_code == 404
    for target in (theirs["id"], str(csv_person.id)):
        person = fetch(dept_b, int(target))
        assert person.active is True and person.rank != "Hacked"
    assert len(people_of(dept_a)) == 1


def test_scim_never_tells_whether_someone_activated(client, make):
    from tests.roster.test_web_roster import _with_credentials

    dept = make.department()
    officer = make.officer(dept, email="quiet@pd.example.gov")
    token = new_token(dept)
    _with_credentials(dept, officer.id, activated=True)
    activated = client.get(f"/scim/v2/Users/{officer.id}", headers=bearer(token)).get_json()
    _with_credentials(dept, officer.id, activated=False)
    never = client.get(f"/scim/v2/Users/{officer.id}", headers=bearer(token)).get_json()
    assert activated == never
    assert activated["userName"] == "quiet@pd.example.gov"
    assert "password" not in activated
    assert set(activated["meta"]) <= {"resourceType", "version", "location"}


def test_a_start_index_past_the_end_is_an_empty_page(client, make):
    dept = make.department()
    token = new_token(dept)
    client.post("/scim/v2/Users", json=okta_user(1), headers=bearer(token))
    for start in ("2", "99999999999999999999"):
        page = users(client, token, f"?startIndex={start}")
        assert page["totalResults"] == 1 and page.get("Resources", []) == [], start
    search = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "startIndex": 10**30,
    }
    response = client.post("/scim/v2/Users/.search", json=search, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["totalResults"] == 1


def test_the_primary_address_is_the_sign_in_address(client, make):
    """An identity provider sending a home and a work address marks the one to use: primary
    (RFC 7643 4.1.2) outranks the first, the type and the userName."""
    dept = make.department()
    token = new_token(dept)
    created = client.post("/scim/v2/Users", json=okta_user(1), headers=bearer(token))
    user_id = created.get_json()["id"]
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {
                "op": "replace",
                "path": "emails",
                "value": [
                    {"value": "home70@mail.example", "type": "home"},
                    {"value": "work70@pd.example.gov", "primary": True},
                ],
            }
        ],
    }
    response = client.patch(f"/scim/v2/Users/{user_id}", json=patch, headers=bearer(token))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    emails = client.get(f"/scim/v2/Users/{user_id}", headers=bearer(token)).get_json()["emails"]
    assert emails == [{"value": "work70@pd.example.gov", "type": "work", "primary": True}]


def test_a_request_refused_before_the_protocol_gets_a_scim_error(client, make):
    token = new_token(make.department())
    body = b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a\\u0000b"}'
    response = client.post(
        "/scim/v2/Users",
        data=body,
        headers={**bearer(token), "Content-Type": "application/scim+json"},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/scim+json"
    error = response.get_json()
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["status"] == "400"
