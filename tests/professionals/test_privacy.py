"""The privacy promise for the professional directory: searching by ZIP code, state and
filters, paging and opening profiles write nothing, and no ZIP code, state, filter, address or
user agent reaches any log (on PostgreSQL, the server's log too)."""

from __future__ import annotations

import re

import pytest

from tests.privacy.logs import every_log
from tests.privacy.snapshots import diff, snapshot
from tests.professionals.conftest import list_professional
from wnwa.extensions import db

CANARY_ZIP = "59263"  # Scobey, MT: in the ZIP data, in no listing, in no log line by chance
CANARY_AGENT = "CanaryAgent/8.2 (zzprofcanary)"
CANARY_IP = "198.51.100.211"
HEADERS = {"User-Agent": CANARY_AGENT, "X-Forwarded-For": CANARY_IP}


@pytest.fixture
def scene(make, vetters):
    for n in range(30):
        list_professional(vetters, name=f"Quiet Listing{n:02d}")
    return make.officer(make.department(), email="zzprofofficer@dept.example")


def _browse(client) -> None:
    pages = [
        "/professionals/",
        f"/professionals/?zip={CANARY_ZIP}&radius=100",
        "/professionals/?zip=60601&radius=25&carrier=bcbs&specialty=ptsd&licensed_in=VT",
        "/professionals/?zip=60601&radius=50&page=2",
        "/professionals/?plan=eap&modality=emdr&telehealth=1&answers_24_7=1&accepting=1&stale=1",
        "/professionals/?zip=zzprofterm&licensed_in=zz",
        "/professionals/?page=2",
    ]
    bodies = []
    for url in pages:
        for extra in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers={**HEADERS, **extra})
            assert response.status_code == 200, url
            bodies.append(response.get_data(True))
    ids = sorted(set(re.findall(r'href="/professionals/(\d+)"', "".join(bodies))))
    assert len(ids) >= 25
    for professional_id in ids[:8]:
        for extra in ({}, {"HX-Request": "true"}):  # the page, and the details in place
            response = client.get(f"/professionals/{professional_id}", headers={**HEADERS, **extra})
            assert response.status_code == 200
    links = re.findall(r'href="(tel:[^"]+)"', "".join(bodies))
    assert links and all(link.startswith(("tel:+1", "tel:988")) for link in links)


def test_searching_and_profiles_write_nothing(client, login, scene):
    login(scene)
    client.get("/professionals/")  # the session cookie's own first refresh, not the database
    db.session.expire_all()
    before = snapshot()
    _browse(client)
    db.session.expire_all()  # read afresh (a rollback would also discard what a request wrote)
    after = snapshot()
    assert diff(before, after) == {}
    assert before == after
    assert "professional" in before and len(before["professional"]) >= 30


def test_no_zip_state_filter_or_address_reaches_any_log(client, login, scene, caplog):
    with every_log(caplog) as logs:
        login(scene)
        _browse(client)
    for canary in (CANARY_ZIP, "zzprofterm", "zzprofcanary", CANARY_IP, scene.email, "'VT'"):
        assert canary not in logs.app, canary
    for canary in (CANARY_ZIP, "zzprofterm", "zzprofofficer"):
        assert canary not in logs.server
