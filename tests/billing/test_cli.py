"""`flask billing ...` commands: renewals, overdue notices, tiers, and the development set-up
against a real localstripe."""

import pytest

from tests.billing.conftest import contract_of, grow_roster, invoices_of, under_contract
from wnwa.billing.runtime import _STRIPE_KEY
from wnwa.us_states import network_day


def test_tiers_command_prints_the_table_in_force(ctx, app):
    result = app.test_cli_runner().invoke(args=["billing", "tiers"])
    assert result.exit_code == 0
    assert "1-10 sworn officers" in result.output and "60,000.00 USD a year" in result.output


def test_commands_refuse_to_run_without_billing_configured(ctx, app):
    for command in (["billing", "reconcile"], ["billing", "renewals"]):
        result = app.test_cli_runner().invoke(args=command)
        assert result.exit_code != 0
        assert "Billing is not configured" in result.output


def test_renewals_and_overdue_commands(ctx, make, fake, clock, app):
    dept = make.department("Cli PD", sworn=3)
    grow_roster(make, dept, 3)
    under_contract(fake, clock, dept, actor=make.staff("network_finance"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["billing", "renewals", "--days", "400"])
    assert result.exit_code == 0, result.output
    assert "0 renewals priced." in result.output  # inside the commitment (real today)
    result = runner.invoke(args=["billing", "notify-overdue"])
    assert result.exit_code == 0
    assert invoices_of(dept.id)[0].overdue_notified_on == network_day()
    assert "Overdue notices queued: 1." in result.output


@pytest.fixture
def dev_stripe(app, localstripe_url):
    saved = {k: app.config.get(k) for k in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE")}
    app.config.update(STRIPE_SECRET_KEY="sk_test_setup_dev", STRIPE_API_BASE=localstripe_url)
    app.extensions.pop(_STRIPE_KEY, None)
    try:
        yield localstripe_url
    finally:
        app.config.update(saved)
        app.extensions.pop(_STRIPE_KEY, None)


def test_setup_dev_registers_the_webhook_and_puts_demo_departments_under_contract(
    ctx, make, app, dev_stripe
):
    aurora = make.department("Aurora Police Department", sworn=12)
    naperville = make.department("Naperville Police Department", sworn=3)
    grow_roster(make, aurora, 12)
    grow_roster(make, naperville, 3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["billing", "setup-dev", "--webhook-url", "http://127.0.0.1:9/x"])
    assert result.exit_code == 0, result.output
    assert f"localstripe at {dev_stripe} delivers webhooks" in result.output
    assert "Aurora Police Department, Naperville Police Department" in result.output
    assert contract_of(aurora.id).tier_label == "11-25 sworn officers"
    assert [i.status for i in invoices_of(aurora.id)] == ["open"]
    assert contract_of(naperville.id).pay_by == "card"
    assert [i.status for i in invoices_of(naperville.id)] == ["paid"]
    again = runner.invoke(args=["billing", "setup-dev", "--webhook-url", "http://127.0.0.1:9/x"])
    assert again.exit_code == 0 and "nothing to do" in again.output


def test_setup_dev_refuses_real_stripe(ctx, app):
    saved = {k: app.config.get(k) for k in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE")}
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="https://api.stripe.com")
    try:
        result = app.test_cli_runner().invoke(args=["billing", "setup-dev"])
    finally:
        app.config.update(saved)
        app.extensions.pop(_STRIPE_KEY, None)
    assert result.exit_code != 0 and "localstripe" in result.output


def test_the_app_builds_a_stripe_gateway_from_its_configuration(app, dev_stripe):
    from wnwa.billing.runtime import get_gateway
    from wnwa.billing.stripe_gateway import StripeGateway

    gateway = get_gateway(app)
    assert isinstance(gateway, StripeGateway) and gateway.emulated
    assert get_gateway(app) is gateway
