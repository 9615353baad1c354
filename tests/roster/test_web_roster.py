"""The chief's roster screen, one person, export, invitations, roles and departures."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from tests.roster.conftest import fetch, mail_to, people_of
from wnwa.audit import AuditEntry
from wnwa.extensions import db
from wnwa.tenants.credentials import fresh_credentials
from wnwa.tenants.scoping import tenant_context
from wnwa.us_states import local_time

HX = {"HX-Request": "true"}


def test_roster_lists_searches_sorts_and_pages(chief_client, make):
    client, dept, chief = chief_client
    for n in range(60):
        make.officer(
            dept,
            first_name=f"Given{n:02d}",
            last_name=f"Zed{n:02d}",
            rank="Detective" if n == 7 else "Officer",
        )
    html = client.get("/department/roster").get_data(as_text=True)
    assert "Showing 1–50 of 61 people." in html
    assert "Page 1 of 2" in html
    assert html.index("Chief, Casey") < html.index("Zed00, Given00")
    page2 = client.get("/department/roster?page=2").get_data(as_text=True)
    assert "Zed59, Given59" in page2 and "Zed00" not in page2
    found = client.get("/department/roster?q=GIVEN07", headers=HX)
    body = found.get_data(as_text=True)
    assert "<html" not in body
    assert "Showing 1–1 of 1 people." in body and "Zed07, Given07" in body
    desc = client.get("/department/roster?sort=name&order=desc").get_data(as_text=True)
    assert desc.index("Zed59") < desc.index("Zed58")
    assert 'aria-sort="descending"' in desc


def test_search_treats_wildcards_literally(chief_client, make):
    client, dept, _ = chief_client
    make.officer(dept, last_name="Percent")
    html = client.get("/department/roster?q=%25").get_data(as_text=True)
    assert "No people match." in html


def test_departed_people_are_listed_apart(chief_client, make):
    client, dept, _ = chief_client
    gone = make.officer(dept, last_name="Gone", active=False)
    active = client.get("/department/roster").get_data(as_text=True)
    assert "Gone," not in active
    departed = client.get("/department/roster?status=departed").get_data(as_text=True)
    assert f"/department/people/{gone.id}" in departed


def test_a_person_without_a_rank_can_be_edited(chief_client, make):
    """CSV and SCIM may leave the rank empty; the chief's form saves such a person too."""
    client, dept, _ = chief_client
    officer = make.officer(dept, first_name="Nora", last_name="Norank", rank="")
    response = client.post(
        f"/department/people/{officer.id}",
        data={
            "employee_number": officer.employee_number,
            "first_name": "Norah",
            "last_name": "Norank",
            "email": officer.email,
            "rank": "",
            "sworn": "sworn",
        },
    )
    assert response.status_code == 200 and "Saved." in response.get_data(as_text=True)
    (row,) = [p for p in people_of(dept) if p["id"] == officer.id]
    assert (row["first_name"], row["rank"]) == ("Norah", "")


