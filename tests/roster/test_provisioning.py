"""The provisioning service on the current engine: plan, import, idempotence, departures."""

from __future__ import annotations

import pytest

from tests.privacy.snapshots import snapshot
from tests.roster.conftest import mail_to, people_of, person, roster_csv
from wnwa.auth.services import account_for_token
from wnwa.extensions import db
from wnwa.roster import provisioning
from wnwa.roster.provisioning import RosterInvalid, import_roster, preview_roster
from wnwa.tenants.scoping import tenant_context


def run_import(dept, data, *, full_sync=False, actor="test"):
    with tenant_context(dept.id):
        return import_roster(dept, data, full_sync=full_sync, actor=actor)


def run_preview(dept, data, *, full_sync=False, actor_user_id=None):
    with tenant_context(dept.id):
        return preview_roster(dept, data, full_sync=full_sync, actor_user_id=actor_user_id)


def test_first_import_adds_everyone_with_unusable_credentials(make):
    dept = make.department(sworn=3)
    data = roster_csv([person(1), person(2, sworn="Civilian"), person(3, rank="Sergeant")])
    plan = run_preview(dept, data)
    assert (len(plan.adds), len(plan.updates), len(plan.unchanged), plan.errors) == (3, 0, 0, [])
    result = run_import(dept, data)
    assert (result.added, result.updated, result.unchanged, result.departed) == (3, 0, 0, 0)
    people = people_of(dept)
    assert [p["employee_number"] for p in people] == ["B00001", "B00002", "B00003"]
    assert [p["sworn"] for p in people] == [True, False, True]
    assert people[2]["rank"] == "Sergeant"
    assert all(p["active"] and not p["is_chief"] for p in people)


def test_reimporting_the_same_file_changes_nothing(make):
    dept = make.department()
    data = roster_csv([person(n) for n in range(1, 30)])
    run_import(dept, data, full_sync=True)
    before = snapshot()
    plan = run_preview(dept, data, full_sync=True)
    assert (len(plan.adds), len(plan.updates), len(plan.departures)) == (0, 0, 0)
    assert len(plan.unchanged) == 29
    result = run_import(dept, data, full_sync=True)
    assert (result.added, result.updated, result.departed, result.unchanged) == (0, 0, 0, 29)
    after = snapshot()
    changed = {t for t in before if before[t] != after[t]}
    assert changed == {"audit_entry"}  # only the record that an import ran
    assert len(after["audit_entry"]) == len(before["audit_entry"]) + 1


def test_updates_are_listed_field_by_field_and_matched_by_number_then_email(make):
    dept = make.department()
    run_import(dept, roster_csv([person(1), person(2), person(3)]))
    changed = [
        person(1, rank="Sergeant", sworn="Civilian"),  # same number: rank and type change
        person(2, employee_number="NEW-2"),  # new number, same email: matched by email
        person(3, email="third@pd.example.gov"),  # same number, new email
    ]
    plan = run_preview(dept, roster_csv(changed))
    assert plan.adds == [] and plan.errors == []
    by_line = {u.row.line: {(c.field, c.old, c.new) for c in u.changes} for u in plan.updates}
    assert by_line == {
        2: {("rank", "Officer", "Sergeant"), ("sworn", "Sworn", "Civilian")},
        3: {("employee_number", "B00002", "NEW-2")},
        4: {("email", "officer3@pd.example.gov", "third@pd.example.gov")},
    }
    before_ids = {p["email"]: p["id"] for p in people_of(dept)}
    result = run_import(dept, roster_csv(changed))
    assert (result.added, result.updated) == (0, 3)
    after = {p["employee_number"]: p for p in people_of(dept)}
    assert after["NEW-2"]["id"] == before_ids["officer2@pd.example.gov"]
    assert after["B00003"]["email"] == "third@pd.example.gov"
    assert (after["B00001"]["rank"], after["B00001"]["sworn"]) == ("Sergeant", False)


def test_full_sync_departs_the_missing_and_deletes_nothing(make):
    dept = make.department()
    run_import(dept, roster_csv([person(n) for n in range(1, 6)]))
    plan = run_preview(dept, roster_csv([person(1), person(2)]), full_sync=True)
    assert sorted(d.employee_number for d in plan.departures) == ["B00003", "B00004", "B00005"]
    result = run_import(dept, roster_csv([person(1), person(2)]), full_sync=True)
    assert result.departed == 3
    people = people_of(dept)
    assert len(people) == 5
    assert {p["employee_number"]: p["active"] for p in people} == {
        "B00001": True,
        "B00002": True,
        "B00003": False,
        "B00004": False,
        "B00005": False,
    }


