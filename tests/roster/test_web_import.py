"""The chief's upload flow through HTTP: preview (page and htmx), confirm, cancel."""

from __future__ import annotations

import gc
import io
import re

from tests.privacy.snapshots import snapshot
from tests.roster.conftest import people_of, person, roster_csv
from wnwa import memory

HX = {"HX-Request": "true"}


def upload(client, data: bytes, *, mode: str = "update", headers=None):
    return client.post(
        "/department/roster/import",
        data={"roster": (io.BytesIO(data), "roster.csv"), "mode": mode},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def ticket_of(html: str) -> str:
    return re.search(r'name="ticket" value="([^"]+)"', html).group(1)


def test_upload_page_offers_the_template_and_both_modes(chief_client):
    client, _, _ = chief_client
    html = client.get("/department/roster/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert "/department/roster/template.csv" in html
    assert 'value="full"' in html and 'value="update"' in html
    template = client.get("/department/roster/template.csv")
    assert template.mimetype == "text/csv"
    assert template.get_data(as_text=True).startswith("Employee number,First name,Last name,")


def test_preview_writes_nothing_then_confirm_imports(chief_client):
    client, dept, chief = chief_client
    data = roster_csv([person(1), person(2), person(3, sworn="Civilian")])
    before = snapshot()
    response = upload(client, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert snapshot() == before
    assert '<dd id="count-adds">3</dd>' in html
    assert '<dd id="count-errors">0</dd>' in html
    assert "officer3@pd.example.gov" in html
    response = client.post("/department/roster/import/confirm", data={"ticket": ticket_of(html)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/department/roster")
    page = client.get("/department/roster").get_data(as_text=True)
    assert "Roster imported: 3 added, 0 updated, 0 left the roster, 0 unchanged." in page
    assert {p["employee_number"] for p in people_of(dept)} >= {"B00001", "B00002", "B00003"}


def test_htmx_preview_is_a_partial_and_confirm_redirects_with_hx_redirect(chief_client):
    client, dept, _ = chief_client
    response = upload(client, roster_csv([person(1)]), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="preview"' in html
    response = client.post(
        "/department/roster/import/confirm", data={"ticket": ticket_of(html)}, headers=HX
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/department/roster")


def test_updates_and_departures_are_shown_field_by_field(chief_client):
    client, dept, chief = chief_client
    html = upload(client, roster_csv([person(1), person(2)])).get_data(as_text=True)
    client.post("/department/roster/import/confirm", data={"ticket": ticket_of(html)})
    chief_row = person(
        99,
        employee_number=chief.employee_number,
        email=chief.email,
        first_name=chief.first_name,
        last_name=chief.last_name,
        rank=chief.rank,
    )
    html = upload(
        client, roster_csv([chief_row, person(1, rank="Lieutenant")]), mode="full"
    ).get_data(as_text=True)
    assert '<dd id="count-updates">1</dd>' in html
    assert "Rank: <del>Officer</del> → <ins>Lieutenant</ins>" in html
    assert '<dd id="count-departures">1</dd>' in html
    assert "officer2@pd.example.gov" in html.split('id="preview-departures"')[1]


def test_a_file_with_problems_is_refused_with_lines_and_cannot_be_confirmed(chief_client):
    client, _, _ = chief_client
    before = snapshot()
    response = upload(
        client, roster_csv([person(1), person(2, email="nope"), person(3, rank="=cmd")])
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert snapshot() == before
    assert '<dd id="count-errors">2</dd>' in html
    assert "<td>3</td><td>Work email" in html
    assert "<td>4</td><td>Rank: formula-like values are refused" in html
    assert 'name="ticket"' not in html


def test_cancel_discards_the_upload(chief_client, app):
    client, dept, _ = chief_client
    html = upload(client, roster_csv([person(1)])).get_data(as_text=True)
    ticket = ticket_of(html)
    folder = app.config["UPLOAD_FOLDER"] + "/roster"
    import os

    staged = set(os.listdir(folder))
    assert staged
    response = client.post("/department/roster/import/cancel", data={"ticket": ticket})
    assert response.status_code == 303
    assert set(os.listdir(folder)) < staged
    response = client.post("/department/roster/import/confirm", data={"ticket": ticket})
    assert response.status_code == 410
    assert "expired or was already used" in response.get_data(as_text=True)
    assert [p for p in people_of(dept) if p["employee_number"] == "B00001"] == []


def test_a_ticket_cannot_be_confirmed_twice(chief_client):
    client, dept, _ = chief_client
    ticket = ticket_of(upload(client, roster_csv([person(1)])).get_data(as_text=True))
    assert (
        client.post("/department/roster/import/confirm", data={"ticket": ticket}).status_code == 303
    )
    assert (
        client.post("/department/roster/import/confirm", data={"ticket": ticket}).status_code == 410
    )


def test_a_roster_changed_since_the_preview_is_not_imported(chief_client, make):
    client, dept, _ = chief_client
    ticket = ticket_of(upload(client, roster_csv([person(1), person(2)])).get_data(as_text=True))
    other_ticket = ticket_of(
        upload(client, roster_csv([person(2, rank="Captain")])).get_data(as_text=True)
    )
    assert (
        client.post("/department/roster/import/confirm", data={"ticket": other_ticket}).status_code
        == 303
    )
    before = snapshot()
    response = client.post("/department/roster/import/confirm", data={"ticket": ticket})
    assert response.status_code == 409
    assert "changed since your preview" in response.get_data(as_text=True)
    assert snapshot() == before


def test_an_edit_made_after_the_preview_is_not_overwritten(chief_client, make):
    """The preview said "Officer -> Lieutenant"; meanwhile a chief made them Captain on the
    person page: confirming would overwrite that without anyone seeing it, so it is refused."""
    client, dept, _ = chief_client
    client.post(
        "/department/roster/import/confirm",
        data={"ticket": ticket_of(upload(client, roster_csv([person(1)])).get_data(True))},
    )
    ticket = ticket_of(upload(client, roster_csv([person(1, rank="Lieutenant")])).get_data(True))
    (row,) = [p for p in people_of(dept) if p["employee_number"] == "B00001"]
    edited = client.post(
        f"/department/people/{row['id']}",
        data={
            "employee_number": row["employee_number"],
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "email": row["email"],
            "rank": "Captain",
            "sworn": "sworn",
        },
    )
    assert edited.status_code == 200
    response = client.post("/department/roster/import/confirm", data={"ticket": ticket})
    assert response.status_code == 409
    assert "changed since your preview" in response.get_data(as_text=True)
    assert [p["rank"] for p in people_of(dept) if p["id"] == row["id"]] == ["Captain"]


def test_full_preview_download_lists_every_line(chief_client):
    client, _, _ = chief_client
    data = roster_csv([person(n) for n in range(1, 151)])
    html = upload(client, data).get_data(as_text=True)
    assert "… and 50 more" in html
    response = client.post(
        "/department/roster/import/preview.csv", data={"ticket": ticket_of(html)}
    )
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "Action,Line,Employee number,Name,Work email,Details"
    assert len(lines) == 151 and lines[-1].startswith("Add,151,B00150,")


def test_nothing_to_change_says_so(chief_client):
    client, dept, chief = chief_client
    chief_row = person(
        99,
        employee_number=chief.employee_number,
        email=chief.email,
        first_name=chief.first_name,
        last_name=chief.last_name,
        rank=chief.rank,
    )
    html = upload(client, roster_csv([chief_row])).get_data(as_text=True)
    assert 'id="nothing-to-do"' in html and 'name="ticket"' not in html


def _full_collections() -> int:
    return gc.get_stats()[2]["collections"]


def test_import_requests_give_their_memory_back_once_answered(chief_client, monkeypatch):
    """Preview and confirm release the worker's memory after the response is sent
    (wnwa/memory.py): a full garbage collection runs when the response is closed, not before,
    and the request is marked for gunicorn, which retires a worker left above its ceiling."""
    client, _, _ = chief_client
    environs = []  # what the server's post_request hook would see
    inner = client.application.wsgi_app
    monkeypatch.setattr(
        client.application, "wsgi_app", lambda env, start: environs.append(env) or inner(env, start)
    )
    response = client.post(
        "/department/roster/import",
        data={"roster": (io.BytesIO(roster_csv([person(1)])), "roster.csv"), "mode": "update"},
        content_type="multipart/form-data",
        buffered=False,
    )
    assert response.status_code == 200
    assert environs[-1].get(memory.BULK) is True  # marked for gunicorn's post_request hook
    before = _full_collections()
    response.close()
    assert _full_collections() > before
    ticket = ticket_of(response.get_data(as_text=True))

    confirmed = client.post(
        "/department/roster/import/confirm", data={"ticket": ticket}, buffered=False
    )
    assert confirmed.status_code == 303
    assert environs[-1].get(memory.BULK) is True
    before = _full_collections()
    confirmed.close()
    assert _full_collections() > before

    page = client.get("/department/roster/import", buffered=False)
    assert page.status_code == 200
    assert memory.BULK not in environs[-1]
    before = _full_collections()
    page.close()
    assert _full_collections() == before  # reading the form costs nothing of the kind


def test_the_c_library_can_take_memory_back_here():
    """The glibc call exists on the Linux hosts the portal runs on: release() is not a no-op."""
    assert memory._malloc_trim() is not None
    memory.release()
