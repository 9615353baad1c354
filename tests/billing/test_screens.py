"""What the finance screens show: the department's contract, and network finance's lists,
ageing, revenue chart, exports and renewal run."""

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.billing.conftest import (
    START,
    advance,
    as_department,
    contract_of,
    deliver,
    draft,
    grow_roster,
    invoices_of,
    login_other,
    under_contract,
)
from wnwa.billing import contracts, documents, mirror, overview, renewals, reports
from wnwa.billing.chart import bar_chart
from wnwa.billing.health import CardDeclined
from wnwa.billing.mirror import invoice_number
from wnwa.billing.models import Contract, Invoice
from wnwa.billing.terms import add_years
from wnwa.csvfiles import export_csv, is_formula
from wnwa.extensions import db
from wnwa.us_states import day_words


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def test_the_department_screen_shows_terms_tier_invoices_and_renewal(
    ctx, make, fake, clock, client, login
):
    dept = make.department("Screen PD", sworn=9)
    grow_roster(make, dept, 9)
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff)
    login(make.officer(dept, finance=True, sworn=False))
    start = START.date()
    html = client.get("/billing/").get_data(as_text=True)
    assert f"until {day_words(add_years(start, 3))}; then renews 1 year at a time" in html
    assert "Year 1 of the 3-year commitment" in html
    assert f"Priced on {day_words(start)} from 9 sworn officers" in html
    assert "1-10 sworn officers" in html and "$1,500.00" in html
    assert f"Next renewal: {day_words(add_years(start, 1))}" in html
    assert "locked for the commitment" in html
    assert "PO-1" in html and "Pat Quinn" in html
    assert f"can be given from {day_words(add_years(start, 2))}" in html
    assert 'id="notice-refused"' in html
    [invoice] = invoices_of(dept.id)
    assert invoice.number in html and f"Due by {day_words(start + timedelta(days=30))}" in html

    # In the final renewal-phase preview the re-tiered amount shows from today's roster.
    grow_roster(make, dept, 30)
    for years in (1, 2):
        advance(fake, clock, _at(add_years(start, years)))
    deliver(client, fake)
    html = client.get("/billing/").get_data(as_text=True)
    assert "Year 3 of the 3-year commitment" in html
    assert f"Next renewal: {day_words(add_years(start, 3))}" in html
    assert "Re-tiered from the sworn roster" in html and "$5,000.00" in html
    assert "Preview from today&#39;s roster (30 sworn officers)" in html
    assert "Give notice of non-renewal" in html


def test_the_department_screen_leads_with_the_invoice_to_pay(ctx, make, fake, clock, client, login):
    dept = make.department("Lead PD", sworn=9)
    grow_roster(make, dept, 9)
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff)
    login(make.officer(dept, finance=True, sworn=False))
    [invoice] = invoices_of(dept.id)

    def lead(html: str) -> str:
        return html[html.index('id="lead"') : html.index('id="terms"')]

    html = client.get("/billing/").get_data(as_text=True)
    assert html.index('id="lead"') < html.index('id="terms"')  # first thing on the page
    first = lead(html)
    assert f"Next to pay: invoice {invoice.number}" in first and "tone-warn" in html
    assert "$1,500.00" in first and "PO-1" in first

    advance(fake, clock, _at(START.date() + timedelta(days=45)))
    first = lead(client.get("/billing/").get_data(as_text=True))
    assert f"Overdue: invoice {invoice.number}" in first and "Overdue by 15 days" in first

    contracts.record_payment(
        fake, invoice.id, method="wire", reference="W9", today=clock.today(), actor=staff
    )
    first = lead(client.get("/billing/").get_data(as_text=True))
    assert "Nothing to pay now" in first
    assert f"with the renewal on {day_words(add_years(START.date(), 1))}" in first


def test_without_a_contract_the_department_screen_says_so(ctx, make, fake, client, login):
    dept = make.department("Newcomer PD")
    login(make.officer(dept, chief=True))
    html = client.get("/billing/").get_data(as_text=True)
    assert 'id="no-contract"' in html
    # not a dead end: the fee for its size, and whom to write to
    quote = f'href="/membership/quote?sworn={dept.sworn_declared}"'
    assert quote in html and 'href="/contact"' in html
    assert client.get(f"/membership/quote?sworn={dept.sworn_declared}").status_code == 200


