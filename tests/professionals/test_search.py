"""The officers' directory: filters, ZIP radius (checked against known city distances),
nearest first, stale flags, and pages that work with and without htmx."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.professionals.conftest import confirmed_days_ago, list_professional, sample
from wnwa.extensions import db, utcnow
from wnwa.professionals import geo
from wnwa.professionals import listings as listing_service
from wnwa.professionals.applications import LicenseInput
from wnwa.professionals.demo import seed_demo_professionals, seed_us_professionals
from wnwa.professionals.models import Professional
from wnwa.professionals.search import Filters, search
from wnwa.us_states import network_day

# Great-circle distances between ZIP centroids (published city-to-city figures, +-4%).
KNOWN = [
    ("60601", "53202", 82),  # Chicago - Milwaukee
    ("60601", "62701", 180),  # Chicago - Springfield, IL
    ("10001", "19103", 81),  # New York - Philadelphia
    ("90012", "92101", 112),  # Los Angeles - San Diego
    ("02108", "10001", 190),  # Boston - New York
    ("98101", "97204", 145),  # Seattle - Portland
    ("60601", "60505", 36),  # Chicago - Aurora
]


@pytest.mark.parametrize(("a", "b", "miles"), KNOWN)
def test_zip_to_zip_distances_match_known_city_distances(a, b, miles):
    d = geo.haversine_miles(geo.centroid(a), geo.centroid(b))
    assert abs(d - miles) <= miles * 0.04, d


def test_zip_codes_are_read_offline_and_strictly():
    assert geo.normalize_zip(" 60601-1234 ") == "60601"
    for bad in ("6060", "606011", "abcde", "", "60601'--"):
        assert geo.normalize_zip(bad) is None
    assert geo.centroid("00000") is None
    for bad in ("", "6060", "606011", "6060a", "٦٠٦٠١"):
        assert geo.centroid(bad) is None and geo.place(bad) is None
    assert geo.place("60601") == ("Chicago", "IL")


def test_the_zip_table_is_derived_in_a_child_process(tmp_path, monkeypatch):
    """The package's full list (about 150 MB of Python objects) never lives in a web worker:
    a child process writes the few columns used, and this process reads only those."""
    import sys

    monkeypatch.setattr(geo, "_table_path", lambda: tmp_path / "zips.tsv")
    geo._centroids.cache_clear()
    try:
        assert geo.centroid("60601") == geo.Point(41.8858, -87.6181)
        assert geo.area_code("60601") == "312" and geo.place("10001") == ("New York", "NY")
        assert (tmp_path / "zips.tsv").exists()
        zipcodes = sys.modules.get("zipcodes")
        assert zipcodes is None or zipcodes._zips_cache is None
        codes = [z for z, _, _ in geo.all_zip_codes()]
        assert codes == sorted(codes) and len(codes) > 40000
    finally:
        geo._centroids.cache_clear()


def test_the_zip_table_is_made_when_the_app_starts_not_by_a_search(tmp_path, monkeypatch):
    """A file made by the first ZIP search would date that search: the app makes it at start."""
    from config import TestingConfig
    from wnwa import create_app

    table = tmp_path / "zips.tsv"
    monkeypatch.setattr(geo, "_table_path", lambda: table)
    geo._centroids.cache_clear()
    try:
        create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
        assert table.exists()
        made = table.stat().st_mtime_ns
        assert geo.centroid("60601") == geo.Point(41.8858, -87.6181)
        assert table.stat().st_mtime_ns == made
    finally:
        geo._centroids.cache_clear()


def test_the_bounding_box_never_cuts_the_circle():
    rng = random.Random(7)
    for _ in range(2000):
        center = geo.Point(rng.uniform(18, 64), rng.uniform(-160, -67))
        radius = rng.choice((10, 25, 50, 100))
        box = geo.bounding_box(center, radius)
        bearing = rng.uniform(0, 2 * math.pi)
        # a point just inside the radius, in a random direction
        dist = radius * 0.999 / geo.EARTH_RADIUS_MILES
        lat1, lon1 = math.radians(center.lat), math.radians(center.lon)
        lat2 = math.asin(
            math.sin(lat1) * math.cos(dist) + math.cos(lat1) * math.sin(dist) * math.cos(bearing)
        )
        lon2 = lon1 + math.atan2(
            math.sin(bearing) * math.sin(dist) * math.cos(lat1),
            math.cos(dist) - math.sin(lat1) * math.sin(lat2),
        )
        point = geo.Point(math.degrees(lat2), math.degrees(lon2))
        assert geo.haversine_miles(center, point) <= radius
        assert box.min_lat <= point.lat <= box.max_lat
        assert box.min_lon <= point.lon <= box.max_lon


def test_every_writer_files_a_listing_under_its_longitude_band(ctx, vetters):
    """The distance index reads listings by whole degree of longitude: the application, a staff
    edit that moves the practice, and both seeds file each listing under its own band."""
    p = list_professional(vetters, zip_code="60601", city="Chicago")
    assert p.lon_band == math.floor(p.lon) == -88
    listing_service.edit(p.id, sample(zip_code="80202", city="Denver", state="CO"), actor="tests")
    db.session.expire_all()
    assert db.session.get(Professional, p.id).lon_band == -105
    seed_demo_professionals(random.Random(2))
    seed_us_professionals(count=300, rng=random.Random(5))
    rows = db.session.execute(select(Professional.lon, Professional.lon_band)).all()
    assert len(rows) > 300 and all(band == math.floor(lon) for lon, band in rows)


def _everyone(filters: Filters) -> list[tuple[float, str]]:
    found, page = [], 1
    while True:
        result = search(replace(filters, page=page), now=utcnow())
        found += [(float(c.distance.split()[0]), c.name) for c in result.cards]
        if not result.has_next:
            return found
        page += 1


@pytest.mark.parametrize("seed", [11, 12])
def test_a_radius_search_finds_exactly_the_listings_a_full_scan_finds(ctx, seed):
    """Across longitude bands and radii: every listing within the radius, nearest first, and
    none outside, as measuring the distance to every listing would find."""
    seed_us_professionals(count=400, rng=random.Random(seed))
    listed = db.session.execute(
        select(Professional.name, Professional.lat, Professional.lon).where(
            Professional.status == "listed"
        )
    ).all()
    rng = random.Random(seed)
    for center_zip in rng.sample(["60601", "10001", "80202", "90012", "77002", "98101"], 3):
        center = geo.centroid(center_zip)
        for radius in (25, 100):
            expected = sorted(
                name
                for name, lat, lon in listed
                if geo.haversine_miles(center, geo.Point(lat, lon)) <= radius
            )
            found = _everyone(Filters(zip_code=center_zip, radius=radius))
            assert sorted(name for _, name in found) == expected, (center_zip, radius)
            assert [d for d, _ in found] == sorted(d for d, _ in found)


@pytest.fixture
def listings(ctx, vetters):
    now = utcnow()
    made = {
        "loop": list_professional(
            vetters, now=now, name="Avery Loop", zip_code="60601", city="Chicago"
        ),
        "aurora": list_professional(
            vetters,
            now=now,
            name="Blake Aurora",
            zip_code="60505",
            city="Aurora",
            carriers=["cigna"],
            plan_types=["hmo"],
            specialties=["grief"],
            licenses=[LicenseInput("IL", "1"), LicenseInput("IN", "2")],
            answers_24_7=False,
            telehealth=False,
        ),
        "milwaukee": list_professional(
            vetters,
            now=now,
            name="Casey Brew",
            zip_code="53202",
            city="Milwaukee",
            state="WI",
            licenses=[LicenseInput("WI", "3")],
            specialties=["substance", "ptsd"],
        ),
        "denver": list_professional(
            vetters,
            now=now,
            name="Drew Mile",
            zip_code="80202",
            city="Denver",
            state="CO",
            licenses=[LicenseInput("CO", "4"), LicenseInput("IL", "5")],
            carriers=["cigna", "tricare"],
        ),
    }
    return made


def names(filters: Filters) -> list[str]:
    return [c.name for c in search(filters, now=utcnow()).cards]


def test_zip_radius_nearest_first_with_distance(listings):
    result = search(Filters(zip_code="60601", radius=50), now=utcnow())
    assert [c.name for c in result.cards] == ["Avery Loop", "Blake Aurora"]
    assert result.cards[0].distance == "0.0 mi"
    assert (
        result.cards[1].distance.endswith(" mi") and 33 < float(result.cards[1].distance[:-3]) < 39
    )
    assert names(Filters(zip_code="60601", radius=100)) == [
        "Avery Loop",
        "Blake Aurora",
        "Casey Brew",
    ]
    assert names(Filters(zip_code="60601", radius=10)) == ["Avery Loop"]
    assert names(Filters(zip_code="53202", radius=25)) == ["Casey Brew"]
    assert "Chicago, IL" in result.origin


def test_filters_insurance_licence_state_and_specialty(listings):
    assert names(Filters(carrier="cigna")) == ["Blake Aurora", "Drew Mile"]
    assert names(Filters(plan="hmo")) == ["Blake Aurora"]
    assert names(Filters(licensed_in="IL")) == [
        "Blake Aurora",
        "Avery Loop",
        "Drew Mile",
    ]  # by surname
    assert names(Filters(licensed_in="IN")) == ["Blake Aurora"]
    assert names(Filters(specialty="substance")) == ["Casey Brew"]
    assert names(Filters(specialty="ptsd", zip_code="60601", radius=100)) == [
        "Avery Loop",
        "Casey Brew",
    ]
    assert names(Filters(answers_24_7=True, telehealth=True, carrier="cigna")) == ["Drew Mile"]
    assert names(Filters(modality="emdr", licensed_in="WI")) == ["Casey Brew"]


def test_unknown_zip_says_so(listings):
    result = search(Filters(zip_code="00000"), now=utcnow())
    assert result.zip_unknown and result.cards == []


def test_stale_listings_are_flagged_then_dropped_after_the_grace(listings):
    confirmed_days_ago(listings["aurora"], 181)
    cards = {c.name: c for c in search(Filters(), now=utcnow()).cards}
    assert cards["Blake Aurora"].stale and not cards["Avery Loop"].stale
    confirmed_days_ago(listings["aurora"], 211)
    assert "Blake Aurora" not in names(Filters())
    assert "Blake Aurora" in names(Filters(include_stale=True))


def test_suspended_and_unlisted_applications_are_not_found(listings):
    from tests.professionals.conftest import submit
    from wnwa.professionals import listings as upkeep

    submit(name="Pending Person")
    upkeep.suspend(listings["loop"].id, "Licence lapsed.", actor="tests")
    assert names(Filters()) == ["Blake Aurora", "Casey Brew", "Drew Mile"]


def test_a_licence_state_keeps_every_other_rule(listings):
    """The licence-state search starts from that state's tags: the listing rules still hold."""
    from wnwa.professionals import listings as upkeep

    confirmed_days_ago(listings["aurora"], 211)
    assert names(Filters(licensed_in="IL")) == ["Avery Loop", "Drew Mile"]
    assert names(Filters(licensed_in="IL", include_stale=True))[0] == "Blake Aurora"
    upkeep.suspend(listings["loop"].id, "Licence lapsed.", actor="tests")
    assert names(Filters(licensed_in="IL")) == ["Drew Mile"]
    assert names(Filters(licensed_in="IL", carrier="tricare", telehealth=True)) == ["Drew Mile"]
    assert names(Filters(licensed_in="IL", carrier="aetna")) == []


