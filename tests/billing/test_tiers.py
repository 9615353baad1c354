"""Pricing tiers: boundaries, history (a change applies to later signings and renewals), the
public quote calculator and the network finance editor."""

from datetime import date, timedelta

import pytest

from tests.billing.conftest import contract_of, grow_roster, under_contract
from wnwa.billing import tiers
from wnwa.billing.terms import DEFAULT_TIERS
from wnwa.billing.tiers import TierInput
from wnwa.errors import InvalidInput

SEEDED = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("sworn", "label", "dollars"),
    [
        (0, "1-10 sworn officers", 1_500),
        (1, "1-10 sworn officers", 1_500),
        (10, "1-10 sworn officers", 1_500),
        (11, "11-25 sworn officers", 3_000),
        (25, "11-25 sworn officers", 3_000),
        (26, "26-50 sworn officers", 5_000),
        (50, "26-50 sworn officers", 5_000),
        (51, "51-100 sworn officers", 8_000),
        (100, "51-100 sworn officers", 8_000),
        (101, "101-250 sworn officers", 12_500),
        (250, "101-250 sworn officers", 12_500),
        (251, "251-500 sworn officers", 20_000),
        (500, "251-500 sworn officers", 20_000),
        (501, "501-1,000 sworn officers", 30_000),
        (1_000, "501-1,000 sworn officers", 30_000),
        (1_001, "1,001-5,000 sworn officers", 45_000),
        (5_000, "1,001-5,000 sworn officers", 45_000),
        (5_001, "5,001+ sworn officers", 60_000),
        (100_000, "5,001+ sworn officers", 60_000),
    ],
)
def test_the_seeded_table_prices_every_boundary(ctx, sworn, label, dollars):
    quote = tiers.price(sworn, date(2026, 6, 1))
    assert (quote.tier.label, quote.annual_cents, quote.valid_from) == (
        label,
        dollars * 100,
        SEEDED,
    )


def test_the_seeded_table_is_the_default_tiers(ctx):
    table = tiers.tier_table_on(SEEDED)
    assert table is not None and table.tiers == list(DEFAULT_TIERS)
    assert tiers.tier_table_on(SEEDED - timedelta(days=1)) is None


def test_a_new_table_applies_from_its_date_and_keeps_history(ctx, make):
    staff = make.staff("network_finance")
    today = date(2026, 5, 1)
    tiers.save_tier_table(
        [TierInput(1, 40, 200_000), TierInput(41, None, 700_000)],
        valid_from=date(2026, 7, 1),
        today=today,
        actor=staff,
    )
    assert tiers.price(40, date(2026, 6, 30)).annual_cents == 500_000
    assert tiers.price(40, date(2026, 7, 1)).annual_cents == 200_000
    assert tiers.price(41, date(2026, 7, 1)).tier.label == "41+ sworn officers"
    history = tiers.tier_history()
    assert [t.valid_from for t in history] == [date(2026, 7, 1), SEEDED]
    assert history[0].created_by.startswith("staff ")
    # A scheduled table can be replaced before it starts.
    tiers.save_tier_table(
        [TierInput(1, None, 100_000)], valid_from=date(2026, 7, 1), today=today, actor=staff
    )
    assert [len(t.tiers) for t in tiers.tier_history()] == [1, 9]


def test_tables_in_force_are_history(ctx, make):
    staff = make.staff("network_finance")
    with pytest.raises(InvalidInput, match="today or later"):
        tiers.save_tier_table(
            [TierInput(1, None, 100_000)], valid_from=SEEDED, today=date(2026, 5, 1), actor=staff
        )
    assert len(tiers.tier_table_on(SEEDED).tiers) == 9


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([TierInput(1, 10, 100), TierInput(12, None, 200)], "11-11 are not covered"),
        ([TierInput(1, 10, 100), TierInput(10, None, 200)], "overlap"),
        ([TierInput(1, 10, 100)], "last tier must be open-ended"),
        ([TierInput(5, None, 100)], "first tier must start at 1"),
        ([TierInput(1, None, 0)], "above zero"),
        ([], "empty"),
    ],
)
def test_invalid_tables_are_refused_with_a_clear_message(ctx, make, rows, message):
    with pytest.raises(InvalidInput, match=message):
        tiers.save_tier_table(
            rows, valid_from=date(2026, 7, 1), today=date(2026, 5, 1), actor=make.staff()
        )
    assert [t.valid_from for t in tiers.tier_history()] == [SEEDED]