def test_a_draft_shows_the_price_it_would_get_today(ctx, make, fake, clock, client, login):
    dept = make.department("Draft PD", sworn=20)
    grow_roster(make, dept, 20)
    draft(dept.id, actor=make.staff("network_finance"))
    login(make.officer(dept, finance=True, sworn=False))
    html = client.get("/billing/").get_data(as_text=True)
    assert "Draft (not started)" in html
    assert (
        "Today: 20 sworn officers (declared and on the roster), tier 11-25 sworn officers, "
        "$3,000.00 a year" in html
    )


def test_department_finance_sets_po_pays_by_card_and_gives_notice_via_the_forms(
    ctx, make, fake, clock, client, login
):
    dept = make.department("Forms PD", sworn=4)
    grow_roster(make, dept, 4)
    staff = make.staff("network_finance")
    contract_id = under_contract(fake, clock, dept, actor=staff)
    login(make.officer(dept, finance=True, sworn=False))

    bad = client.post(
        "/billing/details",
        data={"po_number": "P", "billing_contact": "", "billing_email": "x@y.example"},
    )
    assert bad.status_code == 422
    assert client.post("/billing/pay-by", data={"pay_by": "card"}).status_code == 422
    assert "Add a card first" in client.post("/billing/pay-by", data={"pay_by": "card"}).get_data(
        as_text=True
    )
    setup = client.post("/billing/card/setup")
    assert setup.status_code == 303
    assert setup.headers["Location"].startswith("https://checkout.fake.invalid/setup/")
    assert client.get("/billing/card").status_code == 200
    assert client.post("/billing/card", data={"payment_method": "pm_card_visa"}).status_code == 303
    assert client.post("/billing/pay-by", data={"pay_by": "card"}).status_code == 303
    assert contract_of(dept.id).pay_by == "card"

    [invoice] = invoices_of(dept.id)
    page = client.get(f"/billing/invoices/{invoice.id}").get_data(as_text=True)
    assert "Pay $1,500.00 now with the card on file" in page
    assert client.post(f"/billing/invoices/{invoice.id}/pay").status_code == 303
    assert invoices_of(dept.id)[0].status == "paid"

    refused = client.post("/billing/cancel", data={"confirm": "y"})
    assert refused.status_code == 409 and 'id="cancel-error"' in refused.get_data(as_text=True)
    contracts.record_exception(
        contract_id, reason="Trial year for a small agency", today=clock.today(), actor=staff
    )
    assert client.post("/billing/cancel", data={}).status_code == 422  # not confirmed
    assert client.post("/billing/cancel", data={"confirm": "y"}).status_code == 303
    html = client.get("/billing/").get_data(as_text=True)
    assert "Notice given" in html and day_words(add_years(START.date(), 1)) in html


