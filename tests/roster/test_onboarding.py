"""Network admins onboard departments: create with a first chief, list, edit, completeness."""

from __future__ import annotations

from sqlalchemy import select

from tests.roster.conftest import mail_to, people_of
from wnwa.audit import AuditEntry
from wnwa.extensions import db
from wnwa.tenants.models import Department
from wnwa.tenants.scoping import tenant_context

FORM = {
    "name": "Lakeside Police Department",
    "county": "Lake",
    "state": "il",
    "sworn": "120",
    "joined": "2026-03-01",
    "chief_email": "Chief.Stone@lakeside.example.gov",
    "chief_first_name": "Robin",
    "chief_last_name": "Stone",
    "chief_employee_number": "L-1",
}


def test_admin_creates_a_department_and_the_first_chief_is_invited(client, make, login):
    admin = make.staff("network_admin")
    login(admin)
    assert client.get("/network/departments/new").status_code == 200
    response = client.post("/network/departments/new", data=FORM)
    assert response.status_code == 303, response.get_data(as_text=True)
    dept = db.session.scalars(
        select(Department).where(Department.slug == "lakeside-police-department")
    ).one()
    assert (dept.county, dept.state, dept.sworn_declared, dept.joined_on.isoformat()) == (
        "Lake",
        "IL",
        120,
        "2026-03-01",
    )
    (chief,) = people_of(dept)
    assert (chief["email"], chief["employee_number"], chief["is_chief"], chief["active"]) == (
        "chief.stone@lakeside.example.gov",
        "L-1",
        True,
        True,
    )
    (job,) = mail_to("chief.stone@lakeside.example.gov")
    assert "Hello Robin," in job.body and "Lakeside Police Department" in job.body
    # a chief's invitation says what comes first: an authenticator app, then the roster
    assert "Lakeside Police Department's chief on the portal" in job.body
    assert "authenticator app" in job.body and "import your department's roster" in job.body
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 of 120 declared sworn officers are on the roster (119 still missing)" in detail
    assert "Robin Stone (chief.stone@lakeside.example.gov)" in detail
    assert "Department joined the network" in detail
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "department.onboarded")
        .execution_options(unscoped=True)  # network staff read the trail across departments
    ).one()
    assert entry.actor == f"staff {admin.id} <{admin.email}>"
    # the trail names the chief by employee number, never by address
    assert "chief.stone" not in str(entry.details)
    assert "first chief Robin Stone (employee L-1)" in " ".join(detail.split())


def test_the_first_chief_can_activate_and_reach_the_roster(client, make, login):
    login(make.staff("network_admin"))
    client.post("/network/departments/new", data=FORM)
    client.post("/logout")
    (job,) = mail_to("chief.stone@lakeside.example.gov")
    link = next(line for line in job.body.splitlines() if "/activate/" in line)
    page = client.get(link.replace("https://localhost", ""))
    assert page.status_code == 200


def test_bad_onboarding_input_creates_nothing(client, make, login):
    login(make.staff("network_admin"))
    make.officer(make.department(), email="taken@x.example")
    count = db.session.scalar(select(db.func.count(Department.id)))
    for change, message in (
        ({"state": "ZZ"}, "two-letter code"),
        ({"chief_email": "taken@x.example"}, "already has an account"),
        ({"chief_first_name": "=cmd"}, "formula-like"),
        ({"sworn": "0"}, "between 1 and 100,000"),
        ({"name": ""}, "Give the department&#39;s name."),
        ({"state": ""}, "Choose the state."),
        ({"chief_email": "bad@"}, "Enter an email address like name@department.gov."),
        ({"chief_last_name": " "}, "Give the chief&#39;s last name."),
        ({"name": "警察"}, "at least one letter from A to Z or a digit"),
        ({"joined": "2099-01-01"}, "The joining date must be between Jan 1, 2000 and"),
        ({"joined": "0001-01-01"}, "The joining date must be between Jan 1, 2000 and"),
    ):
        response = client.post(
            "/network/departments/new", data={**FORM, **change}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    assert db.session.scalar(select(db.func.count(Department.id))) == count
    assert mail_to("chief.stone@lakeside.example.gov") == []


def test_overview_lists_completeness_and_a_place_for_quota(client, make, login):
    dept = make.department("Completeville PD", sworn=4)
    for _ in range(3):
        make.officer(dept)
    make.officer(dept, sworn=False)
    make.officer(dept, active=False)
    login(make.staff("network_admin"))
    html = client.get("/network/").get_data(as_text=True)
    row = html.split("Completeville PD")[1].split("</tr>")[0]
    assert "3 / 4" in row and "75% (1 missing)" in row
    assert "Peer-supporter quota" in html


def test_overview_lists_members_and_departed_departments_by_name(client, make, login):
    make.department("Bravo PD")
    gone = make.department("Alpha PD")
    make.department("Charlie PD")
    with tenant_context(gone.id):
        db.session.get(Department, gone.id).status = "left"
        db.session.commit()
    login(make.staff("network_admin"))
    html = client.get("/network/").get_data(as_text=True)
    names = [n for n in ("Alpha PD", "Bravo PD", "Charlie PD") if n in html]
    assert sorted(names, key=html.index) == ["Alpha PD", "Bravo PD", "Charlie PD"]
    assert "Left the network" in html.split("Alpha PD")[1].split("</tr>")[0]
    assert "Left the network" not in html.split("Bravo PD")[1].split("</tr>")[0]


def test_admin_edits_a_department(client, make, login):
    dept = make.department("Old Name PD", sworn=10)
    login(make.staff("network_admin"))
    form = client.get(f"/network/departments/{dept.id}/edit").get_data(as_text=True)
    assert 'value="Old Name PD"' in form and 'value="10"' in form
    response = client.post(
        f"/network/departments/{dept.id}/edit",
        data={
            "name": "New Name PD",
            "county": "Cook",
            "state": "IL",
            "sworn": "12",
            "joined": "2024-01-15",
            "status": "active",
        },
    )
    assert response.status_code == 303
    edited = db.session.scalars(
        select(Department).where(Department.id == dept.id).execution_options(populate_existing=True)
    ).one()
    assert (edited.name, edited.sworn_declared, edited.slug) == ("New Name PD", 12, dept.slug)
    assert client.get("/network/departments/999999").status_code == 404


def test_admin_resends_a_chief_invitation(client, make, login):
    dept = make.department()
    chief = make.officer(dept, chief=True, email="boss@pd.example.gov")
    officer = make.officer(dept)
    login(make.staff("network_admin"))
    response = client.post(f"/network/departments/{dept.id}/chiefs/{chief.id}/invite")
    assert response.status_code == 303
    assert len(mail_to("boss@pd.example.gov")) == 1
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "roster.invitation")
        .execution_options(unscoped=True)
    ).one()
    assert entry.subject == f"employee {chief.employee_number}"
    assert (
        client.post(f"/network/departments/{dept.id}/chiefs/{officer.id}/invite").status_code == 404
    )
    other = make.department()
    assert (
        client.post(f"/network/departments/{other.id}/chiefs/{chief.id}/invite").status_code == 404
    )


def test_an_accented_name_makes_a_plain_address_name():
    from wnwa.tenants.services import slugify

    assert slugify("Cañon City Police Department") == "canon-city-police-department"
    assert slugify("Peña Blanca P.D.") == "pena-blanca-p-d"
