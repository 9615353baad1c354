"""Officer search through HTTP: what shows, what never shows, filters, pages, partials."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from tests.directory.conftest import fresh, make_supporter
from wnwa.directory import services
from wnwa.directory.models import DirectoryEntry
from wnwa.extensions import db
from wnwa.tenants.models import User
from wnwa.tenants.scoping import tenant_context
from wnwa.us_states import network_day


def names(response) -> list[str]:
    pattern = r'<h2><a href="/directory/\d+"[^>]*>([^<]+)</a></h2>'
    return re.findall(pattern, response.get_data(True))


@pytest.fixture
def network(make):
    """Department A (the searching officer's) and two others with supporters."""
    a = make.department("Aurora Police Department", county="Kane", state="IL")
    b = make.department("Bolingbrook Police Department", county="Will", state="IL")
    c = make.department("Austin Police Department", county="Travis", state="TX")
    officer = make.officer(a, first_name="Olive")
    make_supporter(a, first_name="Own", last_name="Colleague", topics="grief")
    make_supporter(b, first_name="Gina", last_name="Grant", topics="grief family")
    make_supporter(
        c,
        first_name="Tomas",
        last_name="Ortiz",
        topics="grief substance",
        languages="en es",
        gender="man",
        career="retired",
        assignments="swat k9",
        bio="Twenty years on SWAT. Sober since 2015.",
        accepts_texts=True,
        contact_email="tomas.peer@example.org",
    )
    make_supporter(c, first_name="Una", last_name="Listed", topics="grief", listed=False)
    make_supporter(c, first_name="Nora", last_name="Uncertified", topics="grief", certified=False)
    make_supporter(
        b,
        first_name="Lapsed",
        last_name="Cert",
        topics="grief",
        renews_on=network_day() - timedelta(days=1),
    )
    return a, b, c, fresh(officer)


def test_topic_search_shows_other_departments_with_call_links(client, login, network):
    *_, officer = network
    login(fresh(officer))
    response = client.get("/directory/?q=grief")
    assert response.status_code == 200
    assert sorted(names(response)) == ["Gina Grant", "Tomas Ortiz"]
    body = response.get_data(True)
    assert re.search(r'href="tel:\+1312555\d{4}"', body)
    assert 'href="sms:+1312555' in body  # Tomas accepts texts
    assert "/click" not in body and "redirect" not in body
    # a result row keeps to Call and Text; the supporter's page adds the email address
    tomas = re.search(r'href="/directory/(\d+)"[^>]*>Tomas Ortiz<', body).group(1)
    profile = client.get(f"/directory/{tomas}").get_data(True)
    assert 'href="mailto:tomas.peer@example.org"' in profile


def test_result_rows_are_compact_with_big_call_and_text_buttons(client, login, network):
    *_, officer = network
    login(fresh(officer))
    body = client.get("/directory/?q=grief").get_data(True)
    assert body.count('class="call-btn"') == 2
    assert body.count('class="text-btn"') == 1  # only Tomas accepts texts
    assert 'aria-label="Call Tomas Ortiz, (312) 555-' in body
    assert "2 peer supporters" in body  # the total count


def test_own_department_only_when_asked(client, login, network):
    *_, officer = network
    login(fresh(officer))
    assert "Own Colleague" not in names(client.get("/directory/?q=grief"))
    included = client.get("/directory/?q=grief&own=1")
    assert "Own Colleague" in names(included)
    assert "(your department)" in included.get_data(True)


def test_unlisted_uncertified_lapsed_and_departed_never_show(client, login, network, make):
    a, b, c, officer = network
    login(fresh(officer))
    shown = names(client.get("/directory/?own=1"))
    for hidden in ("Una Listed", "Nora Uncertified", "Lapsed Cert"):
        assert hidden not in shown
    gina = db.session.scalars(
        select(User).where(User.first_name == "Gina").execution_options(unscoped=True)
    ).one()
    with tenant_context(b.id):
        assert services.unlist_users([gina.id]) == 1
        db.session.commit()
    assert "Gina Grant" not in names(client.get("/directory/?q=grief"))


def test_results_carry_no_non_directory_column(client, login, network):
    *_, officer = network
    login(fresh(officer))
    body = client.get("/directory/?q=grief&own=1").get_data(True)
    members = db.session.scalars(select(User).execution_options(unscoped=True)).all()
    officer_id = sa_inspect(officer).identity[0]
    for member in members:
        if member.id == officer_id:
            continue
        assert member.email not in body
        assert member.employee_number not in body


def test_read_model_has_only_directory_safe_columns(app):
    allowed = {
        "id",
        "profile_id",
        "department_id",
        "department_name",
        "county",
        "state",
        "display_name",
        "phone",
        "accepts_texts",
        "contact_email",
        "years_of_service",
        "assignments",
        "topics",
        "languages",
        "gender",
        "career",
        "bio",
        "status",
        "status_until",
        "cert_from",
        "cert_until",
        "search",
    }
    assert set(DirectoryEntry.__table__.columns.keys()) == allowed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=TX", ["Tomas Ortiz"]),
        ("state=IL", ["Gina Grant"]),
        ("county=travis", ["Tomas Ortiz"]),
        ("county=Will", ["Gina Grant"]),
        ("topic=substance", ["Tomas Ortiz"]),
        ("topic=family&topic=substance", ["Gina Grant", "Tomas Ortiz"]),
        ("assignment=k9", ["Tomas Ortiz"]),
        ("assignment=patrol", ["Gina Grant"]),
        ("language=es", ["Tomas Ortiz"]),
        ("gender=man", ["Tomas Ortiz"]),
        ("career=retired", ["Tomas Ortiz"]),
        ("career=active", ["Gina Grant"]),
        ("q=bolingbrook", ["Gina Grant"]),
        ("q=travis", ["Tomas Ortiz"]),
        ("q=sober", ["Tomas Ortiz"]),
        ("q=ort", ["Tomas Ortiz"]),
        ("q=gina+grant", ["Gina Grant"]),
        ("q=divorce", ["Gina Grant"]),
        ("q=grief&state=TX&language=es", ["Tomas Ortiz"]),
        ("q=grief&topic=bogus&state=ZZ", ["Gina Grant", "Tomas Ortiz"]),
        ("q=nobodyhasthisword", []),
    ],
)
def test_filters(client, login, network, query, expected):
    *_, officer = network
    login(fresh(officer))
    response = client.get(f"/directory/?{query}")
    assert response.status_code == 200
    assert sorted(names(response)) == expected


