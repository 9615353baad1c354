"""Quota reminders (each sent once, to the chief and the network admins) and the `quota`
commands."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select, update

from tests.training.conftest import months_before
from wnwa.extensions import db
from wnwa.mail import MailJob
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context
from wnwa.training.models import QuotaReminder
from wnwa.training.quota_service import send_reminders
from wnwa.us_states import day_words, network_day

ON = date(2026, 6, 15)


@pytest.fixture
def people(make, tr):
    admin = tr.admin
    return {"admin": admin.email}


def _mail(to=None):
    stmt = select(MailJob)
    if to:
        stmt = stmt.where(MailJob.to == to)
    return db.session.scalars(stmt.order_by(MailJob.id)).all()


def _clear_mail():
    db.session.execute(delete(MailJob))
    db.session.commit()


def test_shortfall_reminder_goes_to_chief_and_admins_once(make, tr, people):
    dept = make.department("Aurora PD", sworn=100, joined=months_before(ON, 13))
    make.officer(dept, chief=True, email="chief@aurora.example")
    make.officer(dept, chief=True, email="deputy@aurora.example", active=False)
    run = send_reminders(ON)
    assert run.sent == {"shortfall": 1} and run.checked == 1
    assert sorted(m.to for m in _mail()) == sorted(["chief@aurora.example", people["admin"]])
    message = _mail("chief@aurora.example")[0]
    assert message.subject == "Aurora PD: 6 peer supporters short of the minimum"
    assert "minimum is 6 and its target 9 for 100 sworn officers" in message.body
    assert "grace period ended on May 15, 2026" in message.body
    assert "https://localhost/department/peer-support" in message.body
    to_admin = _mail(people["admin"])[0]  # staff get the page they may open
    assert f"https://localhost/network/quota/{dept.id}" in to_admin.body
    assert "/department/peer-support" not in to_admin.body
    assert send_reminders(ON).total == 0
    assert send_reminders(ON + timedelta(days=1)).total == 0
    assert len(_mail()) == 2


def test_compliant_departments_get_nothing(make, tr, people):
    dept = make.department(sworn=10, joined=months_before(ON, 13))
    tr.supporter(dept, ON)
    assert send_reminders(ON).total == 0
    assert _mail() == []


def test_falling_short_again_opens_a_new_reminder(make, tr, people):
    dept = make.department(sworn=10, joined=months_before(ON, 13))
    make.officer(dept, chief=True, email="chief@x.example")
    supporter_id = tr.supporter(dept, ON).id
    assert send_reminders(ON).total == 0
    with tenant_context(dept.id):  # the only supporter leaves the department
        db.session.execute(update(User).where(User.id == supporter_id).values(active=False))
        db.session.commit()
    assert send_reminders(ON + timedelta(days=1)).sent == {"shortfall": 1}
    assert send_reminders(ON + timedelta(days=2)).total == 0
    with tenant_context(dept.id):
        db.session.execute(update(User).where(User.id == supporter_id).values(active=True))
        db.session.commit()
    assert send_reminders(ON + timedelta(days=3)).sent == {"compliant": 1}
    assert send_reminders(ON + timedelta(days=3)).total == 0
    episode = db.session.scalars(
        select(QuotaReminder)
        .where(QuotaReminder.kind == "shortfall")
        .execution_options(unscoped=True)  # read across departments, as the daily run does
    ).one()
    assert episode.closed_on == ON + timedelta(days=3)
    with tenant_context(dept.id):
        db.session.execute(update(User).where(User.id == supporter_id).values(active=False))
        db.session.commit()
    assert send_reminders(ON + timedelta(days=4)).sent == {"shortfall": 1}
    assert len(_mail("chief@x.example")) == 3  # short, met again, short again


def test_roster_growth_makes_a_compliant_department_short(make, tr, people):
    dept = make.department(sworn=10, joined=months_before(ON, 13))
    make.officer(dept, chief=True, email="chief@g.example")  # 1 sworn on the roster
    tr.supporter(dept, ON)
    assert send_reminders(ON).total == 0
    for _ in range(14):
        make.officer(dept)  # 16 sworn now: minimum 2
    assert send_reminders(ON + timedelta(days=1)).sent == {"shortfall": 1}


def test_grace_reminders_at_60_and_30_days(make, tr, people):
    ends = ON + timedelta(days=90)
    dept = make.department(sworn=10, joined=date(ends.year - 1, ends.month, ends.day))
    make.officer(dept, chief=True, email="chief@grace.example")
    assert send_reminders(ON).sent == {"shortfall": 1}  # short from the start, in grace
    _clear_mail()
    assert send_reminders(ends - timedelta(days=61)).total == 0
    assert send_reminders(ends - timedelta(days=60)).sent == {"grace_60": 1}
    message = _mail("chief@grace.example")[0]
    assert message.subject.endswith(": 60 days of quota grace left")
    assert f"ends on {day_words(ends)} (60 days left)" in message.body
    assert send_reminders(ends - timedelta(days=45)).total == 0
    assert send_reminders(ends - timedelta(days=30)).sent == {"grace_30": 1}
    assert send_reminders(ends - timedelta(days=29)).total == 0
    assert send_reminders(ends).sent == {"grace_over": 1}
    assert send_reminders(ends + timedelta(days=1)).total == 0
    assert len(_mail("chief@grace.example")) == 3


def test_late_first_run_sends_only_the_nearest_grace_reminder(make, tr, people):
    ends = ON + timedelta(days=20)
    dept = make.department(sworn=10, joined=date(ends.year - 1, ends.month, ends.day))
    make.officer(dept, chief=True, email="chief@late.example")
    send_reminders(ON)  # opens the shortfall reminder
    _clear_mail()
    with tenant_context(dept.id):  # a department's reminders are written as that department
        db.session.execute(delete(QuotaReminder).where(QuotaReminder.kind != "shortfall"))
        db.session.commit()
    assert send_reminders(ON + timedelta(days=1)).sent == {"grace_30": 1}
    assert send_reminders(ON + timedelta(days=2)).total == 0


def test_notify_command_is_idempotent(app, make, tr, people):
    make.department("Peoria PD", sworn=100, joined=months_before(ON, 13))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["quota", "notify", "--date", ON.isoformat()])
    assert first.exit_code == 0, first.output
    assert "checked 1 departments; sent shortfall 1" in first.output
    second = runner.invoke(args=["quota", "notify", "--date", ON.isoformat()])
    assert "sent none due" in second.output
    assert len(_mail()) == 1  # no chief: the network admins only


# --- quota report / band --------------------------------------------------------------------------


@pytest.fixture
def network(make, tr):
    joined = {m: months_before(ON, m) for m in (3, 11, 12, 13)}
    depts = {
        m: make.department(f"Dept {m:02d} months", sworn=100, joined=d) for m, d in joined.items()
    }
    for _ in range(4):
        tr.supporter(depts[13], ON)
    leap = make.department("Leap PD", sworn=10, joined=date(2024, 2, 29))
    return depts, leap


def test_report_json(app, network):
    result = app.test_cli_runner().invoke(
        args=["quota", "report", "--date", ON.isoformat(), "--format", "json", "--sort", "name"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["date"] == "2026-06-15"
    rows = {r["department"]: r for r in data["departments"]}
    assert rows["Dept 03 months"]["status"] == "in_grace"
    assert rows["Dept 03 months"]["grace_days_left"] == (date(2027, 3, 15) - ON).days
    assert (rows["Dept 11 months"]["status"], rows["Dept 11 months"]["grace_days_left"]) == (
        "in_grace",
        30,
    )
    assert rows["Dept 12 months"]["status"] == "non_compliant"
    assert (rows["Dept 13 months"]["counted"], rows["Dept 13 months"]["shortfall"]) == (4, 2)
    assert rows["Leap PD"]["grace_ends"] == "2025-02-28"
    assert list(rows) == sorted(rows)


def test_report_table_and_csv(app, network):
    runner = app.test_cli_runner()
    table = runner.invoke(args=["quota", "report", "--date", "2026-06-15"])
    lines = table.output.splitlines()
    assert lines[0] == "Peer-supporter quota on 2026-06-15"
    assert lines[1].split() == [
        "department",
        "state",
        "status",
        "sworn",
        "counted",
        "minimum",
        "target",
        "shortfall",
        "grace_ends",
        "grace_days_left",
    ]
    dept_11 = next(line for line in lines if line.startswith("Dept 11 months"))
    assert dept_11.split()[3:] == ["IL", "in_grace", "100", "0", "6", "9", "6", "2026-07-15", "30"]
    rows = list(
        csv.DictReader(
            io.StringIO(
                runner.invoke(
                    args=["quota", "report", "--date", "2026-06-15", "--format", "csv"]
                ).output
            )
        )
    )
    assert {r["department"]: r["status"] for r in rows}["Dept 12 months"] == "non_compliant"
    assert len(rows) == 5


def test_report_csv_neutralises_formula_like_department_names(app, make):
    for name in ("=1+1 PD", " =HYPERLINK(1) PD", "\t-2 PD", "@SUM PD", "Plain PD"):
        make.department(name, sworn=10, joined=ON)
    result = app.test_cli_runner().invoke(
        args=["quota", "report", "--date", ON.isoformat(), "--format", "csv", "--sort", "name"]
    )
    assert result.exit_code == 0, result.output
    names = {r["department"] for r in csv.DictReader(io.StringIO(result.output))}
    assert names == {"'=1+1 PD", "' =HYPERLINK(1) PD", "'\t-2 PD", "'@SUM PD", "Plain PD"}


def test_report_defaults_to_today_and_rejects_bad_dates(app, network):
    runner = app.test_cli_runner()
    today = runner.invoke(args=["quota", "report", "--format", "json"])
    assert json.loads(today.output)["date"] == network_day().isoformat()
    bad = runner.invoke(args=["quota", "report", "--date", "15/06/2026"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output or "%Y-%m-%d" in bad.output


def test_band_command(app, ctx):
    result = app.test_cli_runner().invoke(args=["quota", "band", "1", "50", "13000", "35000"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()]
    assert rows == [
        ["sworn", "minimum", "target"],
        ["1", "1", "1"],
        ["50", "4", "5"],
        ["13,000", "260", "390"],
        ["35,000", "561", "848"],
    ]
    assert app.test_cli_runner().invoke(args=["quota", "band", "-3"]).exit_code != 0
    assert app.test_cli_runner().invoke(args=["quota", "band"]).exit_code != 0


def test_falling_short_twice_on_one_day_reminds_once(make, tr, people):
    dept = make.department(sworn=10, joined=months_before(ON, 13))
    supporter_id = tr.supporter(dept, ON).id

    def active(value: bool) -> None:
        with tenant_context(dept.id):
            db.session.execute(update(User).where(User.id == supporter_id).values(active=value))
            db.session.commit()

    active(False)
    assert send_reminders(ON).sent == {"shortfall": 1}
    active(True)
    assert send_reminders(ON).total == 0
    active(False)
    assert send_reminders(ON).total == 0
    assert send_reminders(ON + timedelta(days=1)).total == 0
    assert len(_mail()) == 1
