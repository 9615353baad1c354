"""Leaving and coming back (docs/RULES.md 4.3 to 4.3.2), by every path: CSV, the person page,
SCIM. A departure ends roles and credentials; a return is a plain officer with a new
invitation; a department always keeps an active chief."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from tests.roster.conftest import fetch, mail_to, person, roster_csv
from tests.roster.test_scim import ENTERPRISE, PATCH, bearer, new_token, okta_user
from wnwa.auth.services import InvalidToken, account_for_token, activation_token
from wnwa.extensions import db
from wnwa.roster.provisioning import depart_people, import_roster
from wnwa.tenants.models import ScimIdentity
from wnwa.tenants.scoping import tenant_context

JSMITH = "jsmith@pd.example.gov"


def run_import(dept, people, *, full_sync=False):
    with tenant_context(dept.id):
        return import_roster(dept, roster_csv(people), full_sync=full_sync, actor="test")


def old_password_signs_in(app, email: str) -> bool:
    """Whether the password the person had before leaving still passes the password step."""
    response = app.test_client().post(
        "/login", data={"email": email, "password": factories.PASSWORD}
    )
    assert response.status_code in (303, 401), response.status_code
    return response.status_code == 303


def assert_left_with_nothing(dept, user_id: int) -> None:
    user = fetch(dept, user_id)
    assert (user.active, user.is_chief, user.is_finance) == (False, False, False)
    assert user.password_hash != factories.password_hash()
    assert user.read_secrets().totp is None


def assert_back_as_plain_officer(app, dept, user_id: int, email: str) -> None:
    user = fetch(dept, user_id)
    assert (user.active, user.is_chief, user.is_finance) == (True, False, False)
    assert user.read_secrets().totp is None
    assert not old_password_signs_in(app, email)
    job = mail_to(email)[-1]
    link = next(line for line in job.body.splitlines() if "/activate/" in line)
    assert account_for_token(link.rsplit("/", 1)[1]).id == user_id


def former_chief(make, dept):
    """jsmith@, a chief with department finance, activated (password and two-step key), and
    another chief who stays."""
    other = make.officer(dept, chief=True, first_name="Other", last_name="Chief")
    jsmith = make.officer(dept, email=JSMITH, chief=True, finance=True, last_name="Smith")
    return other, jsmith


# --- the CSV import -------------------------------------------------------------------------


def test_a_full_sync_departure_ends_roles_and_the_old_password(app, make):
    dept = make.department()
    other, jsmith = former_chief(make, dept)
    old_link = activation_token(jsmith)
    stays = person(1, employee_number=other.employee_number, email=other.email)
    other_id, jsmith_id = other.id, jsmith.id
    assert old_password_signs_in(app, JSMITH)
    run_import(dept, [stays], full_sync=True)
    assert_left_with_nothing(dept, jsmith_id)
    assert fetch(dept, other_id).is_chief is True
    assert not old_password_signs_in(app, JSMITH)
    with pytest.raises(InvalidToken):
        account_for_token(old_link)


def test_reimporting_a_departed_email_brings_back_a_plain_officer_with_an_invitation(app, make):
    dept = make.department()
    jsmith_id = former_chief(make, dept)[1].id
    with tenant_context(dept.id):
        depart_people([jsmith_id])
        db.session.commit()
    # HR gives the mailbox to a new hire, who appears on the next roster.
    new_hire = person(77, email=JSMITH, first_name="Jordan", last_name="Smith")
    result = run_import(dept, [new_hire])
    assert (result.added, result.updated, result.invited) == (0, 1, 1)
    assert fetch(dept, jsmith_id).first_name == "Jordan"
    assert_back_as_plain_officer(app, dept, jsmith_id, JSMITH)
    assert len(mail_to(JSMITH)) == 1


def test_an_account_that_left_before_this_rule_still_returns_without_roles(app, make):
    """Departed accounts that kept roles and credentials lose them when they come back."""
    dept = make.department()
    make.officer(dept, chief=True)
    jsmith = make.officer(dept, email=JSMITH, chief=True, finance=True, active=False)
    run_import(dept, [person(5, employee_number=jsmith.employee_number, email=JSMITH)])
    assert_back_as_plain_officer(app, dept, jsmith.id, JSMITH)


# --- the person page ------------------------------------------------------------------------


def test_the_person_page_departure_and_reinstatement(app, chief_client, make):
    client, dept, _ = chief_client
    jsmith = make.officer(dept, email=JSMITH, chief=True, finance=True)
    client.post(f"/department/people/{jsmith.id}/depart")
    assert_left_with_nothing(dept, jsmith.id)
    assert mail_to(JSMITH) == []
    response = client.post(f"/department/people/{jsmith.id}/reinstate")
    assert f"An invitation to choose a password is on its way to {JSMITH}." in response.get_data(
        as_text=True
    )
    assert_back_as_plain_officer(app, dept, jsmith.id, JSMITH)
    assert len(mail_to(JSMITH)) == 1


# --- SCIM -----------------------------------------------------------------------------------

DEACTIVATE = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]}
REACTIVATE = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": True}}]}


def test_scim_deactivation_and_reactivation(app, client, make):
    dept = make.department()
    _, jsmith = former_chief(make, dept)
    token = new_token(dept)
    response = client.patch(f"/scim/v2/Users/{jsmith.id}", json=DEACTIVATE, headers=bearer(token))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert_left_with_nothing(dept, jsmith.id)
    response = client.patch(f"/scim/v2/Users/{jsmith.id}", json=REACTIVATE, headers=bearer(token))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert_back_as_plain_officer(app, dept, jsmith.id, JSMITH)
    assert len(mail_to(JSMITH)) == 1


def test_scim_delete_then_create_again(app, client, make):
    dept = make.department()
    _, jsmith = former_chief(make, dept)
    token = new_token(dept)
    response = client.delete(f"/scim/v2/Users/{jsmith.id}", headers=bearer(token))
    assert response.status_code == 204, response.get_data(as_text=True)
    assert_left_with_nothing(dept, jsmith.id)
    body = okta_user(
        1, userName=JSMITH, emails=[{"value": JSMITH, "type": "work", "primary": True}]
    )
    body[ENTERPRISE] = {"employeeNumber": jsmith.employee_number}
    response = client.post("/scim/v2/Users", json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["id"] == str(jsmith.id)
    assert_back_as_plain_officer(app, dept, jsmith.id, JSMITH)


# --- a department keeps a chief -------------------------------------------------------------


def _refused(response) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["status"], body["scimType"]) == ("400", "invalidValue")
    assert "at least one chief" in body["detail"]


@pytest.mark.parametrize("how", ["patch", "put", "delete"])
def test_scim_cannot_remove_the_only_chief(client, make, how):
    dept = make.department()
    chief = make.officer(dept, chief=True, finance=True)
    token = new_token(dept)
    url = f"/scim/v2/Users/{chief.id}"
    if how == "patch":
        response = client.patch(url, json=DEACTIVATE, headers=bearer(token))
    elif how == "put":
        body = okta_user(
            1,
            active=False,
            userName=chief.email,
            emails=[{"value": chief.email, "type": "work", "primary": True}],
        )
        body[ENTERPRISE] = {"employeeNumber": chief.employee_number}
        response = client.put(url, json=body, headers=bearer(token))
    else:
        response = client.delete(url, headers=bearer(token))
    _refused(response)
    kept = fetch(dept, chief.id)
    assert (kept.active, kept.is_chief, kept.is_finance) == (True, True, True)
    assert kept.password_hash == factories.password_hash()
    with tenant_context(dept.id):
        assert db.session.scalars(select(ScimIdentity)).all() == []


@pytest.mark.parametrize("how", ["patch", "delete"])
def test_scim_may_remove_a_chief_while_another_remains(client, make, how):
    dept = make.department()
    chief_id = make.officer(dept, chief=True).id
    make.officer(dept, chief=True)
    token = new_token(dept)
    url = f"/scim/v2/Users/{chief_id}"
    if how == "patch":
        response = client.patch(url, json=DEACTIVATE, headers=bearer(token))
    else:
        response = client.delete(url, headers=bearer(token))
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert_left_with_nothing(dept, chief_id)