def test_available_now_first_and_filter(client, login, network, make):
    a, b, c, officer = network
    tomas = db.session.scalars(
        select(User).where(User.first_name == "Tomas").execution_options(unscoped=True)
    ).one()
    with tenant_context(c.id):
        services.set_availability(db.session.get(User, tomas.id), "now", hours=2)
    login(fresh(officer))
    response = client.get("/directory/?q=grief")
    assert names(response) == ["Tomas Ortiz", "Gina Grant"]
    assert "Available now, until" in response.get_data(True)
    assert names(client.get("/directory/?q=grief&now=1")) == ["Tomas Ortiz"]


def test_pages_of_25_available_now_first(client, login, make):
    home = make.department("Home PD")
    other = make.department("Other PD", state="OH", county="Franklin")
    officer = make.officer(home)
    for n in range(27):
        make_supporter(other, first_name=f"Peer{n:02d}", last_name="Pager", topics="stress")
    now_user = make_supporter(other, first_name="Ready", last_name="Now", topics="stress")
    with tenant_context(other.id):
        services.set_availability(db.session.get(User, now_user.id), "now", hours=1)
    login(fresh(officer))
    first = client.get("/directory/?topic=stress")
    page1 = names(first)
    assert len(page1) == 25 and page1[0] == "Ready Now"
    assert 'href="/directory/?topic=stress&amp;page=2"' in first.get_data(True)
    second = client.get("/directory/?topic=stress&page=2")
    page2 = names(second)
    assert len(page2) == 3
    assert not set(page1) & set(page2)
    assert "page=3" not in second.get_data(True)
    assert 'page=1"' in second.get_data(True)
    assert names(client.get("/directory/?topic=stress&page=3")) == []


def test_a_first_page_full_of_available_supporters_still_pages_on_to_the_others(
    client, login, make
):
    home = make.department("Home PD")
    other = make.department("Other PD", state="OH", county="Franklin")
    officer = make.officer(home)
    ready = [
        make_supporter(other, first_name=f"Ready{n:02d}", last_name="Now", topics="stress")
        for n in range(27)
    ]
    for n in range(2):
        make_supporter(other, first_name=f"Later{n}", last_name="Peer", topics="stress")
    with tenant_context(other.id):
        for user in ready:
            services.set_availability(db.session.get(User, user.id), "now", hours=1)
    login(fresh(officer))
    first = client.get("/directory/?topic=stress")
    page1 = names(first)
    assert len(page1) == 25 and all(name.startswith("Ready") for name in page1)
    assert 'href="/directory/?topic=stress&amp;page=2"' in first.get_data(True)
    page2 = names(client.get("/directory/?topic=stress&page=2"))
    assert [name.split()[0][:5] for name in page2] == ["Ready", "Ready", "Later", "Later"]
    assert not set(page1) & set(page2)


