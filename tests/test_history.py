"""Roster and billing history read in plain language: the actor's name, what happened in words,
whom it was about and what changed; no internal codes, no "user 2082"."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.billing.conftest import (  # noqa: F401 - clock and fake are fixtures
    clock,
    fake,
    grow_roster,
    under_contract,
)
from tests.training.conftest import attach, tr  # noqa: F401 - a fixture
from wnwa.training import certification
from wnwa.us_states import network_day

TODAY = network_day()
CODE = re.compile(r"\b(billing|roster|training|certification|department|scim)\.[a-z_]+\b")


def test_history_names_people_and_says_what_changed(
    ctx,  # noqa: ARG001
    client,
    login,
    make,
    fake,  # noqa: F811
    clock,  # noqa: F811
    tr,  # noqa: F811
):
    dept = make.department("Words PD", sworn=6)
    grow_roster(make, dept, 5)
    finance_staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=finance_staff)
    pat = make.officer(dept, first_name="Pat", last_name="Alvarez")
    chief = make.officer(dept, chief=True, first_name="Carla", last_name="Chief")
    cls = tr.new_class(TODAY + timedelta(days=30), on=TODAY, title="Spring teammate course")
    attach(chief, pat)
    login(chief)
    client.post(f"/department/peer-support/classes/{cls.id}/seats", data={"officer": pat.email})
    from wnwa.tenants.scoping import tenant_context

    with tenant_context(dept.id):
        from tests.training.conftest import reload

        certification.add_certification(
            reload(pat), source="class", course="Teammate course", on=TODAY, actor=chief
        )
        from wnwa.extensions import db

        db.session.commit()
    page = client.get("/department/roster/history").get_data(as_text=True)
    html = page[page.index("<tbody>") : page.index("</tbody>")]
    assert CODE.search(html) is None, CODE.search(html).group(0)
    assert re.search(r"\b(user|department|staff) \d+\b", html) is None
    assert "Contract started" in html and f"Network staff: {finance_staff.name}" in html
    assert "$1,500.00 a year, priced from 6 sworn officers (declared 6, on the roster 5)" in html
    assert "Training seat reserved" in html
    assert "<td>Carla Chief</td>" in html
    assert "Pat Alvarez, Spring teammate course: holds a seat." in html
    assert "Peer-support certification recorded" in html and "<td>Pat Alvarez</td>" in html
    day = f"{TODAY:%b} {TODAY.day}, {TODAY.year}"
    assert f"Teammate course, certified {day}." in html  # dates kept in ISO read as words
    assert TODAY.isoformat() not in re.sub(r"<[^>]+>", " ", html)  # only in machine-read tags


def test_an_imports_line_names_who_left_by_employee_number(ctx, client, login, make):  # noqa: ARG001
    from tests.roster.conftest import person, roster_csv
    from wnwa.roster.provisioning import import_roster
    from wnwa.tenants.scoping import tenant_context

    dept = make.department("Leavers PD", sworn=3)
    leaving = make.officer(dept)
    number, address = leaving.employee_number, leaving.email
    chief = make.officer(dept, chief=True)
    login(chief)
    with tenant_context(dept.id):
        data = roster_csv([person(1, employee_number=chief.employee_number, email=chief.email)])
        import_roster(dept, data, full_sync=True, actor="test")
    page = client.get("/department/roster/history").get_data(as_text=True)
    numbers = f"Left the roster: employee numbers {number}."
    assert "1 left" in page and numbers in page and address not in page
