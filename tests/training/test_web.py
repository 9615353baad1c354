"""The training and quota pages over HTTP: role guards on every route, tenant isolation,
officers' visits write nothing, htmx partials, clear messages for bad input."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.privacy.snapshots import diff, snapshot
from tests.training.conftest import attach, months_before
from wnwa.auth.guards import is_public_endpoint
from wnwa.extensions import db
from wnwa.tenants.quota import grace_end
from wnwa.tenants.scoping import tenant_context
from wnwa.training.models import ExternalCertificate, Seat, TrainingClass
from wnwa.us_states import network_day

TODAY = network_day()
SOON = TODAY + timedelta(days=30)
PDF = b"%PDF-1.7\nminimal\n%%EOF\n"
BLUEPRINTS = ("training", "training_officer", "training_admin", "training_public")


@dataclass(frozen=True)
class Route:
    endpoint: str
    url: str
    methods: frozenset[str]
    public: bool


def _ours(app) -> list[Route]:
    """Every route of the training blueprints, with placeholder ids."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in BLUEPRINTS:
            continue
        url = rule.build({name: 987654 for name in rule.arguments}, append_unknown=False)[1]
        methods = frozenset(rule.methods - {"HEAD", "OPTIONS"})
        routes.append(Route(rule.endpoint, url, methods, is_public_endpoint(app, rule.endpoint)))
    return routes


def _status(client, route, method):
    return client.open(route.url, method=method, data={}).status_code


# --- guards ---------------------------------------------------------------------------------------


def test_every_training_route_is_guarded_by_role(app, client, make, login):
    routes = _ours(app)
    assert len(routes) >= 30
    public = {r.endpoint for r in routes if r.public}
    assert public == {"training_public.training", "training_public.membership"}
    for route in routes:
        method = sorted(route.methods)[0]
        status = _status(client, route, method)
        if route.public:
            assert status == 200, route.url
        else:
            assert status in (302, 303), (route.url, status)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("officer", {"training_officer"}),
        ("chief", {"training", "training_officer"}),
        ("network_admin", {"training_admin"}),
        ("network_finance", set()),
        ("vetter", set()),
    ],
)
def test_roles_reach_only_their_pages(app, client, make, login, who, allowed):
    dept = make.department()
    if who in ("officer", "chief"):
        account = make.officer(dept, chief=who == "chief")
    else:
        account = make.staff(who)
    login(account)
    for route in _ours(app):
        if route.public:
            continue
        method = sorted(route.methods)[0]
        status = _status(client, route, method)
        blueprint = route.endpoint.split(".")[0]
        if blueprint in allowed:
            assert status != 403, (who, route.url)
        else:
            assert status == 403, (who, route.url, status)


def test_navigation_links_by_role(app, client, make, login):
    dept = make.department()
    login(make.officer(dept, chief=True))
    html = client.get("/department/peer-support/").get_data(as_text=True)
    assert 'href="/department/peer-support/" aria-current="page">Peer support</a>' in html
    # an officer's own training page is listed on the Me page
    assert 'href="/my-training/">Training</a>' in client.get("/me").get_data(as_text=True)


# --- the chief's page -----------------------------------------------------------------------------


@pytest.fixture
def chief_setup(make, tr):
    dept = make.department("Evanston PD", sworn=100, joined=TODAY - timedelta(days=300))
    chief = make.officer(dept, chief=True, first_name="Carla", last_name="Chief")
    pat = make.officer(dept, first_name="Pat", last_name="Alpha")
    cls = tr.new_class(SOON, on=TODAY, capacity=2, location="Skokie Training Center")
    for _ in range(2):
        tr.supporter(dept, TODAY)
    attach(chief, pat)
    return dept, chief, pat, cls


def test_chief_sees_status_progress_and_next_step(client, login, chief_setup):
    dept, chief, _, cls = chief_setup
    login(chief)
    html = client.get("/department/peer-support/").get_data(as_text=True)
    assert "In grace period" in html and "4 short of the minimum" in html
    assert '<progress id="quota-progress-min" value="2" max="6">' in html
    assert '<progress id="quota-progress-target" value="2" max="9">' in html
    left = (grace_end(dept.joined_on) - TODAY).days
    assert f"{left} days of grace left" in html
    start = SOON.strftime("%B %-d, %Y").replace(" 0", " ")
    # The class has 2 seats: the advice never sends 4 names into it to be waitlisted unsaid.
    assert f"Reserve 2 seats in the 3-day teammate course starting {start}" in html
    assert "2 more seats still needed to reach your minimum: no open class has room" in html
    assert "Your department can reserve 2 more seats" in html
    assert "Skokie Training Center" in html
    assert "style=" not in html