def test_edit_one_person(chief_client, make):
    client, dept, _ = chief_client
    officer = make.officer(dept, first_name="Ann", last_name="Lee")
    page = client.get(f"/department/people/{officer.id}").get_data(as_text=True)
    assert 'value="Ann"' in page
    response = client.post(
        f"/department/people/{officer.id}",
        data={
            "employee_number": "X-9",
            "first_name": "Anne",
            "last_name": "Lee",
            "email": "ANNE.LEE@pd.example.gov",
            "rank": "Sergeant",
            "sworn": "civilian",
        },
    )
    assert response.status_code == 200 and "Saved." in response.get_data(as_text=True)
    (row,) = [p for p in people_of(dept) if p["id"] == officer.id]
    assert (row["employee_number"], row["first_name"], row["email"], row["rank"], row["sworn"]) == (
        "X-9",
        "Anne",
        "anne.lee@pd.example.gov",
        "Sergeant",
        False,
    )
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "roster.edit")
        .execution_options(unscoped=True)  # read from outside the department
    ).one()
    assert entry.details["fields"] == [
        "Employee number",
        "First name",
        "Work email",
        "Rank",
        "Sworn or civilian",
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "not a valid email address"),
        ("rank", "=1+1", "formula-like values are refused"),
        ("email", "taken@elsewhere.example", "outside this department"),
    ],
)
def test_edit_refuses_bad_values(chief_client, make, field, value, message):
    client, dept, _ = chief_client
    make.officer(make.department(), email="taken@elsewhere.example")
    officer = make.officer(dept)
    data = {
        "employee_number": officer.employee_number,
        "first_name": "A",
        "last_name": "B",
        "email": officer.email,
        "rank": "Officer",
        "sworn": "sworn",
    }
    data[field] = value
    response = client.post(f"/department/people/{officer.id}", data=data, headers=HX)
    assert response.status_code in (409, 422)
    assert message in response.get_data(as_text=True)
    assert fetch(dept, officer.id).first_name == officer.first_name


def test_designate_and_remove_roles(chief_client, make):
    client, dept, chief = chief_client
    officer = make.officer(dept)
    response = client.post(
        f"/department/people/{officer.id}/roles", data={"chief": "y", "finance": "y"}
    )
    assert response.status_code == 200
    user = fetch(dept, officer.id)
    assert (user.is_chief, user.is_finance) == (True, True)
    client.post(f"/department/people/{officer.id}/roles", data={})
    user = fetch(dept, officer.id)
    assert (user.is_chief, user.is_finance) == (False, False)


def test_the_last_chief_cannot_be_removed_or_depart(chief_client):
    client, dept, chief = chief_client
    response = client.post(f"/department/people/{chief.id}/roles", data={})
    assert response.status_code == 422
    assert "at least one chief" in response.get_data(as_text=True)
    response = client.post(f"/department/people/{chief.id}/depart")
    assert response.status_code == 422
    assert fetch(dept, chief.id).is_chief is True


def test_mark_a_departure_and_reinstate(chief_client, make):
    client, dept, _ = chief_client
    officer = make.officer(dept)
    response = client.post(f"/department/people/{officer.id}/depart")
    assert "has left the roster" in response.get_data(as_text=True)
    assert [p["active"] for p in people_of(dept) if p["id"] == officer.id] == [False]
    client.post(f"/department/people/{officer.id}/reinstate")
    assert [p["active"] for p in people_of(dept) if p["id"] == officer.id] == [True]
    # a second click (or a second chief) is told so; no second invitation, no claim of one
    again = client.post(f"/department/people/{officer.id}/reinstate")
    assert again.status_code == 409
    assert "is already on the roster" in again.get_data(as_text=True)
    assert "on its way" not in again.get_data(as_text=True)
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.department_id == dept.id)
        .execution_options(unscoped=True)  # read from outside the department
    ).all()
    assert {"roster.departure", "roster.reinstate"} <= set(actions)


def test_a_save_over_details_changed_since_the_page_opened_is_refused(chief_client, make):
    """Two chiefs edit one person: the second save would silently undo the first. It is
    refused with the typed changes kept; saving again applies them on purpose."""
    client, dept, _ = chief_client
    officer = make.officer(dept, first_name="Jim", rank="Officer")
    page = f"/department/people/{officer.id}"

    def opened(html: str) -> str:
        return html.split('name="opened" type="hidden" value="')[1].split('"')[0]

    first, second = opened(client.get(page).get_data(True)), opened(client.get(page).get_data(True))
    facts = {
        "employee_number": officer.employee_number,
        "first_name": "Jim",
        "last_name": officer.last_name,
        "email": officer.email,
        "sworn": "sworn",
    }
    saved = client.post(page, data={**facts, "rank": "Lieutenant", "opened": first})
    assert saved.status_code == 200 and "Saved." in saved.get_data(True)
    refused = client.post(
        page, data={**facts, "first_name": "James", "rank": "Officer", "opened": second}
    )
    assert refused.status_code == 409
    html = refused.get_data(True)
    assert "saved" in html and "after you opened this page" in html and 'value="James"' in html
    (row,) = [p for p in people_of(dept) if p["id"] == officer.id]
    assert (row["first_name"], row["rank"]) == ("Jim", "Lieutenant")
    again = client.post(
        page, data={**facts, "first_name": "James", "rank": "Lieutenant", "opened": opened(html)}
    )
    assert again.status_code == 200 and "Saved." in again.get_data(True)