def test_the_page_works_without_javascript_and_as_an_htmx_partial(client, login, make, listings):
    officer = make.officer(make.department())
    login(officer)
    page = client.get("/professionals/?zip=60601&radius=50&carrier=cigna")
    assert page.status_code == 200
    body = page.get_data(True)
    assert "<html" in body and "Blake Aurora" in body and "Avery Loop" not in body
    assert 'href="tel:+13125550142"' in body or 'href="tel:+1312' in body
    assert page.headers["Vary"] and "HX-Request" in page.headers["Vary"]
    partial = client.get("/professionals/?zip=60601&radius=50", headers={"HX-Request": "true"})
    text = partial.get_data(True)
    assert partial.status_code == 200 and "<html" not in text and "Avery Loop" in text
    assert f'href="/professionals/{listings["loop"].id}"' in text
    profile = client.get(f"/professionals/{listings['aurora'].id}")
    body = profile.get_data(True)
    assert profile.status_code == 200
    assert "Sees you within 24 hours" in body and "Cigna" in body and "Last re-confirmed" in body
    assert "<title>Professional · WeNeverWalkAlone</title>" in body  # a history shows no name
    aurora = listings["aurora"].id
    inline = client.get(f"/professionals/{aurora}", headers={"HX-Request": "true"}).get_data(True)
    assert "<title>" not in inline and "Cigna" in inline and "Hide details" in inline
    assert f'hx-target="#report-{aurora}"' in inline and f'id="report-{aurora}"' in inline
    assert client.get("/professionals/987654").status_code == 404


