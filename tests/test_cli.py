"""The `flask --app wsgi ...` commands call the same services as the web."""

import pyotp
from sqlalchemy import func, select

from tests.conftest import sign_in
from wnwa.auth.models import StaffAccount
from wnwa.demo import DEMO_PASSWORD, DEMO_TOTP, MEMBERS
from wnwa.extensions import db
from wnwa.tenants.models import Department, User


def test_departments_create_prints_the_slug(app, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "departments",
            "create",
            "--name",
            "Naperville Police Department",
            "--county",
            "DuPage",
            "--state",
            "il",
            "--sworn",
            "168",
            "--joined",
            "2025-03-01",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "naperville-police-department"
    dept = db.session.scalar(select(Department).where(Department.slug == result.output.strip()))
    assert (dept.state, dept.sworn_declared, dept.joined_on.isoformat()) == (
        "IL",
        168,
        "2025-03-01",
    )


def test_departments_create_refuses_bad_input_clearly(app, ctx):
    runner = app.test_cli_runner()
    bad_state = runner.invoke(
        args=[
            "departments",
            "create",
            "--name",
            "X PD",
            "--county",
            "Y",
            "--state",
            "ZZ",
            "--sworn",
            "10",
        ]
    )
    assert bad_state.exit_code != 0 and "two-letter" in bad_state.output
    runner.invoke(
        args=[
            "departments",
            "create",
            "--name",
            "Dup PD",
            "--county",
            "Y",
            "--state",
            "IL",
            "--sworn",
            "10",
        ]
    )
    dup = runner.invoke(
        args=[
            "departments",
            "create",
            "--name",
            "Dup PD",
            "--county",
            "Y",
            "--state",
            "IL",
            "--sworn",
            "10",
        ]
    )
    assert dup.exit_code != 0 and "already exists" in dup.output
    bad_date = runner.invoke(
        args=[
            "departments",
            "create",
            "--name",
            "Z PD",
            "--county",
            "Y",
            "--state",
            "IL",
            "--sworn",
            "10",
            "--joined",
            "2025-13-01",
        ]
    )
    assert bad_date.exit_code != 0


def test_create_staff_prints_an_activation_link(app, client, ctx):
    result = app.test_cli_runner().invoke(
        args=["users", "create-staff", "--role", "vetter", "--email", "New.Vetter@wnwa.example"]
    )
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith(app.config["PUBLIC_BASE_URL"] + "/activate/")
    page = client.get(link.removeprefix(app.config["PUBLIC_BASE_URL"]))
    assert page.status_code == 200 and "new.vetter@wnwa.example" in page.get_data(True)


def test_create_staff_with_password_from_stdin(app, client, ctx):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-staff",
            "--role",
            "network_admin",
            "--email",
            "na@wnwa.example",
            "--password-stdin",
        ],
        input="a network admin passphrase\n",
    )
    assert result.exit_code == 0, result.output
    secret = result.output.split("authenticator app): ")[1].split()[0]
    response = sign_in(client, "na@wnwa.example", "a network admin passphrase", secret)
    assert response.status_code == 303
    assert client.get("/network/").status_code == 200


def test_create_staff_refuses_duplicates_and_weak_passwords(app, ctx):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create-staff", "--role", "vetter", "--email", "v@wnwa.example"])
    dup = runner.invoke(
        args=["users", "create-staff", "--role", "vetter", "--email", "v@wnwa.example"]
    )
    assert dup.exit_code != 0 and "already exists" in dup.output
    weak = runner.invoke(
        args=[
            "users",
            "create-staff",
            "--role",
            "vetter",
            "--email",
            "w@wnwa.example",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert weak.exit_code != 0 and "at least" in weak.output


def test_demo_seed_builds_the_member_network_once(app, client, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Department.id))) == 56
    assert sum(len(d) for _, d in MEMBERS) == 56
    counties = {c for c, _ in MEMBERS}
    assert counties == {
        "Adams",
        "Cook",
        "DuPage",
        "Grundy",
        "Kane",
        "Kendall",
        "LaSalle",
        "Lake",
        "McHenry",
        "Peoria",
        "Will",
    }
    for role in (
        "officer",
        "chief",
        "department_finance",
        "network_admin",
        "network_finance",
        "vetter",
    ):
        assert role in result.output
    users = db.session.scalar(select(func.count(User.id)).execution_options(unscoped=True))
    assert users > 4000
    again = runner.invoke(args=["demo", "seed"])
    assert "already present" in again.output
    assert db.session.scalar(select(func.count(StaffAccount.id))) == 3
    # every demo login works, and the demo officer finds supporters of other departments
    assert sign_in(client, "officer@aurora.demo", DEMO_PASSWORD).status_code == 303
    page = client.get("/directory/").get_data(as_text=True)
    assert page.count('href="tel:+1312555') >= 10
    assert "Aurora Police Department" not in page.split("<main", 1)[1].split("</main>")[0]
    client.post("/logout")
    assert sign_in(client, "chief@aurora.demo", DEMO_PASSWORD, DEMO_TOTP).status_code == 303
    code = runner.invoke(args=["demo", "totp"]).output.strip()
    assert code == pyotp.TOTP(DEMO_TOTP).now()
    client.post("/logout")
    _demo_data_looks_real(client)


def _demo_data_looks_real(client):

    from wnwa.directory.demo import WOMEN
    from wnwa.directory.models import DirectoryEntry, SupporterProfile
    from wnwa.training.models import ExternalCertificate, Seat

    def unscoped(stmt):
        return db.session.execute(stmt.execution_options(unscoped=True)).all()

    # first names match the stated gender
    genders = unscoped(
        select(User.first_name, SupporterProfile.gender).join(
            SupporterProfile, SupporterProfile.user_id == User.id
        )
    )
    assert len(genders) > 150
    assert all((g == "woman") == (first in WOMEN) for first, g in genders), genders
    # some supporters are available now, some later or away, some with no status
    statuses = {s for (s,) in unscoped(select(DirectoryEntry.status))}
    assert {"now", "later", "away", ""} <= statuses
    # the peer-supporter login is listed, available now, and can change it
    assert sign_in(client, "peer@aurora.demo", DEMO_PASSWORD).status_code == 303
    page = client.get("/directory/me").get_data(as_text=True)
    assert "You are <strong>listed</strong>" in page and "Available now, until" in page
    assert (
        client.post(
            "/directory/me/availability", data={"status": "later", "hours": "4"}
        ).status_code
        == 303
    )
    assert "Available later today" in client.get("/directory/me").get_data(as_text=True)
    client.post("/logout")
    # a class with a waiting list, and external training waiting for review
    assert any(s == "waitlisted" for (s,) in unscoped(select(Seat.status)))
    assert [s for (s,) in unscoped(select(ExternalCertificate.status))] == ["pending"]
    # the officer sees supporters available now first
    assert sign_in(client, "officer@aurora.demo", DEMO_PASSWORD).status_code == 303
    page = client.get("/directory/").get_data(as_text=True)
    assert "available now, listed first" in page