def test_refused_details_show_what_is_stored_and_keep_what_was_typed(
    ctx, make, fake, clock, client, login
):
    dept = make.department("Unsaved PD", sworn=4)
    grow_roster(make, dept, 4)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"), po="PO-OLD-1")
    login(make.officer(dept, finance=True, sworn=False))
    refused = client.post(
        "/billing/details",
        data={"po_number": "PO-NEW-9", "billing_contact": "Avery", "billing_email": "not-email"},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "<dt>PO number</dt><dd>PO-OLD-1</dd>" in html  # the contract as stored
    assert 'value="PO-NEW-9"' in html  # the form as typed, to correct
    assert contract_of(dept.id).po_number == "PO-OLD-1"


@pytest.fixture
def network(ctx, make, fake, clock):
    staff = make.staff("network_finance")
    small = make.department("Small PD", sworn=5)
    large = make.department("Large PD", sworn=60)
    idle = make.department("Idle PD", sworn=2)
    grow_roster(make, small, 5)
    grow_roster(make, large, 60)
    under_contract(fake, clock, small, actor=staff)
    under_contract(fake, clock, large, actor=staff)
    return staff, small, large, idle


def test_filters_ageing_and_revenue(network, fake, clock):
    staff, small, large, idle = network
    [paid] = invoices_of(large.id)
    contracts.record_payment(
        fake, paid.id, method="wire", reference="W1", today=clock.today(), actor=staff
    )
    today = clock.today() + timedelta(days=75)  # small's invoice is 45 days late
    everything = reports.contract_list(reports.ContractFilters(), today=today)
    assert [r.department for r in everything.rows] == ["Large PD", "Small PD"]
    overdue = reports.contract_list(reports.ContractFilters(overdue=True), today=today)
    assert [(r.department, r.outstanding, r.overdue) for r in overdue.rows] == [
        ("Small PD", "$1,500.00", True)
    ]
    assert reports.contract_list(reports.ContractFilters(renewal_soon=True), today=today).rows == []
    soon = add_years(START.date(), 1) - timedelta(days=80)
    renewing = reports.contract_list(reports.ContractFilters(renewal_soon=True), today=soon)
    assert {r.department for r in renewing.rows} == {"Small PD", "Large PD"}
    drafts = reports.contract_list(reports.ContractFilters(status="draft"), today=today)
    assert drafts.total == 0

    ageing = reports.ageing(today)
    assert [(b.label, b.count, b.cents) for b in ageing.buckets] == [
        ("Current", 0, 0),
        ("1-30 days", 0, 0),
        ("31-60 days", 1, 150_000),
        ("61-90 days", 0, 0),
        ("Over 90 days", 0, 0),
    ]
    revenue = reports.revenue_by_tier()
    assert [(r.label, r.contracts, r.annual_cents) for r in revenue] == [
        ("1-10 sworn officers", 1, 150_000),
        ("51-100 sworn officers", 1, 800_000),
    ]
    names = [d.name for d in reports.departments_without_contract()]
    assert "Idle PD" in names and "Small PD" not in names and "Large PD" not in names


def test_a_declined_card_payment_counts_as_overdue(ctx, make, fake, clock, client):
    staff = make.staff("network_finance")
    dept = make.department("Declined Card PD", sworn=2)
    grow_roster(make, dept, 2)
    under_contract(fake, clock, dept, actor=staff, pay_by="card", card="pm_card_chargeCustomerFail")
    today = clock.today()
    assert reports.contract_list(reports.ContractFilters(overdue=True), today=today).total == 0
    deliver(client, fake)  # invoice.payment_failed
    listed = reports.contract_list(reports.ContractFilters(overdue=True), today=today)
    assert [(r.department, r.overdue) for r in listed.rows] == [("Declined Card PD", True)]


@pytest.mark.parametrize("status", ["open", "paid", "void", "draft"])
@pytest.mark.parametrize("due", [None, -1, 0, 1])
@pytest.mark.parametrize("declined", [False, True])
def test_overdue_is_one_rule_in_python_and_in_sql(ctx, make, fake, clock, status, due, declined):
    """A department's billing page asks the invoice (Python), the network's overdue list asks
    the database (SQL): the same rule, so they never disagree."""
    dept = make.department("Rule PD", sworn=2)
    grow_roster(make, dept, 2)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    today = clock.today()
    with as_department(dept.id):
        invoice = db.session.scalars(select(Invoice)).one()
        invoice.status = status
        invoice.due_date = None if due is None else today + timedelta(days=due)
        invoice.payment_failed_on = today if declined else None
        db.session.flush()
        in_sql = db.session.scalar(select(Invoice.late(today)).where(Invoice.id == invoice.id))
    expected = status == "open" and (declined if due is None else due < 0)
    assert invoice.late(today) is expected
    assert bool(in_sql) is expected


def test_a_declined_pay_now_before_the_due_date_is_not_called_overdue(
    ctx, make, fake, clock, client
):
    """A PO invoice due in 30 days, a card tried and declined on day one: the department is
    told the card was declined, not that it is overdue, as the network's list says too."""
    dept = make.department("Early Card PD", sworn=3)
    grow_roster(make, dept, 3)
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff)  # pays by invoice, due in 30 days
    [invoice] = invoices_of(dept.id)
    with as_department(dept.id) as department:
        contracts.add_test_card(
            fake, department, payment_method="pm_card_chargeCustomerFail", actor=staff
        )
        with pytest.raises(CardDeclined):
            contracts.pay_invoice_now(
                fake, department, invoice.id, today=clock.today(), actor=staff
            )
    deliver(client, fake)
    today = clock.today()
    with as_department(dept.id) as department:
        lead = overview.department_billing(department, today=today, configured=True).lead
    assert (lead.heading, lead.tone) == (f"Card payment declined: invoice {invoice.number}", "warn")
    listed = reports.contract_list(reports.ContractFilters(overdue=True), today=today)
    assert listed.total == 0
    later = invoice.due_date + timedelta(days=1)
    with as_department(dept.id) as department:
        lead = overview.department_billing(department, today=later, configured=True).lead
    assert lead.heading == f"Overdue: invoice {invoice.number}"


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-5, 0), (0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4), (400, 4)],
)
def test_ageing_bucket_boundaries(days, bucket):
    assert reports.bucket_index(days) == bucket