def test_a_chief_who_gives_up_the_role_leaves_the_roster_pages(chief_client, make):
    """With another chief in place, giving up one's own chief role lands on the start page,
    not on a person page whose every button would now answer 403."""
    client, dept, chief = chief_client
    make.officer(dept, chief=True)
    response = client.post(f"/department/people/{chief.id}/roles", data={"finance": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith("/home")
    assert client.get("/department/roster").status_code == 403


def test_resend_invitation(chief_client, make):
    client, dept, _ = chief_client
    officer = make.officer(dept, email="again@pd.example.gov")
    response = client.post(f"/department/people/{officer.id}/invite")
    assert "An invitation is on its way to again@pd.example.gov." in response.get_data(as_text=True)
    (job,) = mail_to("again@pd.example.gov")
    assert "/activate/" in job.body


def _with_credentials(dept, user_id, activated: bool):
    """Give the person either an activated state (password and TOTP) or a never-used one."""
    from tests import factories
    from wnwa.tenants.credentials import Secrets, seal

    user = fetch(dept, user_id)
    with tenant_context(dept.id):
        if activated:
            user.password_hash = factories.password_hash()
            user.secrets = seal(Secrets(totp=factories.TOTP_SECRET))
        else:
            user.password_hash, user.secrets = fresh_credentials()
        db.session.commit()


CSRF = re.compile(rb'("X-CSRFToken": "|name="csrf_token" (?:type="hidden" )?value=")[^"]+"')


def _without_csrf(body: bytes) -> bytes:
    """The page without its CSRF tokens (signed with a timestamp, so they change each second)."""
    return CSRF.sub(rb'\1"', body)


def _chief_views(client, dept, user_id) -> dict[str, bytes]:
    pages = {
        "roster": client.get("/department/roster").data,
        "roster-htmx": client.get("/department/roster?q=Subject", headers=HX).data,
        "person": client.get(f"/department/people/{user_id}").data,
        "export": client.get("/department/roster/export.csv").data,
        "export-all": client.get("/department/roster/export.csv?departed=1").data,
        "dashboard": client.get("/department/").data,
        "history": client.get("/department/roster/history").data,
    }
    return {name: _without_csrf(body) for name, body in pages.items()}


def test_chief_screens_are_identical_for_activated_and_never_activated_officers(chief_client, make):
    """docs/RULES.md 2.5: the same bytes whether or not the officer ever activated."""
    client, dept, _ = chief_client
    officer = make.officer(dept, first_name="Subject", last_name="Person")
    _with_credentials(dept, officer.id, activated=True)
    activated = _chief_views(client, dept, officer.id)
    _with_credentials(dept, officer.id, activated=False)
    never = _chief_views(client, dept, officer.id)
    assert activated.keys() == never.keys()
    assert b'"X-CSRFToken": ""' in activated["roster"]
    assert b'name="csrf_token" value=""' in activated["person"]
    assert b"Subject" in activated["person"] and b"Person, Subject" in activated["roster"]
    for name in activated:
        assert activated[name] == never[name], name
    _with_credentials(dept, officer.id, activated=True)
    invited_activated = client.post(f"/department/people/{officer.id}/invite")
    _with_credentials(dept, officer.id, activated=False)
    invited_never = client.post(f"/department/people/{officer.id}/invite")
    assert invited_activated.status_code == invited_never.status_code == 200
    assert _without_csrf(invited_activated.data) == _without_csrf(invited_never.data)
    jobs = mail_to(officer.email)
    assert len(jobs) == 2
    bodies = [
        j.body.split("/activate/")[0] + j.body.split("/activate/")[1].split("\n", 1)[1]
        for j in jobs
    ]
    assert bodies[0] == bodies[1]


def test_export_is_formula_safe_and_reimportable(chief_client, make):
    client, dept, _ = chief_client
    make.officer(dept, first_name="-Dash", last_name="@At", rank="+Plus")
    make.officer(dept, last_name="Left", active=False)
    response = client.get("/department/roster/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:6] == [
        "Employee number",
        "First name",
        "Last name",
        "Work email",
        "Rank",
        "Sworn or civilian",
    ]
    cells = [cell for row in rows for cell in row]
    assert "'-Dash" in cells and "'@At" in cells and "'+Plus" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "Left" not in cells
    everyone = client.get("/department/roster/export.csv?departed=1").get_data(as_text=True)
    assert "Left" in everyone and "Departed" in everyone


def test_the_export_imports_back_unchanged(chief_client, make):
    """Everyone, people who left and a rank SCIM left empty included: a full sync of the
    export changes nothing and brings nobody back."""
    from wnwa.roster.provisioning import plan_roster
    from wnwa.roster.roster import parse_roster

    client, dept, _ = chief_client
    make.officer(dept, last_name="Norank", rank="")
    make.officer(dept, last_name="Left", active=False)
    exported = client.get("/department/roster/export.csv?departed=1").get_data()
    with tenant_context(dept.id):
        plan = plan_roster(dept, parse_roster(exported), full_sync=True)
    assert plan.ok, plan.errors
    assert not plan.changes_anything
    assert "Left" not in {row.last_name for row in plan.unchanged}


def test_the_roster_status_column_is_read_in_any_case_and_a_typo_is_a_problem():
    """A clerk editing the export may write "departed" or "Left": the first is read as
    Departed, the second is reported on its line instead of being taken as "on roster"."""
    from wnwa.roster.roster import parse_roster

    header = (
        "Employee number,First name,Last name,Work email,Rank,Sworn or civilian,Roster status\n"
    )
    lines = [
        "A1,Ann,Lee,ann@pd.example.gov,Officer,Sworn,On roster",
        "A2,Bo,Ray,bo@pd.example.gov,Officer,Sworn,DEPARTED",
        "A3,Cy,Fox,cy@pd.example.gov,Officer,Sworn,Left",
        "A4,Di,Orr,di@pd.example.gov,Officer,Sworn,",
    ]
    parsed = parse_roster((header + "\n".join(lines) + "\n").encode())
    assert [row.employee_number for row in parsed.rows] == ["A1", "A4"]
    assert [(issue.line, issue.message) for issue in parsed.errors] == [
        (4, "Roster status is “Left”: write “On roster”, “Departed” or nothing.")
    ]


def test_history_shows_who_changed_what(chief_client, make):
    client, dept, chief = chief_client
    officer = make.officer(dept)
    client.post(f"/department/people/{officer.id}/depart")
    html = client.get("/department/roster/history").get_data(as_text=True)
    assert "Left the department" in html
    assert f"{officer.display_name} (employee {officer.employee_number})" in html
    assert f"<td>{chief.display_name}</td>" in html  # the actor by name
    assert "roster.departure" not in html and f"department {chief.id}" not in html


def test_roster_above_the_declared_strength_is_said_in_words_with_an_offer(client, make, login):
    dept = make.department(sworn=2)
    for _ in range(2):
        make.officer(dept)
    login(make.officer(dept, chief=True))
    html = client.get("/department/").get_data(as_text=True)
    assert "3 of 2 declared" not in html
    assert "3 sworn officers are on the roster: 1 more than the 2 declared." in html
    assert "Update the declared strength to 3" in html
    response = client.post("/department/declared-strength")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Declared sworn strength updated to 3." in html
    assert "3 of 3 declared sworn officers are on the roster (complete)." in html
    with tenant_context(dept.id):
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "department.edited")
        ).one()
    assert entry.details["sworn_declared"] == [2, 3]
    again = client.post("/department/declared-strength")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "not more than the 3 declared: there is nothing to update" in page