def test_htmx_partial_and_full_page(client, login, network):
    *_, officer = network
    login(fresh(officer))
    full = client.get("/directory/?q=grief")
    assert "<html" in full.get_data(True) and 'id="directory-search"' in full.get_data(True)
    assert 'hx-trigger="input changed delay:300ms, search"' in full.get_data(True)
    partial = client.get("/directory/?q=grief", headers={"HX-Request": "true"})
    body = partial.get_data(True)
    assert "<html" not in body and "directory-search" not in body
    assert sorted(names(partial)) == ["Gina Grant", "Tomas Ortiz"]
    assert "HX-Request" in partial.headers.get("Vary", "")
    restore = client.get(
        "/directory/?q=grief",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.get_data(True)


def test_form_shows_the_filters_in_use(client, login, network):
    *_, officer = network
    login(fresh(officer))
    body = client.get("/directory/?q=grief&state=TX&topic=grief&own=1&now=1").get_data(True)
    assert 'value="grief"' in body
    assert re.search(r'<option selected value="TX">|<option value="TX" selected', body)
    assert re.search(r'id="own"[^>]*checked|checked[^>]*id="own"', body)


def test_profile_page(client, login, network):
    *_, officer = network
    login(fresh(officer))
    entry_id = int(
        re.search(
            r'/directory/(\d+)"[^>]*>Tomas', client.get("/directory/?q=tomas").get_data(True)
        ).group(1)
    )
    page = client.get(f"/directory/{entry_id}")
    body = page.get_data(True)
    assert page.status_code == 200
    assert "Tomas Ortiz" in body and "Twenty years on SWAT" in body and "Spanish" in body
    assert 'href="tel:+1312555' in body
    assert client.get("/directory/987654").status_code == 404


def test_hidden_listing_profile_is_404(client, login, network):
    a, b, c, officer = network
    login(fresh(officer))
    entry_id = int(
        re.search(
            r'/directory/(\d+)"[^>]*>Gina', client.get("/directory/?q=gina").get_data(True)
        ).group(1)
    )
    gina = db.session.scalars(
        select(User).where(User.first_name == "Gina").execution_options(unscoped=True)
    ).one()
    with tenant_context(b.id):
        services.unlist_users([gina.id])
        db.session.commit()
    assert client.get(f"/directory/{entry_id}").status_code == 404


def test_search_works_without_javascript_and_ignores_junk(client, login, network):
    *_, officer = network
    login(fresh(officer))
    for junk in (
        'q="*^:()-NOT+OR',
        "q=%27%3B+DROP+TABLE",
        "page=abc",
        "page=-3",
        "q=" + "x" * 500,
        "q=a",
        "q=NEAR(gina)",
        "q=gina%00",
    ):
        response = client.get(f"/directory/?{junk}")
        assert response.status_code == 200, junk


def test_similar_names_when_words_find_nobody(client, login, network):
    *_, officer = network
    login(fresh(officer))
    response = client.get("/directory/?q=ortis")
    assert names(response) == ["Tomas Ortiz"]
    assert "Names close to your search" in response.get_data(True)


def test_a_signed_in_search_page_is_three_statements(client, login, network, statements):
    """Bind the department, load the account, search and count: page one asks the database
    three things, on both engines (the claim is a no-op on SQLite). Guards the round trips."""
    *_, officer = network
    login(fresh(officer))
    client.get("/directory/?q=grief", headers={"HX-Request": "true"})
    statements.clear()
    response = client.get("/directory/?q=grief", headers={"HX-Request": "true"})
    assert response.status_code == 200 and len(names(response)) == 2
    assert "2 peer supporters" in response.get_data(True)
    # the test harness's savepoints, and its stand-in for the driver's BEGIN READ ONLY
    savepoints = ("SAVEPOINT", "RELEASE", "ROLLBACK TO", "SET TRANSACTION READ ONLY")
    sent = [s for s in statements if not s.lstrip().upper().startswith(savepoints)]
    if db.engine.dialect.name == "postgresql":
        assert "wnwa_claim_tenant" in sent[0], sent
        sent = sent[1:]
    assert len(sent) == 2, sent
    assert "FROM user_account" in sent[0]
    assert "count(*)" in sent[1] and "UNION ALL" in sent[1]