def test_add_and_update_mode_never_departs_anyone(make):
    dept = make.department()
    run_import(dept, roster_csv([person(n) for n in range(1, 4)]))
    plan = run_preview(dept, roster_csv([person(1)]))
    assert plan.departures == []
    run_import(dept, roster_csv([person(1)]))
    assert all(p["active"] for p in people_of(dept))


def test_a_departed_officer_on_a_later_roster_returns(make):
    dept = make.department()
    run_import(dept, roster_csv([person(1), person(2)]))
    run_import(dept, roster_csv([person(1)]), full_sync=True)
    plan = run_preview(dept, roster_csv([person(1), person(2)]))
    assert [(c.field, c.new) for c in plan.updates[0].changes] == [("active", "On roster")]
    run_import(dept, roster_csv([person(1), person(2)]))
    assert all(p["active"] for p in people_of(dept))


def test_departure_deactivates_the_account_for_sign_in(make, client):
    dept = make.department()
    officer = make.officer(dept, email="leaving@pd.example.gov")
    assert (
        client.post("/login", data={"email": officer.email, "password": make.PASSWORD}).status_code
        == 303
    )
    client.post("/logout")
    run_import(dept, roster_csv([person(9)]), full_sync=True)
    response = client.post("/login", data={"email": officer.email, "password": make.PASSWORD})
    assert response.status_code == 401


def test_new_officers_get_one_invitation_each_with_a_working_link(make, app):
    dept = make.department()
    run_import(dept, roster_csv([person(1), person(2)]))
    for n in (1, 2):
        (job,) = mail_to(f"officer{n}@pd.example.gov")
        assert job.subject == "Your WeNeverWalkAlone account"
        assert f"Hello First{n}," in job.body
        link = next(line for line in job.body.splitlines() if "/activate/" in line)
        assert link.startswith("https://localhost/activate/")
        account = account_for_token(link.rsplit("/", 1)[1])
        assert account.email == f"officer{n}@pd.example.gov"
    run_import(dept, roster_csv([person(1), person(2), person(3)]))
    assert len(mail_to("officer1@pd.example.gov")) == 1  # not invited twice
    assert len(mail_to("officer3@pd.example.gov")) == 1


def test_full_sync_refuses_to_end_the_chiefs_own_account(make):
    dept = make.department()
    chief = make.officer(dept, chief=True)
    plan = run_preview(dept, roster_csv([person(1)]), full_sync=True, actor_user_id=chief.id)
    assert any("your own account" in e.message for e in plan.file_errors)
    with pytest.raises(RosterInvalid):
        with tenant_context(dept.id):
            import_roster(dept, roster_csv([person(1)]), full_sync=True, actor=chief)
    assert people_of(dept)[0]["active"] is True


def test_full_sync_refuses_to_remove_every_chief(make):
    dept = make.department()
    make.officer(dept, chief=True)
    plan = run_preview(dept, roster_csv([person(1)]), full_sync=True)
    assert any("every chief" in e.message for e in plan.file_errors)


def test_an_injected_failure_at_any_point_leaves_the_database_unchanged(make, monkeypatch):
    dept = make.department()
    run_import(dept, roster_csv([person(n) for n in range(1, 4)]))
    before = snapshot()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    data = roster_csv([person(1, rank="Captain"), person(7), person(8)])
    for step in ("update_people", "depart_people", "queue_invitations", "_audit"):
        with monkeypatch.context() as patch:
            patch.setattr(provisioning, step, fail)
            with pytest.raises(RuntimeError):
                run_import(dept, data, full_sync=True)
        db.session.rollback()
        assert snapshot() == before, step


def test_two_rows_claiming_one_person_is_an_error(make):
    dept = make.department()
    run_import(dept, roster_csv([person(1)]))
    data = roster_csv(
        [person(1, email="other@pd.example.gov"), person(2, email="officer1@pd.example.gov")]
    )
    plan = run_preview(dept, data)
    assert [e.line for e in plan.errors] == [3]
    assert "employee number B00001, who is on line 2" in plan.errors[0].message


def test_taking_the_email_of_another_person_on_the_roster_is_an_error(make):
    dept = make.department()
    run_import(dept, roster_csv([person(1), person(2)]))
    plan = run_preview(dept, roster_csv([person(1, email="officer2@pd.example.gov")]))
    assert [e.line for e in plan.errors] == [2]
    assert "already belongs to employee number B00002" in plan.errors[0].message