def test_advice_and_card_respect_the_department_cap_and_seats_held(client, make, login, tr):
    dept = make.department("Oak Park PD", sworn=100, joined=TODAY - timedelta(days=300))
    chief = make.officer(dept, chief=True)
    held, first, second = (make.officer(dept, last_name=n) for n in ("Held", "First", "Second"))
    cls = tr.new_class(SOON, on=TODAY, capacity=20, seats_per_department=2)
    later = tr.new_class(SOON + timedelta(days=30), on=TODAY, capacity=20, title="Spring course")
    tr.reserve(dept, cls.id, held, TODAY)
    attach(chief, first, second)
    login(chief)
    html = client.get("/department/peer-support/").get_data(as_text=True)
    # Minimum 6, one seat held: 5 more, but only 1 fits in the capped class; 4 in the next one.
    assert "Reserve 1 seat in the 3-day teammate course" in html
    assert "Reserve 4 seats in the Spring course" in html
    assert "Together these reach your minimum." in html
    assert "waiting list" not in html.split('id="classes-heading"')[0]
    assert "Your department can reserve 1 more seat<" in html
    assert "19 seats left in the class" in html and "yours hold 1" in html
    assert "Your department can reserve 20 more seats" in html  # the uncapped class

    url = f"/department/peer-support/classes/{cls.id}/seats"
    page = client.get(client.post(url, data={"officer": first.email}).headers["Location"])
    assert f"Seat reserved for {first.display_name}" in page.get_data(as_text=True)
    page = client.get(client.post(url, data={"officer": second.email}).headers["Location"])
    html = page.get_data(as_text=True)
    assert f"{second.display_name} is on the waiting list for the 3-day teammate course" in html
    assert "your department already holds the 2 seats it may have in this class" in html
    assert "Your department cannot reserve more seats: new names go on the waiting list" in html
    assert "Add to the waiting list" in html
    assert later.id


def test_the_chief_is_shown_no_seat_price_since_seats_are_not_billed(client, login, chief_setup):
    _, chief, _, cls = chief_setup
    assert cls.price_cents == 45000
    login(chief)
    html = client.get("/department/peer-support/").get_data(as_text=True)
    assert "$450" not in html and "per seat" not in html


def test_advice_says_plainly_when_no_class_has_room(app, make, tr):
    from wnwa.training.overview import quota_card

    dept = make.department(sworn=100, joined=TODAY - timedelta(days=300))
    cls = tr.new_class(SOON, on=TODAY, capacity=1)
    other = make.department()
    tr.reserve(other, cls.id, make.officer(other), TODAY)
    with tenant_context(dept.id):
        steps = quota_card(dept, TODAY).next_steps
    assert steps == [
        "6 seats still needed to reach your minimum: no open class has room for your "
        "department, so names you add now go on a waiting list. Submit training from another "
        "provider for review, or watch for the next class."
    ]


def test_a_supporter_already_certified_in_a_class_is_not_counted_as_on_the_way(app, make, tr):
    """A certified supporter on a leader course counts already (or is asked to list): counting
    them again as a seat-holder would tell the chief the minimum is met when it is not."""
    from wnwa.training.overview import quota_card

    dept = make.department(sworn=25, joined=TODAY - timedelta(days=500))
    supporter = make.officer(dept)
    tr.certify(supporter, TODAY - timedelta(days=100))
    tr.list_supporter(supporter, TODAY)
    newcomer = make.officer(dept)
    cls = tr.new_class(SOON, on=TODAY)
    tr.reserve(dept, cls.id, supporter, TODAY)
    with tenant_context(dept.id):
        card = quota_card(dept, TODAY)
    assert card.pipeline == 0
    assert not any("already holds a seat" in step for step in card.next_steps)
    tr.reserve(dept, cls.id, newcomer, TODAY)
    with tenant_context(dept.id):
        assert quota_card(dept, TODAY).pipeline == 1


def test_chief_reserves_and_cancels(client, login, chief_setup):
    dept, chief, pat, cls = chief_setup
    login(chief)
    response = client.post(
        f"/department/peer-support/classes/{cls.id}/seats", data={"officer": pat.employee_number}
    )
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pat Alpha" in html and "reserved" in html
    assert "1 officer already holds a seat in upcoming classes" in html
    with tenant_context(dept.id):
        seat_id = db.session.scalars(select(Seat.id)).one()
    assert client.post(f"/department/peer-support/seats/{seat_id}/cancel").status_code == 303
    with tenant_context(dept.id):
        assert db.session.scalars(select(Seat.status)).one() == "cancelled"