def test_network_admin_sees_the_roster_above_the_declared_strength(client, make, login):
    dept = make.department(sworn=1)
    make.officer(dept, chief=True)
    make.officer(dept)
    login(make.staff("network_admin"))
    html = client.get(f"/network/departments/{dept.id}").get_data(as_text=True)
    assert "2 sworn officers are on the roster: 1 more than the 1 declared." in html
    assert f'href="/network/departments/{dept.id}/edit">Update the declared strength' in html
    overview = client.get("/network/").get_data(as_text=True)
    assert "1 more than declared" in overview


def test_roster_pages_mark_roster_in_the_navigation_and_name_each_page_once(chief_client):
    """The chief's header says which section a page is in; the roster's own sub-navigation
    does not repeat the header's entries (on a phone both show, one above the other)."""
    client, dept, chief = chief_client
    pages = {
        "/department/roster": "People",
        "/department/roster/import": "Import",
        "/department/scim": "SCIM",
        "/department/roster/history": "History",
        f"/department/people/{chief.id}": "People",
    }
    for path, own in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        work = re.search(r'<nav aria-label="Work".*?</nav>', html, re.S).group(0)
        current = re.findall(r'aria-current="page">([^<]+)<', work)
        assert current == ["Roster"], (path, current)
        sub = re.search(r'<nav aria-label="Roster pages".*?</nav>', html, re.S).group(0)
        labels = re.findall(r">([^<>]+)</a>", sub)
        assert labels == ["People", "Import", "SCIM", "History"], path
        assert re.findall(r'aria-current="page">([^<]+)<', sub) == [own], path
    dashboard = client.get("/department/").get_data(as_text=True)
    work = re.search(r'<nav aria-label="Work".*?</nav>', dashboard, re.S).group(0)
    assert re.findall(r'aria-current="page">([^<]+)<', work) == ["Department"]
    assert 'aria-label="Roster pages"' not in dashboard  # the header's entry is enough