def test_a_change_does_not_touch_signed_contracts(ctx, make, fake, clock):
    staff = make.staff("network_finance")
    dept = make.department(sworn=5)
    grow_roster(make, dept, 5)
    under_contract(fake, clock, dept, actor=staff)
    tiers.save_tier_table(
        [TierInput(1, None, 999_900)], valid_from=clock.today(), today=clock.today(), actor=staff
    )
    contract = contract_of(dept.id)
    assert (contract.annual_cents, contract.tiers_valid_from) == (150_000, SEEDED)
    other = make.department(sworn=5)
    grow_roster(make, other, 5)
    under_contract(fake, clock, other, actor=staff)
    assert contract_of(other.id).annual_cents == 999_900
    # the table of today has now priced a contract: it is history, not to be replaced
    with pytest.raises(InvalidInput, match="already priced 1 contract, so it is history"):
        tiers.save_tier_table(
            [TierInput(1, None, 100_000)],
            valid_from=clock.today(),
            today=clock.today(),
            actor=staff,
        )
    assert tiers.price(5, clock.today()).annual_cents == 999_900


def test_public_quote_page_and_partial(client):
    page = client.get("/membership/quote?sworn=42")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "$5,000.00 a year" in html and "26-50 sworn officers" in html
    partial = client.get("/membership/quote?sworn=1,001", headers={"HX-Request": "true"})
    html = partial.get_data(as_text=True)
    assert "<html" not in html and 'id="membership-quote"' in html
    assert "$45,000.00 a year" in html and "1,001-5,000 sworn officers" in html
    assert "HX-Request" in partial.headers["Vary"]


def test_public_quote_without_a_number_shows_the_form(client):
    html = client.get("/membership/quote").get_data(as_text=True)
    assert 'id="quote-sworn"' in html and "a year</strong>" not in html


@pytest.mark.parametrize("raw", ["abc", "-5", "0", "4.5", "100001", ""])
def test_public_quote_rejects_bad_input_clearly(client, raw):
    response = client.get(f"/membership/quote?sworn={raw}")
    assert response.status_code == 422
    assert "whole number of sworn officers from 1 to 100,000" in response.get_data(as_text=True)


def test_the_quote_partial_renders_inside_another_page(app):
    with app.test_request_context("/membership"):
        from flask import render_template_string

        html = render_template_string('{% include "billing/_quote.html" %}')
    assert 'action="/membership/quote"' in html and 'hx-get="/membership/quote"' in html


def test_network_finance_publishes_a_table_from_the_editor(ctx, make, fake, client, login):
    login(make.staff("network_finance"))
    page = client.get("/billing/network/tiers").get_data(as_text=True)
    assert "From Jan 1, 2026" in page and 'name="rows-0-lower"' in page
    data = {"valid_from": "2026-09-01"}
    for i, (lower, upper, annual) in enumerate([("1", "99", "2500.50"), ("100", "", "9000")]):
        data |= {f"rows-{i}-lower": lower, f"rows-{i}-upper": upper, f"rows-{i}-annual": annual}
    data |= {"rows-2-lower": "", "rows-2-upper": "", "rows-2-annual": ""}
    response = client.post("/billing/network/tiers", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    table = tiers.tier_table_on(date(2026, 9, 1))
    assert [(t.lower, t.upper, t.annual_cents) for t in table.tiers] == [
        (1, 99, 250_050),
        (100, None, 900_000),
    ]
    bad = client.post(
        "/billing/network/tiers",
        data={
            "valid_from": "2026-09-02",
            "rows-0-lower": "1",
            "rows-0-upper": "5",
            "rows-0-annual": "10",
        },
    )
    assert bad.status_code == 422
    assert "last tier must be open-ended" in bad.get_data(as_text=True)
    assert tiers.tier_table_on(date(2026, 9, 2)).valid_from == date(2026, 9, 1)


@pytest.mark.parametrize("amount", ["Infinity", "-Infinity", "NaN", "sNaN", "1e999999"])
def test_an_amount_that_is_not_a_number_of_dollars_is_refused_on_its_field(
    ctx, make, fake, client, login, amount
):
    login(make.staff("network_finance"))
    data = {
        "valid_from": "2026-09-01",
        "rows-0-lower": "1",
        "rows-0-upper": "",
        "rows-0-annual": amount,
    }
    response = client.post("/billing/network/tiers", data=data)
    assert response.status_code == 422, amount
    assert "Not a valid decimal value." in response.get_data(as_text=True)
