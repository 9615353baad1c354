"""The staff console: one home of cards built from registered providers, and the queue where
network admins answer the public site's requests by email."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.site.conftest import CONTACT, DEMO, MEMBER_LIST, mail_to
from wnwa.extensions import db
from wnwa.network import console
from wnwa.site.models import SiteRequest


@pytest.fixture
def waiting(client, make):
    make.department("Aurora Police Department", county="Kane")
    make.department("Joliet Police Department", county="Will")
    for url, data in (("/contact", CONTACT), ("/demo", DEMO), ("/member-agencies", MEMBER_LIST)):
        assert client.post(url, data=data).status_code == 303
    with_ids = {r.kind: r.id for r in db.session.scalars(select(SiteRequest))}
    return with_ids


def _text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def test_admin_console_gathers_the_work_waiting(client, login, make, waiting):
    login(make.staff("network_admin"))
    text = _text(client.get("/network/"))
    assert "Network console" in text
    for card in ("Departments", "Training", "Requests from the public site"):
        assert card in text
    assert re.search(r"Member agencies list requests</a>: <span class=\"badge waiting\">1<", text)
    assert re.search(r"Demo requests</a>: <span class=\"badge waiting\">1<", text)
    assert "Member departments" in text and "Aurora Police Department" in text


@pytest.mark.parametrize("role", ["network_finance", "vetter"])
def test_other_staff_see_only_cards_and_links_their_role_opens(client, login, make, waiting, role):
    login(make.staff(role))
    response = client.get("/network/")
    assert response.status_code == 200
    text = _text(response)
    # vetters work on applications: neither the departments' card nor their table
    assert ("Departments" in text) is (role == "network_finance")
    assert ('id="departments"' in text) is (role == "network_finance")
    assert "Requests from the public site" not in text
    for href in re.findall(r'href="(/network/[^"#?]*)', text):
        assert client.get(href).status_code == 200, href


def test_a_provider_registers_a_card_with_one_call(app, client, login, make):
    def applications(today):
        return console.Card(
            "Professional applications",
            [console.CardLink("Applications waiting", "network.overview", count=3, attention=True)],
        )

    console.register_card(applications, roles={"network_admin"}, order=5)
    try:
        login(make.staff("network_admin"))
        text = _text(client.get("/network/"))
        assert "Professional applications" in text and "Applications waiting" in text
        assert text.index("Professional applications") < text.index("Departments")
    finally:
        console.CARD_PROVIDERS[:] = [
            p for p in console.CARD_PROVIDERS if p.build is not applications
        ]


def test_the_queue_lists_waiting_requests_by_kind(client, login, make, waiting):
    login(make.staff("network_admin"))
    text = _text(client.get("/network/requests/"))
    assert "3 requests" in text
    text = _text(client.get("/network/requests/?kind=demo"))
    assert "1 request." in text and DEMO["name"] in text and CONTACT["name"] not in text
    partial = client.get("/network/requests/?kind=contact", headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).startswith('<div id="requests-table">')


def test_approving_a_member_list_request_emails_the_list(client, login, make, waiting):
    login(make.staff("network_admin"))
    request_id = waiting["member_list"]
    assert client.get(f"/network/requests/{request_id}").status_code == 200
    response = client.post(f"/network/requests/{request_id}/approve", data={"note": "Welcome."})
    assert response.status_code == 303
    sent = [m for m in mail_to(MEMBER_LIST["email"]) if "member agencies" in m.subject.lower()]
    assert len(sent) == 2  # the confirmation, then the list
    body = sent[-1].body
    assert "Aurora Police Department (Kane County, IL)" in body and "Welcome." in body
    text = _text(client.get(f"/network/requests/{request_id}"))
    assert "Approved, list sent" in text
    again = client.post(f"/network/requests/{request_id}/approve", data={})
    assert again.status_code == 422 and "already sent" in again.get_data(as_text=True)


def test_declining_tells_the_requester(client, login, make, waiting):
    login(make.staff("network_admin"))
    request_id = waiting["member_list"]
    response = client.post(
        f"/network/requests/{request_id}/decline", data={"decline-message": "We could not verify."}
    )
    assert response.status_code == 303
    assert any("could not verify" in m.body for m in mail_to(MEMBER_LIST["email"]))


def test_replying_emails_the_visitor_and_records_the_status(client, login, make, waiting):
    login(make.staff("network_admin"))
    request_id = waiting["demo"]
    empty = client.post(f"/network/requests/{request_id}/reply", data={"message": " "})
    assert empty.status_code == 422 and "Write the reply" in empty.get_data(as_text=True)
    response = client.post(
        f"/network/requests/{request_id}/reply",
        data={"message": "Thursday at 10:00 works. A video link follows.", "close": "y"},
    )
    assert response.status_code == 303
    assert any("Thursday at 10:00" in m.body for m in mail_to(DEMO["email"]))
    assert "Closed" in _text(client.get(f"/network/requests/{request_id}"))
    assert client.post(f"/network/requests/{request_id}/approve").status_code == 422


def test_closing_without_a_reply(client, login, make, waiting):
    login(make.staff("network_admin"))
    request_id = waiting["contact"]
    assert client.post(f"/network/requests/{request_id}/close").status_code == 303
    assert "Closed" in _text(client.get(f"/network/requests/{request_id}"))
    assert "0 requests" in _text(client.get("/network/requests/?kind=contact"))


@pytest.mark.parametrize("who", ["officer", "chief", "network_finance", "vetter"])
def test_only_network_admins_reach_the_queue(client, login, make, waiting, who):
    if who in ("network_finance", "vetter"):
        login(make.staff(who))
    else:
        login(make.officer(make.department(), chief=who == "chief"))
    request_id = waiting["contact"]
    assert client.get("/network/requests/").status_code == 403
    assert client.get(f"/network/requests/{request_id}").status_code == 403
    assert (
        client.post(f"/network/requests/{request_id}/reply", data={"message": "x"}).status_code
        == 403
    )
    assert client.post(f"/network/requests/{request_id}/close").status_code == 403


def test_an_unknown_request_is_404(client, login, make):
    login(make.staff("network_admin"))
    assert client.get("/network/requests/424242").status_code == 404
    assert client.post("/network/requests/424242/close").status_code == 404


def _member_list_mail() -> list[str]:
    db.session.expire_all()
    return [m.subject for m in mail_to(MEMBER_LIST["email"])]


def test_an_approved_request_stays_approved(client, login, make, waiting):
    login(make.staff("network_admin"))
    request_id = waiting["member_list"]
    url = f"/network/requests/{request_id}"
    assert client.post(f"{url}/approve", data={"note": ""}).status_code == 303
    page = _text(client.get(url))
    assert "Close without replying" not in page and "Approve and email the list" not in page
    assert "Decline and tell them" not in page
    closed = client.post(f"{url}/close")
    assert closed.status_code == 422 and "already sent" in closed.get_data(as_text=True)
    declined = client.post(f"{url}/decline", data={"decline-message": ""})
    assert declined.status_code == 422 and "already sent" in declined.get_data(as_text=True)
    assert client.post(f"{url}/approve", data={"note": ""}).status_code == 422
    # a reply is a follow-up: asking to close with it changes nothing either
    followed = client.post(f"{url}/reply", data={"message": "Any questions?", "close": "y"})
    assert followed.status_code == 303
    assert "Approved, list sent" in _text(client.get(url))
    assert _member_list_mail() == [
        "We received your request for the member agencies list",
        "The WeNeverWalkAlone member agencies",
        "Re: your request for the member agencies list",
    ]


@pytest.mark.parametrize("decide", ["decline", "close"])
def test_a_declined_or_closed_request_is_never_approved_after(client, login, make, waiting, decide):
    login(make.staff("network_admin"))
    url = f"/network/requests/{waiting['member_list']}"
    assert client.post(f"{url}/{decide}", data={"decline-message": ""}).status_code == 303
    page = _text(client.get(url))
    assert "Approve and email the list" not in page and "Close without replying" not in page
    for action in ("approve", "decline", "close"):
        refused = client.post(f"{url}/{action}", data={"note": "", "decline-message": ""})
        assert refused.status_code == 422, action
        assert "already" in refused.get_data(as_text=True)
    assert "The WeNeverWalkAlone member agencies" not in _member_list_mail()


def test_an_answered_request_is_still_open(client, login, make, waiting):
    login(make.staff("network_admin"))
    url = f"/network/requests/{waiting['member_list']}"
    asked = client.post(f"{url}/reply", data={"message": "Which department are you with?"})
    assert asked.status_code == 303 and "Answered" in _text(client.get(url))
    assert "Approve and email the list" in _text(client.get(url))
    assert client.post(f"{url}/approve", data={"note": ""}).status_code == 303


def test_a_follow_up_keeps_what_the_decision_said(client, login, make, waiting):
    """Every message sent about a request is kept and shown in order, with who sent it: a
    follow-up never hides the reason a decline gave."""
    admin = make.staff("network_admin")
    admin.name = "Dana Reyes"
    db.session.commit()
    login(admin)
    url = f"/network/requests/{waiting['member_list']}"
    reason = "We share the list only with departments we can verify."
    assert client.post(f"{url}/decline", data={"decline-message": reason}).status_code == 303
    assert (
        client.post(f"{url}/reply", data={"message": "Happy to talk by phone."}).status_code == 303
    )
    html = client.get(url).get_data(as_text=True)
    sent = html[html.index('id="replies"') :]
    assert sent.index(reason) < sent.index("Happy to talk by phone.")
    assert sent.count("Network staff: Dana Reyes") == 2
    assert "Declined (Network staff: Dana Reyes," in _text(client.get(url))
    assert "staff " + str(admin.id) + " <" not in html