def test_history_reads_in_the_department_s_own_time(client, make, login):
    """A chief reads the roster's history in the department's time, with the zone's name."""
    dept = make.department(state="CA")
    chief = make.officer(dept, chief=True)
    officer = make.officer(dept)
    login(chief)
    client.post(f"/department/people/{officer.id}/depart")
    with tenant_context(dept.id):
        at = db.session.scalars(select(AuditEntry.at).order_by(AuditEntry.id.desc())).first()
    html = client.get("/department/roster/history").get_data(as_text=True)
    assert "UTC" not in html
    assert f">{local_time(at, 'CA')}</time>" in html
    assert re.search(r">\w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M P[SD]T</time>", html)
    assert '<th scope="col">When</th>' in html


def test_the_dashboard_says_when_the_department_joined_in_words(chief_client):
    client, dept, _ = chief_client
    html = client.get("/department/").get_data(as_text=True)
    assert f"member since {dept.joined_on:%B} {dept.joined_on.day}, {dept.joined_on.year}" in html


def test_a_roster_short_of_its_declared_strength_points_the_chief_to_the_import(chief_client):
    client, dept, _ = chief_client
    html = client.get("/department/").get_data(as_text=True)
    assert "still missing" in html
    assert '<a role="button" href="/department/roster/import">Import your roster (CSV)</a>' in html
    assert client.get("/department/roster/import").status_code == 200