def test_the_revenue_chart_is_inline_svg_scaled_to_the_largest_tier():
    chart = bar_chart("Revenue", [("A", 100, "$1"), ("B", 400, "$4"), ("C", 0, "$0")])
    widths = [b.width for b in chart.bars]
    assert widths[1] == max(widths) and widths[0] == round(widths[1] / 4) and widths[2] == 0
    assert chart.height > 3 * 40


def test_the_network_screen(network, client, login, fake):
    staff, small, large, idle = network
    login(staff)
    response = client.get("/billing/network/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Small PD" in html and "Large PD" in html
    assert "<svg" in html and 'class="chart-bar"' in html and "51-100 sworn officers" in html
    assert "Over 90 days" in html
    assert "http://www.w3.org/2000/svg" in html  # the only absolute URL: an XML namespace
    partial = client.get("/billing/network/?status=active", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert "<html" not in body and 'id="contracts-table"' in body and "Small PD" in body
    filtered = client.get("/billing/network/?status=ended").get_data(as_text=True)
    assert "No contracts match." in filtered


def test_the_contracts_filter_partial_computes_only_the_table(
    network, client, login, fake, monkeypatch
):
    staff, small, large, idle = network
    login(staff)

    def not_for_the_table(*args, **kwargs):
        raise AssertionError("the contracts partial computed the whole network screen")

    for name in ("network_billing", "ageing", "revenue_by_tier"):
        monkeypatch.setattr(reports, name, not_for_the_table)
    partial = client.get("/billing/network/?status=active&page=1", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200
    assert "<html" not in body and 'id="contracts-table"' in body
    assert "Small PD" in body and "Large PD" in body and "2 contracts" in body
    assert "HX-Request" in partial.headers["Vary"]


def test_csv_exports_are_complete_and_defused(network, client, login, fake, clock):
    staff, small, large, idle = network
    with as_department(small.id) as department:
        contracts.update_details(
            fake,
            department,
            po_number="=HYPERLINK(1)",
            billing_contact="+SUM(A1)",
            billing_email="small@pd.example",
            actor=staff,
        )
    login(staff)
    response = client.get("/billing/network/contracts.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["department"] for r in rows] == ["Large PD", "Small PD"]
    small_row = rows[1]
    assert small_row["annual_amount_usd"] == "1500.00" and small_row["status"] == "active"
    assert small_row["po_number"].startswith("'") and small_row["billing_contact"].startswith("'")
    assert small_row["commitment_end"] == add_years(START.date(), 3).isoformat()
    receivables = client.get("/billing/network/receivables.csv").get_data(as_text=True)
    ar = list(csv.DictReader(io.StringIO(receivables)))
    assert {r["department"] for r in ar} == {"Small PD", "Large PD"}
    assert all(r["bucket"] == "Current" and r["outstanding_usd"] for r in ar)
    assert response.headers["Cache-Control"] == "no-store"


def test_csv_exports_neutralise_formulas_behind_leading_whitespace(network, client, login):
    """A cell like " =HYPERLINK(...)" slips past defusedcsv alone; the billing exports
    neutralise it exactly as the roster exports do."""
    staff, small, large, idle = network
    with as_department(small.id):
        contract = db.session.scalars(select(Contract)).one()
        contract.po_number = ' =HYPERLINK("http://x.example")'
        contract.billing_contact = "\t=cmd"
        db.session.commit()
    login(staff)
    body = client.get("/billing/network/contracts.csv").get_data(as_text=True)
    [small_row] = [r for r in csv.DictReader(io.StringIO(body)) if r["department"] == "Small PD"]
    roster = export_csv(["po", "contact"], [[' =HYPERLINK("http://x.example")', "\t=cmd"]])
    [_, expected] = list(csv.reader(io.StringIO(roster, newline="")))
    assert [small_row["po_number"], small_row["billing_contact"]] == expected
    assert small_row["po_number"] == '\' =HYPERLINK("http://x.example")'
    assert not is_formula(small_row["po_number"]) and not is_formula(small_row["billing_contact"])


def test_network_finance_creates_and_starts_a_contract(network, client, login):
    staff, small, large, idle = network
    login(staff)
    form = client.get("/billing/network/contracts/new").get_data(as_text=True)
    assert "Idle PD" in form and "Small PD" not in form
    bad = client.post(
        "/billing/network/contracts/new",
        data={
            "department_id": str(idle.id),
            "pay_by": "invoice",
            "billing_contact": "",
            "billing_email": "x@idle.example",
        },
    )
    assert bad.status_code == 422
    response = client.post(
        "/billing/network/contracts/new",
        data={
            "department_id": str(idle.id),
            "pay_by": "invoice",
            "billing_contact": "Idle Treasurer",
            "billing_email": "treasurer@idle.example",
            "po_number": "",
        },
    )
    assert response.status_code == 303
    contract_id = contract_of(idle.id).id
    assert response.headers["Location"].endswith(f"/billing/network/contracts/{contract_id}")
    assert client.post(f"/billing/network/contracts/{contract_id}/start").status_code == 303
    assert contract_of(idle.id).status == "active"
    again = client.post(f"/billing/network/contracts/{contract_id}/start")
    assert again.status_code == 409 and "already started" in again.get_data(as_text=True)
    page = client.get(f"/billing/network/contracts/{contract_id}").get_data(as_text=True)
    assert "Record a payment received outside Stripe" in page
    [invoice] = invoices_of(idle.id)
    paid = client.post(
        f"/billing/network/contracts/{contract_id}/invoices/{invoice.id}/payment",
        data={"method": "check", "reference": "4411"},
    )
    assert paid.status_code == 303
    assert invoices_of(idle.id)[0].payment_note == "check 4411"
    [small_invoice] = invoices_of(small.id)
    wrong = client.post(
        f"/billing/network/contracts/{contract_id}/invoices/{small_invoice.id}/payment",
        data={"method": "check", "reference": "1"},
    )
    assert wrong.status_code == 404 and invoices_of(small.id)[0].status == "open"
    assert client.get("/billing/network/contracts/999999").status_code == 404


def test_network_finance_sees_who_recorded_an_exception(
    ctx, make, fake, clock, client, login, staff_client
):
    staff = make.staff("network_finance")
    dept = make.department("Pilot PD", sworn=6)
    grow_roster(make, dept, 6)
    contract_id = under_contract(fake, clock, dept, actor=staff)
    login(staff)
    page = client.get(f"/billing/network/contracts/{contract_id}").get_data(as_text=True)
    assert 'id="exception-recorded"' not in page

    recorded = client.post(
        f"/billing/network/contracts/{contract_id}/exception",
        data={"reason": "One-year pilot for a small agency"},
    )
    assert recorded.status_code == 303
    page = client.get(f"/billing/network/contracts/{contract_id}").get_data(as_text=True)
    assert (
        f'<p id="exception-recorded">Recorded on {day_words(clock.today())} by staff '
        f"{staff.id} &lt;{staff.email}&gt;. Reason: One-year pilot for a small agency</p>"
    ) in page
    # The department sees the exception and its date, not which staff member recorded it.
    login_other(staff_client, make.officer(dept, finance=True, sworn=False), make)
    html = staff_client.get("/billing/").get_data(as_text=True)
    assert "One-year pilot for a small agency" in html and staff.email not in html


def test_the_renewal_run_button(ctx, make, fake, clock, client, login):
    staff = make.staff("network_finance")
    dept = make.department("Renewing PD", sworn=8)
    grow_roster(make, dept, 8)
    contract_id = under_contract(fake, clock, dept, actor=staff)
    contracts.record_exception(
        contract_id, reason="One-year pilot term", today=clock.today(), actor=staff
    )
    grow_roster(make, dept, 12)
    advance(fake, clock, _at(add_years(START.date(), 1) - timedelta(days=20)))
    login(staff)
    response = client.post("/billing/network/renewals", data={"horizon_days": "30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 renewal priced." in html and "11-25 sworn officers" in html and "$3,000.00" in html
    assert contract_of(dept.id).status == "renewal_due"
    assert client.post("/billing/network/renewals", data={"horizon_days": "0"}).status_code == 422
    listed = client.get("/billing/network/?status=renewal_due").get_data(as_text=True)
    assert "Renewing PD" in listed


def test_billing_is_in_the_navigation_of_finance_roles(ctx, make, login, client, staff_client):
    login(make.staff("network_finance"))
    html = client.get("/billing/network/").get_data(as_text=True)
    assert '<a href="/billing/network/" aria-current="page">Billing</a>' in html
    dept = make.department("Nav PD")
    login_other(staff_client, make.officer(dept, finance=True), make)
    html = staff_client.get("/billing/").get_data(as_text=True)
    assert '<a href="/billing/" aria-current="page">Billing</a>' in html


def test_staff_client_fixture_signs_in_independently(ctx, make, staff_client, client, login):
    finance_dept = make.department("Twin PD")
    login(make.officer(finance_dept, finance=True))
    login_other(staff_client, make.staff("network_finance"), make)
    assert client.get("/billing/").status_code == 200
    assert staff_client.get("/billing/").status_code == 403


def test_a_contract_is_priced_from_the_declared_strength_when_the_roster_is_short(
    ctx, make, fake, clock, client, login
):
    from wnwa.billing import tiers

    dept = make.department("Declared PD", sworn=200)
    make.officer(dept, chief=True)  # the roster so far: its chief
    staff = make.staff("network_finance")
    contract_id = draft(dept.id, actor=staff)
    declared = tiers.price(200, clock.today())
    rostered = tiers.price(1, clock.today())
    assert declared.tier.key != rostered.tier.key
    login(staff)
    page = client.get(f"/billing/network/contracts/{contract_id}").get_data(as_text=True)
    assert 'id="pricing-difference"' in page
    assert "The roster has 1 sworn officers, 199 fewer than the 200 declared" in page
    assert f"the declared count is tier {declared.tier.label}" in page
    assert f"the roster&#39;s is tier {rostered.tier.label}" in page
    assert "Starting the contract prices it from 200 for the whole commitment" in page
    assert "Today: 200 sworn officers (declared)" in page

    assert client.post(f"/billing/network/contracts/{contract_id}/start").status_code == 303
    contract = contract_of(dept.id)
    assert (contract.sworn_at_pricing, contract.tier_key) == (200, declared.tier.key)
    assert contract.annual_cents == declared.annual_cents
    after = client.get(f"/billing/network/contracts/{contract_id}").get_data(as_text=True)
    assert 'id="pricing-difference"' not in after


def test_a_roster_larger_than_declared_prices_from_the_roster(ctx, make, fake, clock):
    dept = make.department("Grown PD", sworn=3)
    grow_roster(make, dept, 12)
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff)
    assert contract_of(dept.id).sworn_at_pricing == 12


def test_an_issued_invoice_has_a_number_po_dates_remit_to_lines_pdf_and_ledger_csv(
    app, ctx, make, fake, clock, client, login
):
    dept = make.department("Ledger PD", sworn=9)
    grow_roster(make, dept, 9)
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff, po="PO-2026-0042")
    [invoice] = invoices_of(dept.id)
    assert invoice.number  # numbered when issued (the processor's number, or the network's)
    saved = {k: app.config[k] for k in ("REMIT_TO", "NETWORK_TAX_ID")}
    app.config.update(
        REMIT_TO="WNWA Network\nPO Box 4410\nChicago, IL 60680", NETWORK_TAX_ID="36-1234567"
    )
    try:
        login(make.officer(dept, finance=True, sworn=False))
        html = client.get(f"/billing/invoices/{invoice.id}").get_data(as_text=True)
        assert "(not numbered yet)" not in html
        assert f"Invoice {invoice.number}" in html
        issued = invoice.issued_at.date()
        assert f"<dt>Issued</dt><dd>{day_words(issued)}</dd>" in html
        assert f"{day_words(issued + timedelta(days=30))} (net 30 days)" in html
        assert "<dt>PO number</dt><dd>PO-2026-0042</dd>" in html
        assert "WNWA Network, PO Box 4410, Chicago, IL 60680" in html
        assert "tax id 36-1234567" in html
        assert "Annual network membership, 1-10 sworn officers" in html and "$1,500.00" in html
        listed = client.get("/billing/").get_data(as_text=True)  # the list links the PDF too
        assert f'<a href="/billing/invoices/{invoice.id}/invoice.pdf">PDF</a>' in listed
        pdf = client.get(f"/billing/invoices/{invoice.id}/invoice.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.data.startswith(b"%PDF-")
        assert f"invoice-{invoice.number}.pdf" in pdf.headers["Content-Disposition"]
        from pypdf import PdfReader  # noqa: I001 - only where installed
    except ImportError:
        pass
    else:
        text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
        for fact in (invoice.number, "PO-2026-0042", "36-1234567", "PO Box 4410", "$1,500.00"):
            assert fact in text
    finally:
        app.config.update(saved)
    ledger = client.get("/billing/invoices.csv")
    assert ledger.status_code == 200 and ledger.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(ledger.get_data(as_text=True))))
    assert rows[0][:4] == ["invoice_number", "issued_on", "due_on", "po_number"]
    assert rows[1][0] == invoice.number and rows[1][3] == "PO-2026-0042"
    assert rows[1][5] == "$1,500.00"


def test_invoices_of_earlier_years_keep_the_tier_they_were_issued_at(
    ctx, make, fake, clock, client
):
    dept = make.department("Tier PD", sworn=8)
    grow_roster(make, dept, 8)
    staff = make.staff("network_finance")
    start = START.date()
    under_contract(fake, clock, dept, actor=staff)
    for year in (1, 2):
        advance(fake, clock, _at(add_years(start, year)))
        deliver(client, fake)
    grow_roster(make, dept, 60)  # re-tiered at the first renewal after the commitment
    advance(fake, clock, _at(add_years(start, 3) - timedelta(days=10)))
    renewals.run_renewals(fake, today=clock.today(), actor=staff)
    advance(fake, clock, _at(add_years(start, 3)))
    deliver(client, fake)
    with as_department(dept.id):
        docs = documents.department_documents(today=clock.today())
    lines = [d.lines[0].description for d in docs]
    assert len(lines) == 4
    assert all("1-10 sworn officers" in line for line in lines[:3]), lines
    assert "51-100 sworn officers" in lines[3], lines
    # Each year ends the day before the next begins: no day is billed twice on paper.
    for year, line in enumerate(lines):
        first, last = add_years(start, year), add_years(start, year + 1) - timedelta(days=1)
        assert line.endswith(f"{day_words(first)} to {day_words(last)}"), line


def test_a_draft_renewal_invoice_is_not_shown_until_it_is_issued(ctx, make, fake, clock, client):
    dept = make.department("Draft Inv PD", sworn=3)
    grow_roster(make, dept, 3)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    gw = fake.get_invoice(invoices_of(dept.id)[0].stripe_invoice_id)
    draft_renewal = replace(
        gw,
        id="in_draft_renewal",
        status="draft",
        number=None,
        period_start=gw.period_end,
        period_end=gw.period_end + timedelta(days=365),
        due_date=None,
    )
    with as_department(dept.id) as department:
        contract = db.session.scalars(select(Contract)).one()
        mirror.apply_invoice(contract, draft_renewal, today=clock.today())
        db.session.commit()
        billing = overview.department_billing(department, today=clock.today(), configured=True)
        ledger = documents.ledger_csv(documents.department_documents(today=clock.today()))
    assert [row.number for row in billing.current.invoices] == [gw.number]
    assert "issued when finalized" not in ledger and ledger.count("\n") == 2


def test_a_card_invoice_is_due_on_receipt_on_every_screen(ctx, make, fake, clock, client, login):
    dept = make.department("Receipt PD", sworn=3)
    grow_roster(make, dept, 3)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"), pay_by="card")
    [invoice] = invoices_of(dept.id)
    assert invoice.due_date is None
    login(make.officer(dept, finance=True, sworn=False))
    page = client.get(f"/billing/invoices/{invoice.id}").get_data(as_text=True)
    assert "<dt>Due</dt><dd>On receipt</dd>" in page and "(net 30 days)" not in page
    assert 'data-label="Due">on receipt</td>' in client.get("/billing/").get_data(as_text=True)
    ledger = list(csv.reader(io.StringIO(client.get("/billing/invoices.csv").get_data(True))))
    assert ledger[1][2] == ""


def test_an_invoice_issued_on_a_chicago_evening_carries_that_day_and_year(
    ctx, make, fake, clock, client, login
):
    """9:30 PM in Chicago on Dec 31 is already Jan 1 in UTC: the invoice still reads as issued
    on Dec 31, is numbered in that year, and is due 30 days after that day."""
    clock.moment = datetime(2027, 1, 1, 3, 30, tzinfo=UTC)
    dept = make.department("Evening PD", sworn=9)
    grow_roster(make, dept, 9)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    [invoice] = invoices_of(dept.id)
    unnumbered = Invoice(id=42, issued_at=invoice.issued_at)  # as when the processor gives none
    assert invoice_number(unnumbered) == "WNWA-2026-000042"
    login(make.officer(dept, finance=True, sworn=False))
    html = client.get(f"/billing/invoices/{invoice.id}").get_data(as_text=True)
    assert "<dt>Issued</dt><dd>Dec 31, 2026</dd>" in html
    ledger = list(csv.reader(io.StringIO(client.get("/billing/invoices.csv").get_data(True))))
    assert ledger[1][1] == "2026-12-31"


def test_the_screens_know_billing_is_configured_without_making_the_stripe_client(
    app, ctx, make, client, login
):
    """Reading the local mirror needs no Stripe client: building one loads the Stripe library
    into the worker, so the screens ask the configuration instead."""
    dept = make.department("Mirror PD")
    login(make.officer(dept, chief=True))
    app.config["STRIPE_SECRET_KEY"] = None
    response = client.get("/billing/")
    assert response.status_code == 200
    assert 'id="billing-not-configured"' in response.get_data(as_text=True)
    app.config["STRIPE_SECRET_KEY"] = "sk_test_not_used"
    try:
        response = client.get("/billing/")
        assert response.status_code == 200
        assert 'id="billing-not-configured"' not in response.get_data(as_text=True)
        assert "wnwa.billing.stripe" not in app.extensions
    finally:
        app.config["STRIPE_SECRET_KEY"] = None
        app.extensions.pop("wnwa.billing.stripe", None)


def test_an_issued_invoice_keeps_the_po_and_contact_it_was_issued_with(
    ctx, make, fake, clock, client, login
):
    dept = make.department("Kept PD", sworn=9)
    grow_roster(make, dept, 9)
    staff = make.staff("network_finance")
    under_contract(fake, clock, dept, actor=staff, po="PO-ISSUED-1")
    [invoice] = invoices_of(dept.id)
    with as_department(dept.id) as department:
        contracts.update_details(
            fake,
            department,
            po_number="PO-NEXT-2",
            billing_contact="Sam Ortiz",
            billing_email="ap@kept.example",
            actor=staff,
        )
    assert contract_of(dept.id).po_number == "PO-NEXT-2"  # the next invoice's details
    login(make.officer(dept, finance=True, sworn=False))
    html = client.get(f"/billing/invoices/{invoice.id}").get_data(as_text=True)
    assert "<dt>PO number</dt><dd>PO-ISSUED-1</dd>" in html
    assert "Pat Quinn (billing@dept.example)" in html
    assert "PO-NEXT-2" not in html and "Sam Ortiz" not in html
    ledger = client.get("/billing/invoices.csv").get_data(as_text=True)
    assert "PO-ISSUED-1" in ledger and "PO-NEXT-2" not in ledger
