"""Keeping listings true: re-confirmation links and the job that sends them, the officers'
report (which carries nothing about the officer), and staff upkeep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests import factories
from tests.privacy.snapshots import snapshot
from tests.professionals.conftest import confirmed_days_ago, list_professional
from wnwa import mail
from wnwa.errors import Conflict, InvalidInput
from wnwa.extensions import db, utcnow
from wnwa.mail import MailJob
from wnwa.professionals import jobs, listings, settings, vetting
from wnwa.professionals.models import LISTED, SUSPENDED, Tag
from wnwa.us_states import network_day


def reminders_to(email: str) -> list[MailJob]:
    return [
        m
        for m in db.session.scalars(select(MailJob).where(MailJob.to == email))
        if "re-confirm" in m.subject
    ]


def test_the_job_emails_due_listings_once_and_reports(ctx, vetters):
    fresh = list_professional(vetters)
    due = list_professional(vetters)
    stale = list_professional(vetters)
    gone = list_professional(vetters)
    confirmed_days_ago(due, 170)
    confirmed_days_ago(stale, 185)
    confirmed_days_ago(gone, 215)
    report = jobs.run_reconfirmation(utcnow())
    assert report.reminders_sent == 3
    assert (report.stale, report.dropped, report.rechecks_open) == (2, 1, 0)
    assert reminders_to(fresh.email) == []
    assert len(reminders_to(due.email)) == 1
    [reminder] = reminders_to(due.email)
    assert "/professionals/confirm/" in reminder.body  # made when it is sent ...
    assert "/professionals/confirm/" not in reminder.context  # ... never kept in the queue
    due.email = "moved@practice.example"  # corrected meanwhile: the old mailbox gets no link
    db.session.flush()
    assert mail.render_stored(reminder.template, reminder.context, reminder.to) is None
    again = jobs.run_reconfirmation(utcnow() + timedelta(days=1))
    assert again.reminders_sent == 0
    assert "0 re-confirmation emails sent" in str(again)


def test_the_interval_is_the_admins_setting(ctx, vetters):
    p = list_professional(vetters)
    confirmed_days_ago(p, 80)
    assert jobs.run_reconfirmation(utcnow()).reminders_sent == 0
    settings.update(rule="unanimous", min_votes=2, reconfirm_days=90, grace_days=10, actor="t")
    assert jobs.run_reconfirmation(utcnow()).reminders_sent == 1


def test_reconfirming_through_the_link_updates_the_listing_and_spends_the_link(client, vetters):
    p = list_professional(vetters)
    confirmed_days_ago(p, 185)
    token = listings.reconfirm_token(p)
    page = client.get(f"/professionals/confirm/{token}")
    assert page.status_code == 200 and "Confirm my listing" in page.get_data(True)
    bad = client.post(f"/professionals/confirm/{token}", data={"phone": "123"})
    assert bad.status_code == 422
    assert "phone number" in bad.get_data(True) and "Choose the guarantee" in bad.get_data(True)
    response = client.post(
        f"/professionals/confirm/{token}",
        data={
            "phone": "312-555-0100",
            "within_24h": "1",
            "accepting_new": "1",
            "carriers": ["uhc"],
            "plan_types": ["ppo", "sliding"],
        },
    )
    assert response.status_code == 200 and "confirmed" in response.get_data(True)
    db.session.expire_all()
    assert p.confirmed_at > utcnow() - timedelta(minutes=1)
    assert (p.answers_24_7, p.within_24h, p.carriers, p.phone) == (
        False,
        True,
        ["uhc"],
        "+13125550100",
    )
    tags = set(db.session.scalars(select(Tag.tag).where(Tag.professional_id == p.id)))
    assert "ins:uhc" in tags and "ins:bcbs" not in tags and "plan:sliding" in tags
    assert client.get(f"/professionals/confirm/{token}").status_code == 404
    assert client.get("/professionals/confirm/forged").status_code == 404


def test_the_report_marks_a_recheck_and_nothing_else(client, login, make, vetters):
    p = list_professional(vetters)
    officer = make.officer(make.department())
    login(officer)
    before = snapshot()
    response = client.post(f"/professionals/{p.id}/report", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Nothing about you" in response.get_data(True)
    client.post(f"/professionals/{p.id}/report")  # a second report changes nothing more
    after = snapshot()
    changed = {t for t in set(before) | set(after) if before.get(t) != after.get(t)}
    assert changed == {"professional"}
    old_row = next(r for r in before["professional"] if r[0] == p.id)
    new_row = next(r for r in after["professional"] if r[0] == p.id)
    differing = [i for i, (a, b) in enumerate(zip(old_row, new_row, strict=True)) if a != b]
    # the snapshot's columns in the database's order (a migration appends where a model inserts)
    columns = list(db.session.connection().execute(text("SELECT * FROM professional")).keys())
    assert [columns[i] for i in differing] == ["recheck_since"]
    for value in (
        officer.email,
        officer.last_name,
        officer.employee_number,
        officer.department.name,
    ):
        assert value not in repr(after["professional"])
    overview = listings.overview(utcnow())
    assert [r.id for r in overview.reports] == [p.id]
    assert jobs.run_reconfirmation(utcnow()).rechecks_open == 1
    assert len(reminders_to(p.email)) == 1


def test_an_officers_report_stays_for_staff_after_the_professional_reconfirms(client, vetters):
    """Re-confirming answers the report from the professional's side; staff still see it on
    their overview until they close it, and no new link is sent for it."""
    p = list_professional(vetters)
    listings.report_problem(p.id, today=utcnow().date())
    assert jobs.run_reconfirmation(utcnow()).reminders_sent == 1
    token = listings.reconfirm_token(p)
    confirmed = client.post(
        f"/professionals/confirm/{token}",
        data={
            "phone": "312-555-0100",
            "within_24h": "1",
            "accepting_new": "1",
            "plan_types": ["ppo"],
            "carriers": ["bcbs"],
        },
    )
    assert confirmed.status_code == 200
    db.session.expire_all()
    assert [r.id for r in listings.overview(utcnow()).reports] == [p.id]
    assert jobs.run_reconfirmation(utcnow() + timedelta(days=1)).reminders_sent == 0
    listings.close_recheck(p.id, actor="staff")
    assert listings.overview(utcnow()).reports == []


def test_staff_edit_suspend_and_reinstate_are_audited(ctx, vetters):
    admin = factories.staff("network_admin")
    p = list_professional(vetters)
    data = listings.input_from(p)
    data.phone, data.carriers = "773-555-0111", ["kaiser"]
    listings.edit(p.id, data, actor=admin)
    assert p.phone == "+17735550111" and p.carriers == ["kaiser"]
    with pytest.raises(InvalidInput):
        listings.suspend(p.id, "", actor=admin)
    listings.suspend(p.id, "Licence under review.", actor=admin)
    assert p.status == SUSPENDED
    with pytest.raises(Conflict):
        listings.suspend(p.id, "Again", actor=admin)
    listings.reinstate(p.id, actor=admin)
    assert p.status == LISTED
    texts = [t for _, t in vetting.history(p.id)]
    assert f"{admin.name} edited {p.name}'s listing (carriers, phone)." in texts
    assert f"{admin.name} suspended {p.name}'s listing: Licence under review." in texts
    assert f"{admin.name} reinstated {p.name}'s listing." in texts


def test_staff_overview_lists_queue_stale_and_reports(client, login, vetters):
    from tests.professionals.conftest import submit

    waiting = submit(name="Queue Person")
    stale = list_professional(vetters, name="Stale Person")
    confirmed_days_ago(stale, 200)
    reported = list_professional(vetters, name="Reported Person")
    listings.report_problem(reported.id, today=network_day())
    login(vetters[0])
    body = client.get("/network/professionals/").get_data(True)
    queue = body.split('id="queue"')[1].split("</table>")[0]
    assert waiting.name in queue
    assert "Stale Person" in body.split('id="stale"')[1].split("</ul>")[0]
    reports = body.split('id="reports"')[1].split("</ul>")[0]
    assert "Reported Person" in reports
    today = network_day()
    assert f"re-check asked since {today:%b} {today.day}, {today.year}" in reports  # in words
    detail = client.get(f"/network/professionals/{reported.id}").get_data(True)
    assert f"officers asked for a re-check on {today:%b} {today.day}, {today.year}" in detail
    suspended = body.split('id="suspended-heading"')[1]
    assert "<p>No listing is suspended.</p>" in suspended  # an empty list says so in words


def test_settings_are_for_network_admins(client, login):
    admin = factories.staff("network_admin")
    login(admin)
    assert client.get("/network/professionals/settings").status_code == 200
    bad = client.post(
        "/network/professionals/settings",
        data={"rule": "majority", "min_votes": "1", "reconfirm_days": "180", "grace_days": "30"},
    )
    assert bad.status_code == 422 and "At least 2" in bad.get_data(True)
    ok = client.post(
        "/network/professionals/settings",
        data={"rule": "majority", "min_votes": "3", "reconfirm_days": "120", "grace_days": "14"},
    )
    assert ok.status_code == 303
    assert settings.current() == settings.Settings("majority", 3, 120, 14)


def test_the_console_card_counts_the_work_waiting_for_vetters(client, login, make, vetters):
    from tests.professionals.conftest import submit

    submit(name="Queue Person")
    stale = list_professional(vetters, name="Stale Person")
    confirmed_days_ago(stale, 200)
    reported = list_professional(vetters, name="Reported Person")
    listings.report_problem(reported.id, today=network_day())
    assert listings.counts(utcnow()) == listings.Counts(waiting=1, stale=1, reports=1, listed=2)
    for person in (vetters[0], make.staff("network_admin")):
        login(person)
        response = client.get("/network/")
        assert response.status_code == 200
        text = " ".join(response.get_data(as_text=True).split())
        assert "Mental-health professionals" in text and "2 listed" in text
        for label in ("Applications waiting", "Stale listings", "Re-checks asked for by officers"):
            assert f'{label}</a>: <span class="badge waiting">1<' in text, label
        client.post("/logout")
    login(make.staff("network_finance"))
    assert "Mental-health professionals" not in client.get("/network/").get_data(as_text=True)


def test_a_listing_is_never_left_without_a_working_link(ctx, vetters):
    """A re-check link early in the cycle does not stand in for the reminder, and a link that
    expires unused is replaced; one email a run, none when a run is repeated."""
    t0 = utcnow()
    p = list_professional(vetters, now=t0)
    listings.report_problem(p.id, today=(t0 + timedelta(days=10)).date())
    assert jobs.run_reconfirmation(t0 + timedelta(days=10)).reminders_sent == 1
    listings.close_recheck(p.id, actor="tests")  # staff re-checked it by phone
    sent = {}
    for day in (11, 100, 166, 167, 167, 170, 180, 200, 242, 243, 243, 260, 318, 319):
        sent.setdefault(day, []).append(
            jobs.run_reconfirmation(t0 + timedelta(days=day)).reminders_sent
        )
    # the reminder once it falls due (after day 166); its link (90 days) is replaced 14 days
    # before it expires, and so on while the listing is not re-confirmed
    assert {day: n for day, n in sent.items() if sum(n)} == {167: [1, 0], 243: [1, 0], 319: [1]}
    assert len(reminders_to(p.email)) == 4
    for mail_job in reminders_to(p.email)[1:]:
        assert "It is time to re-confirm" in mail_job.body


@pytest.mark.parametrize("report_day", [170, 175])
def test_a_recheck_asked_after_the_reminder_gets_its_own_email(ctx, vetters, report_day):
    t0 = utcnow()
    p = list_professional(vetters, now=t0)
    assert jobs.run_reconfirmation(t0 + timedelta(days=170)).reminders_sent == 1
    listings.report_problem(p.id, today=(t0 + timedelta(days=report_day)).date())
    listings.report_problem(p.id, today=(t0 + timedelta(days=report_day)).date())  # once more
    run = t0 + timedelta(days=report_day, hours=12)
    assert jobs.run_reconfirmation(run).reminders_sent == 1
    assert jobs.run_reconfirmation(run).reminders_sent == 0
    assert jobs.run_reconfirmation(run + timedelta(days=1)).reminders_sent == 0
    emails = reminders_to(p.email)
    assert len(emails) == 2
    assert "Officers told us your listing did not work for them" in emails[1].body
    assert "/professionals/confirm/" in emails[1].body


def test_re_check_emails_go_out_daily_so_they_place_a_report_only_within_a_day():
    from wnwa.professionals import due_jobs

    [job] = due_jobs()
    assert job.name == "professionals-reconfirm" and job.every == timedelta(days=1)