def test_reserve_error_returns_the_class_card_partial_for_htmx(client, login, chief_setup):
    dept, chief, _, cls = chief_setup
    login(chief)
    response = client.post(
        f"/department/peer-support/classes/{cls.id}/seats",
        data={"officer": "nobody@nowhere.example"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and f'id="class-{cls.id}"' in html
    assert "No active member of your department" in html and 'role="alert"' in html
    full = client.post(f"/department/peer-support/classes/{cls.id}/seats", data={"officer": ""})
    assert full.status_code == 422 and "<html" in full.get_data(as_text=True)


def test_htmx_success_uses_hx_redirect(client, login, chief_setup):
    dept, chief, pat, cls = chief_setup
    login(chief)
    response = client.post(
        f"/department/peer-support/classes/{cls.id}/seats",
        data={"officer": pat.email},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/department/peer-support/")


def test_chief_cannot_reach_another_departments_rows(client, make, login, tr, chief_setup):
    dept, chief, _, cls = chief_setup
    other = make.department("Other PD")
    theirs = make.officer(other, first_name="Zed", last_name="Other")
    their_seat = tr.reserve(other, cls.id, theirs, TODAY)
    with tenant_context(other.id):
        from wnwa.training import external

        their_cert = external.submit_external(
            other,
            external.ExternalInput(
                theirs.employee_number,
                "Prov",
                "Course",
                TODAY - timedelta(days=9),
                TODAY - timedelta(days=8),
                16,
            ),
            io.BytesIO(PDF),
            actor="c",
            on=TODAY,
        ).id
    login(chief)
    for path in (
        f"seats/{their_seat}/cancel",
        f"seats/{their_seat}/approve",
        f"seats/{their_seat}/decline",
    ):
        assert client.post(f"/department/peer-support/{path}").status_code == 404, path
    assert client.get(f"/department/peer-support/external/{their_cert}/file").status_code == 404
    pages = client.get("/department/peer-support/").get_data(as_text=True)
    pages += client.get("/department/peer-support/external").get_data(as_text=True)
    assert "Zed" not in pages and "Prov" not in pages
    response = client.post(
        f"/department/peer-support/classes/{cls.id}/seats", data={"officer": theirs.employee_number}
    )
    assert response.status_code == 422
    assert tr.seat_status(their_seat) == "reserved"


def test_unknown_class_ids_are_404(client, login, chief_setup):
    _, chief, pat, _ = chief_setup
    login(chief)
    response = client.post(
        "/department/peer-support/classes/987654/seats", data={"officer": pat.employee_number}
    )
    assert response.status_code == 404


# --- external training over HTTP ------------------------------------------------------------------


def test_external_submission_and_download_guards(app, client, make, login, tr, chief_setup):
    dept, chief, pat, _ = chief_setup
    login(chief)
    form = {
        "officer": pat.employee_number,
        "provider": "State FOP",
        "course": "Peer team",
        "started_on": (TODAY - timedelta(days=10)).isoformat(),
        "ended_on": (TODAY - timedelta(days=12)).isoformat(),
        "hours": "24",
    }
    bad = client.post(
        "/department/peer-support/external",
        data={**form, "certificate": (io.BytesIO(PDF), "c.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "comes before the first day" in bad.get_data(as_text=True)
    wrong = client.post(
        "/department/peer-support/external",
        data={
            **form,
            "ended_on": (TODAY - timedelta(days=9)).isoformat(),
            "certificate": (io.BytesIO(b"GIF89a...."), "c.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "PDF, PNG or JPEG" in wrong.get_data(as_text=True)
    ok = client.post(
        "/department/peer-support/external",
        data={
            **form,
            "ended_on": (TODAY - timedelta(days=9)).isoformat(),
            "certificate": (io.BytesIO(PDF), "c.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 303
    with tenant_context(dept.id):
        cert_id = db.session.scalars(select(ExternalCertificate.id)).one()
    download = client.get(f"/department/peer-support/external/{cert_id}/file")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    client.post("/logout")
    login(pat)
    assert client.get(f"/department/peer-support/external/{cert_id}/file").status_code == 403
    assert client.get(f"/network/training/external/{cert_id}/file").status_code == 403
    client.post("/logout")
    login(tr.admin)
    for query in ("", "?status=pending", "?status=all"):
        listing = client.get(f"/network/training/external{query}")
        assert listing.status_code == 200, query
        assert "State FOP" in listing.get_data(as_text=True)
    page = client.get(f"/network/training/external/{cert_id}").get_data(as_text=True)
    assert "State FOP" in page and "Pat Alpha" in page
    assert client.get(f"/network/training/external/{cert_id}/file").data == PDF
    declined = client.post(f"/network/training/external/{cert_id}/decline", data={"reason": ""})
    assert declined.status_code == 422 and "reason" in declined.get_data(as_text=True)
    assert client.post(f"/network/training/external/{cert_id}/accept").status_code == 303
    assert client.post(f"/network/training/external/{cert_id}/accept").status_code == 409


def test_upload_larger_than_the_request_limit_is_refused(app, client, login, chief_setup):
    _, chief, pat, _ = chief_setup
    login(chief)
    huge = b"%PDF-" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post(
        "/department/peer-support/external",
        data={"officer": pat.employee_number, "certificate": (io.BytesIO(huge), "c.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


# --- officers -------------------------------------------------------------------------------------


def test_officer_pages_write_nothing_and_log_nothing(app, client, make, login, tr, caplog):
    dept = make.department()
    officer = make.officer(
        dept, first_name="Quinn", last_name="Zzcanary", email="quinn.zzcanary@dept.example"
    )
    tr.new_class(SOON, on=TODAY)
    login(officer)
    caplog.set_level(logging.DEBUG)
    before = snapshot()
    for path in ("/my-training/", "/training", "/membership?sworn=120", "/membership?sworn=x"):
        for headers in ({}, {"HX-Request": "true"}):
            assert client.get(path, headers=headers).status_code in (200, 422), path
    assert diff(before, snapshot()) == {}
    logged = caplog.text.lower()
    assert "zzcanary" not in logged and "quinn" not in logged


def test_officer_asks_for_a_seat_and_withdraws(client, make, login, tr):
    dept = make.department()
    make.officer(dept, chief=True)
    officer = make.officer(dept)
    cls = tr.new_class(SOON, on=TODAY)
    login(officer)
    page = client.get("/my-training/").get_data(as_text=True)
    assert "Ask my chief for a seat" in page
    assert "You have not asked for a seat in a class." in page  # the empty list says so
    assert client.post(f"/my-training/classes/{cls.id}/request").status_code == 303
    page = client.get("/my-training/").get_data(as_text=True)
    assert "asked, waiting for your chief" in page
    assert "You have not asked for a seat" not in page
    again = client.post(f"/my-training/classes/{cls.id}/request")
    assert again.status_code == 409 and "already have a seat" in again.get_data(as_text=True)
    with tenant_context(dept.id):
        seat_id = db.session.scalars(select(Seat.id)).one()
    assert client.post(f"/my-training/requests/{seat_id}/withdraw").status_code == 303
    with tenant_context(dept.id):
        assert db.session.scalars(select(Seat)).all() == []


def test_officer_cannot_withdraw_someone_elses_request(client, make, login, tr):
    dept = make.department()
    asker, other = make.officer(dept), make.officer(dept)
    cls = tr.new_class(SOON, on=TODAY)
    attach(asker)
    from wnwa.training import seats

    with tenant_context(dept.id):
        seat_id = seats.request_seat(asker, class_id=cls.id, on=TODAY).id
    login(other)
    assert client.post(f"/my-training/requests/{seat_id}/withdraw").status_code == 404
    assert tr.seat_status(seat_id) == "requested"


def test_chief_approves_an_officer_request(client, make, login, tr):
    dept = make.department()
    chief = make.officer(dept, chief=True)
    asker = make.officer(dept, first_name="Robin")
    cls = tr.new_class(SOON, on=TODAY)
    attach(asker)
    from wnwa.training import seats

    with tenant_context(dept.id):
        seat_id = seats.request_seat(asker, class_id=cls.id, on=TODAY).id
    attach(chief)
    login(chief)
    assert "Robin" in client.get("/department/peer-support/").get_data(as_text=True)
    assert client.post(f"/department/peer-support/seats/{seat_id}/approve").status_code == 303
    assert tr.seat_status(seat_id) == "reserved"
    again = client.post(f"/department/peer-support/seats/{seat_id}/approve")
    assert again.status_code == 409


# --- network admin --------------------------------------------------------------------------------


def test_admin_creates_a_class_with_clear_messages(client, login, tr):
    login(tr.admin)
    assert client.get("/network/training/new").status_code == 200
    form = {
        "title": "4-day leader course",
        "location": "Springfield",
        "day_1": (SOON + timedelta(days=1)).isoformat(),
        "day_2": SOON.isoformat(),
        "registration_deadline": (SOON - timedelta(days=7)).isoformat(),
        "capacity": "24",
        "hours": "32",
        "price": "650.00",
    }
    bad = client.post("/network/training/new", data=form)
    assert bad.status_code == 422
    assert "Class days must be in date order: day 2" in bad.get_data(as_text=True)
    form["day_1"], form["day_2"] = SOON.isoformat(), (SOON + timedelta(days=1)).isoformat()
    no_capacity = client.post("/network/training/new", data={**form, "capacity": "0"})
    assert no_capacity.status_code == 422
    ok = client.post("/network/training/new", data=form)
    assert ok.status_code == 303
    cls = db.session.scalars(select(TrainingClass)).one()
    assert (cls.title, cls.capacity, cls.price_cents, cls.hours) == (
        "4-day leader course",
        24,
        65000,
        32,
    )
    assert [d.day for d in cls.days] == [SOON, SOON + timedelta(days=1)]
    detail = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "4-day leader course" in detail and "$650" in detail


def test_a_class_of_ten_days_is_created_and_edited_whole(client, login, tr):
    login(tr.admin)
    days = [SOON + timedelta(days=n) for n in range(10)]
    form = {
        "title": "10-day instructor course",
        "location": "Springfield",
        **{f"day_{n}": day.isoformat() for n, day in enumerate(days, start=1)},
        "registration_deadline": (SOON - timedelta(days=7)).isoformat(),
        "capacity": "12",
        "hours": "80",
        "price": "0",
    }
    assert client.post("/network/training/new", data=form).status_code == 303
    cls = db.session.scalars(select(TrainingClass)).one()
    assert [d.day for d in cls.days] == days
    page = client.get(f"/network/training/{cls.id}/edit").get_data(as_text=True)
    assert f'value="{days[9].isoformat()}"' in page  # day 10 is on the form to keep
    edited = client.post(f"/network/training/{cls.id}/edit", data={**form, "capacity": "14"})
    assert edited.status_code == 303
    db.session.expire_all()
    assert len(db.session.get(TrainingClass, cls.id).days) == 10


def test_admin_edit_refuses_capacity_below_reservations(client, make, login, tr):
    dept = make.department()
    cls = tr.new_class(SOON, on=TODAY, capacity=3)
    for _ in range(2):
        tr.reserve(dept, cls.id, make.officer(dept), TODAY)
    login(tr.admin)
    page = client.get(f"/network/training/{cls.id}/edit")
    assert page.status_code == 200 and 'value="3"' in page.get_data(as_text=True)
    form = {
        "title": cls.title,
        "location": cls.location,
        **{f"day_{i + 1}": d.day.isoformat() for i, d in enumerate(cls.days)},
        "registration_deadline": cls.registration_deadline.isoformat(),
        "capacity": "1",
        "hours": "24",
        "price": "450",
    }
    response = client.post(f"/network/training/{cls.id}/edit", data=form)
    assert response.status_code == 422
    assert "Capacity 1 is below the 2 seats already reserved" in response.get_data(as_text=True)


def test_trainer_checklist_ticks_and_completion(client, make, login, tr):
    dept = make.department()
    start = TODAY - timedelta(days=2)
    cls = tr.new_class(start, on=start - timedelta(days=30))
    people = [make.officer(dept, first_name=n) for n in ("Ann", "Ben")]
    seat_ids = [tr.reserve(dept, cls.id, p, start - timedelta(days=20)) for p in people]
    login(tr.admin)
    day_ids = [d.id for d in cls.days]
    sheet = client.get(f"/network/training/{cls.id}/days/{day_ids[0]}").get_data(as_text=True)
    assert "Ann" in sheet and 'type="checkbox"' in sheet and "hx-post" in sheet
    for day_id in day_ids:
        tick = client.post(
            f"/network/training/{cls.id}/days/{day_id}/seats/{seat_ids[0]}",
            data={"present": [str(seat_ids[0])]},
            headers={"HX-Request": "true"},
        )
        assert tick.status_code == 200 and tick.get_data(as_text=True).strip().endswith(
            '<span class="present">Present</span>'
        )
    saved = client.post(
        f"/network/training/{cls.id}/days/{day_ids[0]}",
        data={"present": [str(seat_ids[0]), str(seat_ids[1])]},
    )
    assert saved.status_code == 200 and "2 present" in saved.get_data(as_text=True)
    done = client.post(f"/network/training/{cls.id}/complete")
    assert done.status_code == 303
    assert "1 certified, 1 missed a day" in client.get(done.headers["Location"]).get_data(True)
    late = client.post(
        f"/network/training/{cls.id}/days/{day_ids[0]}/seats/{seat_ids[0]}",
        data={},
        headers={"HX-Request": "true"},
    )
    assert late.status_code == 409 and "complete" in late.get_data(as_text=True)


def test_admin_quota_list_sorts_and_links(client, make, login, tr):
    make.department("Short PD", sworn=100, joined=months_before(TODAY, 13))
    make.department("Grace PD", sworn=100, joined=TODAY - timedelta(days=100))
    login(tr.admin)
    html = client.get("/network/quota?sort=grace").get_data(as_text=True)
    assert html.index("Grace PD") < html.index("Short PD")
    html = client.get("/network/quota").get_data(as_text=True)
    assert html.index("Short PD") < html.index("Grace PD")
    assert "Not compliant" in html and 'aria-sort="ascending"' in html
    assert client.get("/network/quota?sort=size").status_code == 422


def test_admin_quota_table_shows_status_colours_and_totals(client, make, login, tr):
    import re

    make.department("Short PD", sworn=100, joined=months_before(TODAY, 13))
    make.department("Grace PD", sworn=100, joined=TODAY - timedelta(days=100))
    login(tr.admin)
    html = client.get("/network/quota").get_data(as_text=True)
    assert '<span class="pill status-bad">Not compliant</span>' in html
    assert '<span class="pill status-warn">In grace period</span>' in html
    rows = re.findall(r'<tr class="quota-row tone-(\w+)">', html)
    footer = html[html.index("<tfoot>") : html.index("</tfoot>")]
    assert f"{len(rows)} departments" in footer
    # both 100-officer departments need 6 and have none: the totals include their 12
    minimum = int(
        re.search(r'data-label="Minimum" class="num">([\d,]+)<', footer)[1].replace(",", "")
    )
    shortfall = int(
        re.search(r'data-label="Shortfall" class="num">([\d,]+)<', footer)[1].replace(",", "")
    )
    assert minimum >= 12 and shortfall >= 12
    tally = re.findall(r'<li class="tally status-(\w+)"><strong>(\d+)</strong>', html)
    counts = {tone: int(n) for tone, n in tally}
    assert sum(counts.values()) == len(rows) and counts["bad"] >= 1 and counts["warn"] >= 1


def test_admin_withdraws_a_certification_which_unlists_at_once(client, make, login, tr):
    dept = make.department(sworn=10, joined=months_before(TODAY, 13))
    supporter = tr.supporter(dept, TODAY, first_name="Sam")
    supporter_id = supporter.id
    login(tr.admin)
    page = client.get(f"/network/quota/{dept.id}").get_data(as_text=True)
    assert "Sam" in page and "Compliant" in page
    from wnwa.directory.models import SupporterProfile
    from wnwa.training.models import Certification

    with tenant_context(dept.id):
        cert_id = db.session.scalars(select(Certification.id)).one()
    empty = client.post(
        f"/network/quota/{dept.id}/certifications/{cert_id}/revoke", data={"reason": " "}
    )
    assert empty.status_code == 422 and "Give the reason" in empty.get_data(as_text=True)
    response = client.post(
        f"/network/quota/{dept.id}/certifications/{cert_id}/revoke",
        data={"reason": "Left the peer team"},
    )
    assert response.status_code == 303
    page = client.get(f"/network/quota/{dept.id}").get_data(as_text=True)
    assert "Not compliant" in page
    with tenant_context(dept.id):
        profile = db.session.scalars(
            select(SupporterProfile).where(SupporterProfile.user_id == supporter_id)
        ).one()
        assert profile.listed is False
    other = make.department()
    assert (
        client.post(
            f"/network/quota/{other.id}/certifications/{cert_id}/revoke", data={"reason": "x"}
        ).status_code
        == 404
    )


def test_admin_settings_form(client, login, tr):
    login(tr.admin)
    page = client.get("/network/quota/settings").get_data(as_text=True)
    assert 'value="7.0"' in page or 'value="7.00"' in page
    bad = client.post(
        "/network/quota/settings",
        data={"small_min": "1", "small_target": "10", "large_min": "2", "large_target": "3"},
    )
    assert bad.status_code == 422 and "sliding scale" in bad.get_data(as_text=True)
    ok = client.post(
        "/network/quota/settings",
        data={
            "small_min": "8",
            "small_target": "10",
            "large_min": "2",
            "large_target": "3",
            "renewal_months": "36",
        },
    )
    assert ok.status_code == 303
    from wnwa.training.settings import current_settings

    now = current_settings()
    assert now.anchors.small_min == pytest.approx(0.08) and now.renewal_months == 36


# --- public pages ---------------------------------------------------------------------------------


def test_public_training_page_shows_the_next_class(client, tr):
    empty = client.get("/training").get_data(as_text=True)
    assert "has not been scheduled yet" in empty
    tr.new_class(SOON + timedelta(days=40), on=TODAY, location="Peoria")
    tr.new_class(SOON, on=TODAY, location="Rockford Academy")
    html = client.get("/training").get_data(as_text=True)
    assert SOON.strftime("%A, %B %-d, %Y") in html
    assert html.index("Rockford Academy") < html.index("Peoria")
    assert "How to enrol" in html and "Your chief reserves seats" in html


def test_public_training_page_lists_each_class_once_and_says_when_registration_closed(client, tr):
    from wnwa.us_states import network_day

    today = network_day()
    tr.new_class(today - timedelta(days=1), location="Under Way Academy")
    tr.new_class(today + timedelta(days=3), location="Closed Academy")  # deadline was 4 days ago
    tr.new_class(today + timedelta(days=60), location="Later Academy")
    html = " ".join(client.get("/training").get_data(as_text=True).split())
    assert "Under Way Academy" not in html  # begun: no longer the next class, nor a later one
    assert html.count("Closed Academy") == 1 and html.count("Later Academy") == 1
    closed = (today + timedelta(days=3) - timedelta(days=7)).strftime("%B %-d, %Y")
    assert f"registration closed on {closed}" in html


@pytest.mark.parametrize(
    ("sworn", "text", "status"),
    [
        (
            "100",
            "A department of <strong>100</strong> sworn officers contributes "
            "<strong>6 to 9</strong> peer supporters.",
            200,
        ),
        (
            "13000",
            "<strong>13,000</strong> sworn officers contributes <strong>260 to 390</strong>",
            200,
        ),
        (
            "1,300",
            "<strong>1,300</strong> sworn officers contributes",
            200,
        ),
        (
            "1",
            "<strong>1</strong> sworn officer contributes <strong>1</strong> peer supporter.",
            200,
        ),
        (
            "36000",
            "<strong>36,000</strong> sworn officers contributes <strong>573 to 867</strong>",
            200,
        ),
        ("-5", "Enter a whole number of sworn officers from 1 to 100,000, e.g. 42.", 422),
        ("lots", "Enter a whole number", 422),
        ("100001", "Enter a whole number", 422),
    ],
)
def test_membership_calculator(client, sworn, text, status):
    response = client.get(f"/membership?sworn={sworn}")
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    partial = client.get(f"/membership?sworn={sworn}", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True)
    assert text in partial.get_data(as_text=True)


def test_membership_page_without_input(client):
    html = client.get("/membership").get_data(as_text=True)
    assert "Enter your sworn strength" in html and 'id="sworn"' in html


def test_what_we_store_lists_the_training_rows_about_officers(client):
    html = client.get("/privacy").get_data(as_text=True)
    for title in ("Training seats", "Training attendance", "Peer-support training from another"):
        assert title in html
    assert "Whether you asked for this seat yourself" in html


def test_every_training_write_needs_the_csrf_token(app, make, login):
    from config import TestingConfig
    from tests.conftest import HttpsClient
    from wnwa import create_app

    strict = create_app(TestingConfig, {"WTF_CSRF_ENABLED": True})
    strict.test_client_class = HttpsClient
    db._app_engines[strict][None] = db._app_engines[app][None]
    client = strict.test_client()
    posts = [r for r in _ours(strict) if "POST" in r.methods]
    assert len(posts) >= 15
    for route in posts:
        response = client.post(route.url, data={"x": "1"})
        assert response.status_code == 400, route.url
        assert "form expired" in response.get_data(as_text=True)


def test_reserve_in_a_closed_or_unknown_class_over_htmx_gives_a_message(
    client, login, tr, chief_setup
):
    _, chief, pat, _ = chief_setup
    closed = tr.new_class(
        TODAY + timedelta(days=3), on=TODAY - timedelta(days=30), deadline=TODAY - timedelta(days=1)
    )
    login(chief)
    for class_id, status, text in (
        (closed.id, 409, "Registration for this class closed"),
        (987654, 404, "No such training class"),
    ):
        response = client.post(
            f"/department/peer-support/classes/{class_id}/seats",
            data={"officer": pat.employee_number},
            headers={"HX-Request": "true"},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == status and "<html" not in html
        assert text in html and 'role="alert"' in html
        page = client.post(  # without JavaScript: the whole page, the class no longer listed
            f"/department/peer-support/classes/{class_id}/seats",
            data={"officer": pat.employee_number},
        )
        assert page.status_code == status and "<html" in page.get_data(as_text=True)
        assert text in page.get_data(as_text=True)


def test_quota_card_partial_renders_on_its_own_for_the_dashboard(app, make, tr):
    from flask import render_template

    from wnwa.training.overview import quota_card

    dept = make.department(sworn=100, joined=months_before(TODAY, 13))
    for _ in range(7):
        tr.supporter(dept, TODAY)
    with app.test_request_context(), tenant_context(dept.id):
        html = render_template("training/_quota_card.html", quota_card=quota_card(dept, TODAY))
    assert 'id="quota-card"' in html and "Compliant" in html
    assert '<progress id="quota-progress-min" value="6" max="6">' in html
    assert "Reach your target: 2 more supporters needed. No class is open" in html


# --- the seat picker's type-ahead -----------------------------------------------------------------


def test_seat_picker_suggests_a_handful_of_members_as_the_chief_types(
    client, login, make, chief_setup
):
    dept, chief, pat, _ = chief_setup
    number = pat.employee_number
    for n in range(12):
        make.officer(dept, first_name=f"Sam{n:02d}", last_name="Smith")
    make.officer(dept, first_name="Gone", last_name="Smithers", active=False)
    other = make.department("Skokie PD")
    make.officer(other, first_name="Sue", last_name="Smith")
    login(chief)

    page = client.get("/department/peer-support/").get_data(as_text=True)
    assert '<datalist id="members-list"></datalist>' in page  # no roster in the page
    assert 'hx-get="/department/peer-support/members"' in page

    htmx = {"HX-Request": "true"}
    response = client.get("/department/peer-support/members?officer=smi", headers=htmx)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith('<datalist id="members-list">') and "<html" not in body
    assert body.count("<option") == 10  # a handful, whatever the department's size
    assert "Sue" not in body and "Gone" not in body  # own department, active only
    assert f'value="{number}"' in client.get(
        "/department/peer-support/members?officer=pat+al", headers=htmx
    ).get_data(as_text=True)
    assert "<option" not in client.get(
        "/department/peer-support/members?officer=s", headers=htmx
    ).get_data(as_text=True)  # one letter suggests nothing
    assert "<option" not in client.get(
        "/department/peer-support/members?officer=%25", headers=htmx
    ).get_data(as_text=True)  # a wildcard is a letter like any other

    plain = client.get("/department/peer-support/members?officer=alpha")
    assert plain.status_code == 200
    html = plain.get_data(as_text=True)
    assert "<h1>Find a member</h1>" in html and "Pat Alpha" in html
    assert number in html


def test_seat_picker_is_for_chiefs_only(client, login, make):
    dept = make.department()
    login(make.officer(dept))
    assert client.get("/department/peer-support/members?officer=ab").status_code == 403


def test_certified_members_come_a_page_at_a_time(client, login, make, tr):
    dept = make.department("Naperville PD", sworn=400, joined=TODAY - timedelta(days=300))
    chief = make.officer(dept, chief=True, first_name="Carla", last_name="Chief")
    for n in range(27):
        tr.supporter(dept, TODAY, first_name=f"Cert{n:02d}", last_name="Member")
    attach(chief)
    login(chief)
    first = client.get("/department/peer-support/").get_data(as_text=True)
    assert len(re.findall(r"Cert\d\d Member", first)) == 25 and "Cert00 Member" in first
    assert "/department/peer-support/?certified_page=2#supporters-heading" in first
    second = client.get("/department/peer-support/?certified_page=2").get_data(as_text=True)
    assert "Cert25 Member" in second and "Cert26 Member" in second and "Cert00" not in second
    assert "certified_page=1" in second and "certified_page=3" not in second
    beyond = client.get("/department/peer-support/?certified_page=99")
    assert beyond.status_code == 200 and "No more certified members" in beyond.get_data(True)
    assert client.get("/department/peer-support/?certified_page=x").status_code == 200
