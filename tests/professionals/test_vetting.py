"""Vetting: blind votes, the consensus rule and its edge cases, plain-language audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import sign_in
from tests.professionals.conftest import submit
from wnwa.errors import Conflict, InvalidInput
from wnwa.extensions import db, utcnow
from wnwa.mail import MailJob
from wnwa.professionals import applications, settings, vetting
from wnwa.professionals.models import DEFERRED, IN_REVIEW, LISTED, SUBMITTED
from wnwa.professionals.vetting import outcome
from wnwa.us_states import day_words, network_day


@pytest.mark.parametrize(
    ("rule", "minimum", "choices", "expected"),
    [
        ("unanimous", 2, ["approve", "approve"], LISTED),
        ("unanimous", 2, ["approve", "defer"], DEFERRED),
        ("unanimous", 2, ["approve", None], None),
        ("unanimous", 2, ["approve"], None),  # too few votes: waits for another vetter
        ("unanimous", 3, ["approve", "approve"], None),
        ("unanimous", 2, [], None),
        ("majority", 2, ["approve", "defer"], DEFERRED),  # a tie is not a majority
        ("majority", 2, ["approve", "approve", "defer"], LISTED),
        ("majority", 2, ["approve", "defer", "defer"], DEFERRED),
        ("majority", 4, ["approve", "approve", "defer", "defer"], DEFERRED),
        ("majority", 3, ["approve", "approve", None], None),
    ],
)
def test_the_consensus_rule(rule, minimum, choices, expected):
    assert outcome(rule, minimum, choices) == expected


def test_two_approvals_list_the_applicant_and_email_them(ctx, vetters):
    p = submit()
    a, b = vetters
    vetting.assign(p.id, a.id, actor="tests")
    assert p.status == IN_REVIEW and p.rule == "unanimous" and p.rule_min_votes == 2
    vetting.assign(p.id, b.id, actor="tests")
    vetting.vote(p.id, choice="approve", reason="", actor=a)
    assert p.status == IN_REVIEW
    vetting.vote(p.id, choice="approve", reason="Sound practice.", actor=b)
    assert p.status == LISTED and p.confirmed_at is not None
    mails = db.session.scalars(select(MailJob).where(MailJob.to == p.email)).all()
    assert any("You are listed" in m.subject for m in mails)


def test_votes_are_blind_until_all_assigned_have_voted(ctx, vetters):
    p = submit()
    a, b = vetters
    c = factories.staff("vetter")
    for v in (a, b, c):
        vetting.assign(p.id, v.id, actor="tests")
    vetting.vote(p.id, choice="defer", reason="Thin experience with officers.", actor=a)
    for viewer in (a, b, factories.staff("network_admin")):
        d = vetting.detail(p.id, viewer)
        assert not d.all_in
        assert [v.choice for v in d.votes] == ["", "", ""]
        assert all("Thin" not in v.reason for v in d.votes)
        assert [v.voted for v in d.votes] == [True, False, False]
    vetting.vote(p.id, choice="approve", reason="", actor=b)
    vetting.vote(p.id, choice="approve", reason="", actor=c)
    d = vetting.detail(p.id, a)
    assert d.all_in and sorted(v.choice for v in d.votes) == ["approve", "approve", "defer"]
    assert p.status == DEFERRED  # unanimous by default


def test_a_lone_vote_stays_hidden_from_the_vetter_assigned_after_it(ctx, vetters):
    """Every assigned vetter has voted, but fewer than the rule needs: still undecided, so the
    vote stays hidden, from the second vetter above all."""
    p = submit()
    a, b = vetters
    vetting.assign(p.id, a.id, actor="tests")
    vetting.vote(p.id, choice="defer", reason="Zzlonereason", actor=a)
    vetting.assign(p.id, b.id, actor="tests")
    for viewer in (b, factories.staff("network_admin")):
        d = vetting.detail(p.id, viewer)
        assert not d.all_in and [v.choice for v in d.votes] == ["", ""]
        assert all("Zzlonereason" not in v.reason for v in d.votes)
    vetting.unassign(p.id, b.id, actor="tests")  # one vote in, one vetter, two needed
    assert not vetting.detail(p.id, a).all_in and p.status == IN_REVIEW


def test_refused_staff_forms_keep_what_was_typed(client, login, vetters):
    p = submit()
    a, _ = vetters
    vetting.assign(p.id, a.id, actor="tests")
    login(a)
    url = f"/network/professionals/{p.id}"
    notes = "Zznotes: a long account of the office visit"
    refused = client.post(f"{url}/assessment", data={"kind": "video", "at": "", "notes": notes})
    assert refused.status_code == 422 and notes in refused.get_data(True)
    long_reason = "Zzreason " + "x" * 2001
    refused = client.post(f"{url}/vote", data={"choice": "defer", "reason": long_reason})
    html = refused.get_data(True)
    assert refused.status_code == 422 and long_reason in html
    assert 'value="defer" checked' in html


def test_blind_on_the_staff_page_too(client, login, vetters):
    p = submit()
    a, b = vetters
    vetting.assign(p.id, a.id, actor="tests")
    vetting.assign(p.id, b.id, actor="tests")
    vetting.vote(p.id, choice="defer", reason="Zzsecretreason", actor=a)
    login(b)
    body = client.get(f"/network/professionals/{p.id}").get_data(True)
    assert "Zzsecretreason" not in body and "<strong>defer</strong>" not in body
    assert "voted" in body and "not voted yet" in body


def test_a_deferral_gives_the_reason_and_the_reapply_date(client, vetters):
    p = submit()
    a, b = vetters
    now = utcnow()
    vetting.assign(p.id, a.id, actor="tests", now=now)
    vetting.assign(p.id, b.id, actor="tests", now=now)
    vetting.vote(p.id, choice="approve", reason="", actor=a, now=now)
    vetting.vote(p.id, choice="defer", reason="No malpractice cover yet.", actor=b, now=now)
    assert p.status == DEFERRED
    assert p.deferred_reason == "No malpractice cover yet."
    assert p.reapply_on == network_day(now) + timedelta(days=vetting.DEFAULT_REAPPLY_DAYS)
    page = client.get(f"/professionals/status/{applications.status_token(p)}")
    body = page.get_data(True)
    assert "Deferred" in body and "No malpractice cover yet." in body
    assert f"{p.reapply_on.year}" in body and 'id="reapply-on"' in body
    assert a.email not in body and a.name not in body
    # once decided, staff see how each vetter voted and why
    admin = factories.staff("network_admin")
    staff = client.application.test_client()
    assert sign_in(staff, admin.email, factories.PASSWORD, factories.TOTP_SECRET).status_code == 303
    detail = staff.get(f"/network/professionals/{p.id}").get_data(True)
    votes = detail[detail.index('id="votes-cast"') :]
    assert "<strong>approve</strong>" in votes
    assert "<strong>defer</strong> (No malpractice cover yet.)" in votes
    # a new re-apply date is emailed: the deferral email named the old one
    later = p.reapply_on + timedelta(days=30)
    vetting.set_reapply_date(p.id, later, today=network_day(), actor="tests")
    told = db.session.scalars(select(MailJob).where(MailJob.to == p.email)).all()
    assert any(day_words(later) in m.body and "/professionals/status/" in m.body for m in told)


def test_a_vetter_removed_mid_vote_takes_their_vote_and_the_rest_decide(ctx, vetters):
    p = submit()
    a, b = vetters
    c = factories.staff("vetter")
    for v in (a, b, c):
        vetting.assign(p.id, v.id, actor="tests")
    vetting.vote(p.id, choice="approve", reason="", actor=a)
    vetting.vote(p.id, choice="approve", reason="", actor=b)
    assert p.status == IN_REVIEW  # c has not voted
    vetting.unassign(p.id, c.id, actor="tests")
    assert p.status == LISTED


def test_removing_a_voter_below_the_minimum_waits_for_another_vetter(ctx, vetters):
    p = submit()
    a, b = vetters
    vetting.assign(p.id, a.id, actor="tests")
    vetting.assign(p.id, b.id, actor="tests")
    vetting.vote(p.id, choice="defer", reason="Not yet.", actor=a)
    vetting.unassign(p.id, a.id, actor="tests")
    assert p.status == IN_REVIEW and len(p.votes) == 1
    vetting.vote(p.id, choice="approve", reason="", actor=b)
    assert p.status == IN_REVIEW  # one vote, two needed
    c = factories.staff("network_admin")  # network admins vet too
    vetting.assign(p.id, c.id, actor="tests")
    vetting.vote(p.id, choice="approve", reason="", actor=c)
    assert p.status == LISTED
    vetting_all_removed = submit()
    vetting.assign(vetting_all_removed.id, a.id, actor="tests")
    vetting.unassign(vetting_all_removed.id, a.id, actor="tests")
    assert vetting_all_removed.status == SUBMITTED


def test_a_tie_under_the_majority_rule_is_deferred(ctx, vetters):
    admin = factories.staff("network_admin")
    settings.update(rule="majority", min_votes=2, reconfirm_days=180, grace_days=30, actor=admin)
    p = submit()
    a, b = vetters
    vetting.assign(p.id, a.id, actor="tests")
    vetting.assign(p.id, b.id, actor="tests")
    vetting.vote(p.id, choice="approve", reason="", actor=a)
    vetting.vote(p.id, choice="defer", reason="Split.", actor=b)
    assert p.status == DEFERRED


def test_a_rule_change_mid_vote_does_not_apply_to_that_application(ctx, vetters):
    admin = factories.staff("network_admin")
    p = submit()
    a, b = vetters
    vetting.assign(p.id, a.id, actor="tests")
    vetting.assign(p.id, b.id, actor="tests")
    vetting.vote(p.id, choice="approve", reason="", actor=a)
    settings.update(rule="unanimous", min_votes=3, reconfirm_days=180, grace_days=30, actor=admin)
    vetting.vote(p.id, choice="approve", reason="", actor=b)
    assert p.status == LISTED  # started under "unanimous, 2 votes"
    later = submit()
    vetting.assign(later.id, a.id, actor="tests")
    vetting.assign(later.id, b.id, actor="tests")
    vetting.vote(later.id, choice="approve", reason="", actor=a)
    vetting.vote(later.id, choice="approve", reason="", actor=b)
    assert later.status == IN_REVIEW and later.rule_min_votes == 3


def test_only_assigned_vetters_vote_once_and_deferring_needs_a_reason(ctx, vetters):
    p = submit()
    a, b = vetters
    vetting.assign(p.id, a.id, actor="tests")
    with pytest.raises(Conflict):
        vetting.vote(p.id, choice="approve", reason="", actor=b)
    with pytest.raises(InvalidInput):
        vetting.vote(p.id, choice="defer", reason=" ", actor=a)
    with pytest.raises(InvalidInput):
        vetting.vote(p.id, choice="maybe", reason="", actor=a)
    vetting.assign(p.id, b.id, actor="tests")
    vetting.vote(p.id, choice="approve", reason="", actor=a)
    with pytest.raises(Conflict):
        vetting.vote(p.id, choice="defer", reason="Changed my mind", actor=a)
    with pytest.raises(Conflict):
        vetting.assign(p.id, a.id, actor="tests")
    with pytest.raises(InvalidInput):
        vetting.assign(p.id, factories.staff("network_finance").id, actor="tests")


def test_every_action_is_audited_in_plain_language(ctx, vetters):
    admin = factories.staff("network_admin")
    p = submit(zip_code="60601")
    a, b = vetters
    vetting.assign(p.id, a.id, actor=admin)
    vetting.assign(p.id, b.id, actor=admin)
    assert vetting.detail(p.id, a).suggested_kind == "office"
    at = utcnow().replace(microsecond=0) + timedelta(days=3)
    vetting.schedule(p.id, kind="office", at=at, held=False, notes="", actor=a)
    vetting.schedule(p.id, kind="office", at=at, held=True, notes="Good fit.", actor=a)
    vetting.vote(p.id, choice="approve", reason="", actor=a)
    vetting.vote(p.id, choice="approve", reason="", actor=b)
    texts = [t for _, t in vetting.history(p.id)]
    assert texts[0] == f"{admin.name} assigned {a.name} to vet {p.name}."
    assert any(t.startswith(f"{a.name} scheduled an office visit with {p.name} on") for t in texts)
    assert any("recorded an office visit" in t for t in texts)
    assert f"{b.name} voted on {p.name} (2 of 2 votes in)." in texts
    assert texts[-1].startswith(f"{p.name} is listed")


def test_outside_chicago_the_assessment_is_a_video_call(ctx, vetters):
    p = submit(city="Denver", state="CO", zip_code="80202")
    assert vetting.assessment_kind_for(p) == "video"
    with pytest.raises(InvalidInput):
        vetting.schedule(p.id, kind="video", at=None, held=False, notes="", actor="tests")


def test_a_deferred_applicant_cannot_reapply_before_the_date(ctx, vetters):
    from tests.professionals.conftest import license_file, sample

    p = submit(email="again@practice.example")
    a, b = vetters
    vetting.assign(p.id, a.id, actor="tests")
    vetting.assign(p.id, b.id, actor="tests")
    vetting.vote(p.id, choice="defer", reason="Later.", actor=a)
    vetting.vote(p.id, choice="defer", reason="Later.", actor=b)
    with pytest.raises(Conflict, match="apply again from"):
        applications.submit_application(sample(email="again@practice.example"), [license_file()])
    vetting.set_reapply_date(p.id, network_day(), today=network_day(), actor="tests")
    again, _ = applications.submit_application(
        sample(email="again@practice.example"), [license_file()]
    )
    assert again.status == SUBMITTED


def test_assessment_times_are_typed_and_read_in_chicago_time(ctx, vetters):
    from datetime import UTC, datetime

    from wnwa.professionals import forms

    winter = forms.when("2026-12-10T09:00")
    assert winter == datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # CST is UTC-6
    assert forms.when("2027-07-01T09:00") == datetime(2027, 7, 1, 14, 0, tzinfo=UTC)  # CDT
    assert forms.when("not a time") is None
    assert forms.when("9999-12-31T23:59") is None  # past the last moment a datetime can hold
    p = submit(zip_code="60601")
    a, _ = vetters
    vetting.assign(p.id, a.id, actor=a)
    vetting.schedule(p.id, kind="office", at=winter, held=False, notes="", actor=a)
    shown = vetting.detail(p.id, a)
    assert shown.assessment_text == "office visit scheduled Dec 10, 2026, 9:00 AM CST"
    assert shown.assessment_input == "2026-12-10T09:00"
    assert "Dec 10, 2026, 9:00 AM CST" in applications.status_view(p).assessment
    assert any("on Dec 10, 2026, 9:00 AM CST" in t for _, t in vetting.history(p.id))
