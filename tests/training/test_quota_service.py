"""Department quota standing from real rows: counting rule, sworn strength, grace by age."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from tests.training.conftest import months_before
from wnwa.errors import InvalidInput
from wnwa.extensions import db
from wnwa.tenants.models import User
from wnwa.tenants.quota import QuotaState, band, grace_end
from wnwa.tenants.scoping import TenantViolation, tenant_context
from wnwa.training import settings
from wnwa.training.certification import certified_count, certified_members
from wnwa.training.quota_service import (
    QuotaSort,
    counted_supporters,
    department_quota,
    network_quota,
    parse_sort,
    sworn_strength,
)

ON = date(2026, 6, 15)


def _quota(dept, on=ON):
    return department_quota(dept, on)


@pytest.mark.parametrize(
    ("months", "state", "days_left"),
    [
        (3, QuotaState.IN_GRACE, (date(2027, 3, 15) - ON).days),
        (11, QuotaState.IN_GRACE, 30),
        (12, QuotaState.NON_COMPLIANT, 0),
        (13, QuotaState.NON_COMPLIANT, 0),
    ],
)
def test_short_department_by_age(make, tr, months, state, days_left):
    dept = make.department(sworn=100, joined=months_before(ON, months))
    for _ in range(4):
        tr.supporter(dept, ON)
    result = _quota(dept)
    assert result.state is state
    assert (result.sworn, result.counted, result.minimum, result.target) == (100, 4, 6, 9)
    assert result.shortfall == 2
    assert result.days_left == days_left
    assert result.grace_ends == grace_end(dept.joined_on)


@pytest.mark.parametrize("months", [3, 11, 12, 13])
def test_department_at_minimum_is_compliant_at_any_age(make, tr, months):
    dept = make.department(sworn=100, joined=months_before(ON, months))
    for _ in range(6):
        tr.supporter(dept, ON)
    result = _quota(dept)
    assert result.state is QuotaState.COMPLIANT
    assert (result.shortfall, result.to_target) == (0, 3)


def test_joined_on_february_29_grace_ends_february_28(make):
    dept = make.department(sworn=10, joined=date(2024, 2, 29))
    day_before = department_quota(dept, date(2025, 2, 27))
    assert day_before.state is QuotaState.IN_GRACE
    assert (day_before.grace_ends, day_before.days_left) == (date(2025, 2, 28), 1)
    on_the_day = department_quota(dept, date(2025, 2, 28))
    assert on_the_day.state is QuotaState.NON_COMPLIANT
    assert on_the_day.shortfall == 1
    assert department_quota(dept, date(2025, 3, 1)).state is QuotaState.NON_COMPLIANT


def test_roster_growth_raises_the_requirement_at_once(make, tr):
    dept = make.department(sworn=10, joined=months_before(ON, 13))
    tr.supporter(dept, ON)
    assert _quota(dept).state is QuotaState.COMPLIANT  # 10 sworn: minimum 1
    for _ in range(15):  # the roster (16 sworn incl. the supporter) outgrows the declared 10
        make.officer(dept)
    result = _quota(dept)
    assert result.sworn == 16
    assert (result.minimum, result.counted, result.shortfall) == (2, 1, 1)
    assert result.state is QuotaState.NON_COMPLIANT


def test_incomplete_roster_does_not_lower_the_requirement(make):
    dept = make.department(sworn=500)
    make.officer(dept)
    assert sworn_strength(dept) == 500
    assert _quota(dept).minimum == 21


def test_civilians_do_not_count_toward_sworn_strength(make):
    dept = make.department(sworn=10)
    for _ in range(20):
        make.officer(dept, sworn=False)
    assert sworn_strength(dept) == 10


def test_counting_rule_active_sworn_certified_listed(make, tr):
    dept = make.department(sworn=100, joined=months_before(ON, 13))
    other = make.department(sworn=100)
    tr.supporter(dept, ON)
    tr.supporter(dept, ON, sworn=False)
    departed_id = tr.supporter(dept, ON).id
    unlisted = make.officer(dept)
    tr.certify(unlisted, ON - timedelta(days=3))
    tr.supporter(other, ON)
    with tenant_context(dept.id):
        db.session.execute(update(User).where(User.id == departed_id).values(active=False))
        db.session.commit()
    assert counted_supporters(dept.id, ON) == 1
    assert _quota(dept).counted == 1


def test_lapsed_certification_stops_counting_without_any_write(make, tr):
    dept = make.department(sworn=10, joined=months_before(ON, 13))
    user = make.officer(dept)
    tr.certify(user, ON - timedelta(days=300), renews_on=ON + timedelta(days=1))
    tr.list_supporter(user, ON)
    assert _quota(dept, ON).state is QuotaState.COMPLIANT
    after = _quota(dept, ON + timedelta(days=1))
    assert after.counted == 0
    assert after.state is QuotaState.NON_COMPLIANT


def test_admin_anchors_override_configuration(make, tr, app):
    admin = tr.admin
    dept = make.department(sworn=100, joined=months_before(ON, 13))
    for _ in range(6):
        tr.supporter(dept, ON)
    assert _quota(dept).state is QuotaState.COMPLIANT
    settings.update_settings(
        small_min=0.08,
        small_target=0.10,
        large_min=0.02,
        large_target=0.03,
        renewal_months=None,
        actor=admin,
    )
    result = _quota(dept)
    assert result.minimum == 7
    assert result.state is QuotaState.NON_COMPLIANT


def test_invalid_anchors_are_refused_with_a_clear_message(tr):
    with pytest.raises(InvalidInput, match="sliding scale"):
        settings.update_settings(
            small_min=0.01,
            small_target=0.10,
            large_min=0.02,
            large_target=0.03,
            renewal_months=None,
            actor=tr.admin,
        )
    assert settings.quota_anchors().small_min == 0.07


def test_configured_anchors_are_the_default(app, ctx):
    app.config["QUOTA_LARGE_MIN"] = 0.015
    try:
        assert settings.quota_anchors().large_min == 0.015
        assert band(13_000, settings.quota_anchors()).minimum == 195
    finally:
        app.config["QUOTA_LARGE_MIN"] = 0.02


def test_quota_of_another_department_while_bound_is_refused(make):
    a, b = make.department(), make.department()
    with tenant_context(a.id), pytest.raises(TenantViolation):
        department_quota(b, ON)


def test_network_quota_sorts_by_status_and_grace(make, tr):
    late = make.department("Zulu PD", sworn=10, joined=months_before(ON, 13))
    soon = make.department("Yankee PD", sworn=10, joined=ON - timedelta(days=340))
    fresh = make.department("X-ray PD", sworn=10, joined=ON - timedelta(days=20))
    fine = make.department("Alpha PD", sworn=10, joined=months_before(ON, 13))
    tr.supporter(fine, ON)
    gone = make.department("Whiskey PD", sworn=10)
    gone.status = "left"
    db.session.commit()
    names = [r.name for r in network_quota(ON, QuotaSort.STATUS)]
    assert names == ["Zulu PD", "X-ray PD", "Yankee PD", "Alpha PD"]
    by_grace = network_quota(ON, QuotaSort.GRACE)
    assert [r.name for r in by_grace][:2] == ["Yankee PD", "X-ray PD"]
    assert by_grace[0].status.days_left == 25
    assert [r.name for r in network_quota(ON, QuotaSort.NAME)] == [
        "Alpha PD",
        "X-ray PD",
        "Yankee PD",
        "Zulu PD",
    ]
    assert "Whiskey PD" not in names
    assert {late.id, soon.id, fresh.id, fine.id} == {r.department_id for r in by_grace}


def test_unknown_sort_is_a_clear_error():
    with pytest.raises(InvalidInput, match="Sort by one of"):
        parse_sort("size")
    assert parse_sort(None) is QuotaSort.STATUS


def test_network_count_agrees_with_the_directory_count(make, tr):
    """The network report's grouped count follows the directory's counting rule exactly."""
    depts = [make.department(sworn=40, joined=months_before(ON, 13)) for _ in range(3)]
    for n, dept in enumerate(depts):
        for _ in range(n + 1):
            tr.supporter(dept, ON)
        tr.supporter(dept, ON, sworn=False)
        gone_id = tr.supporter(dept, ON).id
        with tenant_context(dept.id):
            db.session.execute(update(User).where(User.id == gone_id).values(active=False))
            db.session.commit()
        lapsing = make.officer(dept)
        tr.certify(lapsing, ON - timedelta(days=100), renews_on=ON)
        tr.list_supporter(lapsing, ON - timedelta(days=1))
        tr.certify(make.officer(dept), ON - timedelta(days=5))
    report = {r.department_id: r.status.counted for r in network_quota(ON)}
    for n, dept in enumerate(depts):
        assert report[dept.id] == counted_supporters(dept.id, ON) == n + 1
    before = {r.department_id: r.status.counted for r in network_quota(ON - timedelta(days=1))}
    assert [before[d.id] for d in depts] == [2, 3, 4]


def test_certified_count_and_members_follow_the_same_rules(make, tr):
    """Active sworn members with a valid certification, each once, only the bound
    department's: the count the quota card shows beside the page of certified members."""
    dept = make.department(sworn=100, joined=months_before(ON, 13))
    other = make.department(sworn=100)
    twice = make.officer(dept, first_name="Twice", last_name="Able")
    tr.certify(twice, ON - timedelta(days=400))
    tr.certify(twice, ON - timedelta(days=20), course="Refresher")
    tr.certify(make.officer(dept, first_name="Once", last_name="Baker"), ON - timedelta(days=5))
    tr.certify(make.officer(dept, first_name="Civ", last_name="Carter", sworn=False), ON)
    lapsed = make.officer(dept, first_name="Lapsed", last_name="Dunn")
    tr.certify(lapsed, ON - timedelta(days=800), renews_on=ON - timedelta(days=1))
    future = make.officer(dept, first_name="Future", last_name="Evans")
    tr.certify(future, ON + timedelta(days=1))
    gone = make.officer(dept, first_name="Gone", last_name="Fox")
    tr.certify(gone, ON - timedelta(days=9))
    tr.certify(make.officer(other, first_name="Other", last_name="Gray"), ON - timedelta(days=9))
    with tenant_context(dept.id):
        db.session.execute(update(User).where(User.id == gone.id).values(active=False))
        db.session.commit()
        assert certified_count(ON) == 2  # Twice (once) and Once; not the civilian
        members = certified_members(ON)
        assert [m.name for m in members] == ["Twice Able", "Once Baker", "Civ Carter"]
        assert members[0].course == "Refresher"  # the latest valid certification
        assert [m.name for m in certified_members(ON, limit=1, offset=1)] == ["Once Baker"]