def test_the_profile_says_in_words_on_which_day_of_the_network_it_was_re_confirmed(
    client, login, make, listings
):
    listed = listings["aurora"]
    today = network_day()
    # 3:30 this morning UTC is last evening in Chicago, the network's own time
    listed.confirmed_at = datetime(today.year, today.month, today.day, 3, 30, tzinfo=UTC)
    db.session.commit()
    login(make.officer(make.department()))
    body = client.get(f"/professionals/{listed.id}").get_data(True)
    evening = today - timedelta(days=1)
    assert f'<dd class="confirmed-on">{evening:%b} {evening.day}, {evening.year}</dd>' in body


def test_pages_of_25(ctx, vetters):
    for n in range(27):
        list_professional(vetters, name=f"Page Person{n:02d}")
    first = search(Filters(), now=utcnow())
    second = search(Filters(page=2), now=utcnow())
    assert len(first.cards) == 25 and first.has_next
    assert len(second.cards) == 2 and not second.has_next
    near = search(Filters(zip_code="60601", radius=10, page=2), now=utcnow())
    assert len(near.cards) == 2 and not near.has_next
    in_state = search(Filters(licensed_in="IL", page=2), now=utcnow())
    assert [c.name for c in in_state.cards] == [c.name for c in second.cards]


def test_the_summary_says_what_the_distance_needs(client, login, make, listings):
    """A distance means nothing without a ZIP code: the results say they are nationwide and how
    to get the nearest first, and an empty search does not suggest a larger distance."""
    login(make.officer(make.department()))
    hx = {"HX-Request": "true"}
    nationwide = client.get("/professionals/?radius=10", headers=hx).get_data(True)
    assert "Nationwide, in name order. Give a ZIP code" in nationwide
    near = client.get("/professionals/?zip=60601&radius=50", headers=hx).get_data(True)
    assert "Nearest first, from 60601" in near and "Nationwide" not in near
    nobody = client.get("/professionals/?licensed_in=WY", headers=hx).get_data(True)
    assert "No professionals match. Try fewer filters." in nobody
    nobody_near = client.get("/professionals/?zip=99501&radius=10", headers=hx).get_data(True)
    assert "Try a larger distance or fewer filters." in nobody_near
