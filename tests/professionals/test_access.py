"""Who reaches each professionals route, with the exact status; documents are attachments."""

from __future__ import annotations

import io

import pytest

from tests import factories
from tests.professionals.conftest import PDF, license_file, list_professional
from tests.web.routes import all_routes
from wnwa.professionals import applications

ROLES = [
    "anonymous",
    "officer",
    "chief",
    "department_finance",
    "network_admin",
    "network_finance",
    "vetter",
]
OFFICERS = {"officer", "chief", "department_finance"}
VETTING = {"network_admin", "vetter"}


def sign_in_as(who, make, login):
    if who == "anonymous":
        return None
    if who in OFFICERS:
        account = make.officer(
            make.department(), chief=who == "chief", finance=who == "department_finance"
        )
    else:
        account = factories.staff(who)
    login(account)
    return account


@pytest.fixture
def world(ctx, vetters):
    listed = list_professional(vetters)
    p, _ = applications.submit_application(
        __import__("tests.professionals.conftest", fromlist=["sample"]).sample(),
        [license_file(), license_file("cv.pdf", kind="cv")],
    )
    return {"listed": listed.id, "open": p.id, "doc": p.documents[0].id}


def expected_get(path_kind: str, who: str) -> int:
    if path_kind == "public":
        return 200
    if who == "anonymous":
        return 302
    allowed = {"officer": OFFICERS, "staff": VETTING, "admin": {"network_admin"}}[path_kind]
    return 200 if who in allowed else 403


GETS = [
    ("public", "/professionals/apply"),
    ("public", "/professionals/received"),
    ("officer", "/professionals/"),
    ("officer", "/professionals/?zip=60601&radius=100&carrier=bcbs&specialty=ptsd"),
    ("officer", "/professionals/{listed}"),
    ("staff", "/network/professionals/"),
    ("staff", "/network/professionals/{open}"),
    ("staff", "/network/professionals/{listed}"),
    ("staff", "/network/professionals/{listed}/edit"),
    ("staff", "/network/professionals/documents/{doc}"),
    ("admin", "/network/professionals/settings"),
]
POSTS = [
    ("officer", "/professionals/{listed}/report"),
    ("staff", "/network/professionals/{open}/vetters"),
    ("staff", "/network/professionals/{open}/assessment"),
    ("staff", "/network/professionals/{open}/vote"),
    ("staff", "/network/professionals/{listed}/suspend"),
    ("staff", "/network/professionals/{listed}/recheck"),
    ("staff", "/network/professionals/{listed}/edit"),
    ("staff", "/network/professionals/{open}/vetters/1/remove"),
    ("staff", "/network/professionals/{listed}/reapply"),
    ("staff", "/network/professionals/{listed}/reinstate"),
    ("admin", "/network/professionals/settings"),
]


# Signed links: tested in test_apply.py (status) and test_listings.py (re-confirmation).
ELSEWHERE = {"professionals_public.status", "professionals_public.confirm"}


def test_every_professionals_route_is_listed_here(app):
    ids = {"listed": 1, "open": 2, "doc": 3}
    adapter = app.url_map.bind("localhost")
    covered = {
        adapter.match(t.format(**ids).split("?")[0], method=m)[0]
        for m, rows in (("GET", GETS), ("POST", POSTS))
        for _, t in rows
    }
    every = {r.endpoint for r in all_routes(app) if r.endpoint.startswith("professionals")}
    assert every - ELSEWHERE == covered


@pytest.mark.parametrize("who", ROLES)
def test_each_role_gets_exactly_its_pages(client, make, login, world, who):
    sign_in_as(who, make, login)
    for kind, template in GETS:
        response = client.get(template.format(**world))
        assert response.status_code == expected_get(kind, who), (who, template)


@pytest.mark.parametrize("who", ["anonymous", "officer", "network_finance", "vetter"])
def test_writes_are_refused_to_other_roles(client, make, login, world, who):
    sign_in_as(who, make, login)
    for kind, template in POSTS:
        response = client.post(template.format(**world), data={})
        if who == "anonymous":
            assert response.status_code == 303, template
        elif kind == "officer":
            assert response.status_code == (303 if who in OFFICERS else 403), (who, template)
        elif kind == "staff" and who in VETTING:
            assert response.status_code in (303, 404, 409, 422), (
                who,
                template,
                response.status_code,
            )
        elif kind == "admin" and who == "network_admin":
            assert response.status_code == 422
        else:
            assert response.status_code == 403, (who, template)


def test_documents_are_served_only_as_attachments(client, login, vetters):
    scripted = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF"
    p, _ = applications.submit_application(
        __import__("tests.professionals.conftest", fromlist=["sample"]).sample(),
        [license_file("licence<script>.pdf", scripted)],
    )
    doc = p.documents[0]
    login(vetters[0])
    response = client.get(f"/network/professionals/documents/{doc.id}")
    assert response.status_code == 200
    assert response.data == scripted
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert f"application-{p.id}-license-{doc.id}.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "application/pdf"
    assert client.get("/network/professionals/documents/987654").status_code == 404


def test_unknown_ids_are_404_for_staff(client, login, vetters):
    login(vetters[0])
    for path in ("/network/professionals/987654", "/network/professionals/987654/edit"):
        assert client.get(path).status_code == 404
    assert client.post("/network/professionals/987654/vote", data={}).status_code == 404
    _ = io, PDF


def test_the_staff_page_shows_the_phone_as_people_write_it(client, login, vetters):
    from tests.professionals.conftest import submit

    p = submit(zip_code="60601")
    login(vetters[0])
    html = client.get(f"/network/professionals/{p.id}").get_data(as_text=True)
    assert "(312) 555-0142" in html and "+13125550142" not in html
