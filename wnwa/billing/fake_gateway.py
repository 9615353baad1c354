"""An in-memory ``BillingGateway`` with an injectable clock, for tests and demos.

It follows what Stripe and localstripe do on the paths the app uses:

- Test payment methods: ``pm_card_visa`` charges fine; ``pm_card_visa_chargeDeclined`` is
  declined when attached (PaymentDeclined, code ``card_declined``);
  ``pm_card_chargeCustomerFail`` attaches but every charge fails.
- ``pay_by="card"``: each invoice is charged to the default card at once; a failed charge
  leaves the invoice ``open`` and the subscription ``incomplete`` (first invoice) or
  ``past_due`` (renewal). ``pay_by="invoice"``: invoices stay ``open``, due ``net_days``
  after the period start; the subscription is ``active``.
- ``run_renewals()`` (or ``advance_to(when)``) issues each next annual invoice once the clock
  reaches the period end, at the subscription's current plan amount, so a plan changed with
  ``change_plan_at_renewal`` bills from the next period. A subscription set to cancel at
  period end is ``canceled`` instead.
- The same idempotency key returns the same object; reused with other parameters it fails.
- State changes queue Stripe-shaped events (``id``, ``type``, ``data.object.{id,object}``);
  ``drain_webhooks()`` returns them signed like Stripe does, and ``parse_webhook`` verifies
  signatures against the fake clock.
- ``unavailable = True`` makes every call raise GatewayUnavailable.
- Card setup has a hosted page, as Stripe Checkout does: ``card_setup_url`` opens a session,
  ``complete_checkout(session_id, payment_method)`` plays the customer finishing it (it
  queues ``checkout.session.completed``), and ``complete_card_setup`` attaches that card.
  With ``hosted_card_page=False`` there is none, as on localstripe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import Enum

from wnwa.billing.gateway import (
    GatewayCustomer,
    GatewayError,
    GatewayInvoice,
    GatewaySubscription,
    GatewayUnavailable,
    PayBy,
    PaymentDeclined,
    WebhookEvent,
    event_from_payload,
    plan_id_for,
    sign_payload,
    verify_signature,
)
from wnwa.billing.terms import add_years

Clock = Callable[[], datetime]


class _Card(Enum):
    OK = "ok"
    CHARGE_FAILS = "charge_fails"
    DECLINED = "declined"


TEST_PAYMENT_METHODS: dict[str, _Card] = {
    "pm_card_visa": _Card.OK,
    "pm_card_chargeCustomerFail": _Card.CHARGE_FAILS,
    "pm_card_visa_chargeDeclined": _Card.DECLINED,
}


@dataclass(frozen=True)
class _Plan:
    annual_cents: int
    label: str


@dataclass
class _Subscription:
    id: str
    customer_id: str
    plan_id: str
    pay_by: PayBy
    net_days: int
    anchor: date
    period: int = 0
    status: str = "incomplete"
    cancel_at_period_end: bool = False

    @property
    def start(self) -> date:
        return add_years(self.anchor, self.period)

    @property
    def end(self) -> date:
        return add_years(self.anchor, self.period + 1)

    def snapshot(self) -> GatewaySubscription:
        return GatewaySubscription(
            id=self.id,
            customer_id=self.customer_id,
            status=self.status,
            current_period_start=self.start,
            current_period_end=self.end,
            cancel_at_period_end=self.cancel_at_period_end,
            plan_id=self.plan_id,
        )


class FakeGateway:
    def __init__(
        self,
        clock: Clock,
        *,
        webhook_secret: str = "whsec_fake",  # noqa: S107 - not a real secret
        hosted_card_page: bool = True,
    ) -> None:
        self._clock = clock
        self.hosted_card_page = hosted_card_page
        self.webhook_secret = webhook_secret
        self.unavailable = False
        self._plans: dict[str, _Plan] = {}
        self._customers: dict[str, GatewayCustomer] = {}
        self._cards: dict[str, str] = {}
        self._subscriptions: dict[str, _Subscription] = {}
        self._invoices: dict[str, GatewayInvoice] = {}
        self.customer_details: dict[str, dict[str, str]] = {}
        self._setup_sessions: dict[str, tuple[str, str | None]] = {}
        self._idempotency: dict[tuple[str, str], tuple[tuple[object, ...], str]] = {}
        self._pending_events: list[bytes] = []
        self._counter = 0

    def now(self) -> datetime:
        moment = self._clock()
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def today(self) -> date:
        return self.now().date()

    def advance_to(self, when: datetime) -> list[GatewayInvoice]:
        """Move the clock forward to ``when`` and run the renewals now due."""
        target = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        if target < self.now():
            raise ValueError(f"The clock cannot go back (from {self.now()} to {target}).")
        self._clock = lambda: target
        return self.run_renewals()

    def run_renewals(self) -> list[GatewayInvoice]:
        """Renew (or end) every subscription whose period has ended; the new invoices."""
        issued: list[GatewayInvoice] = []
        for sub in self._subscriptions.values():
            while sub.status != "canceled" and self.today() >= sub.end:
                if sub.cancel_at_period_end:
                    sub.status = "canceled"
                    self._emit("customer.subscription.deleted", "subscription", sub.id)
                    break
                sub.period += 1
                issued.append(self._issue_invoice(sub, renewal=True))
        return issued

    def drain_webhooks(self) -> list[tuple[bytes, str]]:
        """The queued events as (raw body, ``Stripe-Signature`` header), oldest first."""
        timestamp = int(self.now().timestamp())
        deliveries = [
            (payload, sign_payload(payload, self.webhook_secret, timestamp))
            for payload in self._pending_events
        ]
        self._pending_events.clear()
        return deliveries

    def ensure_plan(self, tier_key: str, annual_cents: int, label: str) -> str:
        self._check_available()
        plan_id = plan_id_for(tier_key, annual_cents)
        if plan_id not in self._plans:
            self._plans[plan_id] = _Plan(annual_cents, label)
            self._emit("plan.created", "plan", plan_id)
        return plan_id

    def create_customer(
        self, department_key: str, name: str, email: str, *, idempotency_key: str
    ) -> GatewayCustomer:
        self._check_available()
        params = (department_key, name, email)
        replayed = self._replay("customer", idempotency_key, params)
        if replayed is not None:
            return self._customers[replayed]
        customer = GatewayCustomer(id=self._new_id("cus"), email=email, name=name)
        self._customers[customer.id] = customer
        self._remember("customer", idempotency_key, params, customer.id)
        self._emit("customer.created", "customer", customer.id)
        return customer

    def attach_card(self, customer_id: str, payment_method: str) -> None:
        self._check_available()
        self._customer(customer_id)
        card = TEST_PAYMENT_METHODS.get(payment_method)
        if card is None:
            raise GatewayError(f"No such payment method: {payment_method}")
        if card is _Card.DECLINED:
            raise PaymentDeclined("Your card was declined.", code="card_declined")
        self._cards[customer_id] = payment_method
        self._emit("customer.updated", "customer", customer_id)

    def update_customer(self, customer_id: str, *, name: str, email: str, po_number: str) -> None:
        self._check_available()
        customer = self._customer(customer_id)
        self._customers[customer_id] = replace(customer, name=name, email=email)
        self.customer_details[customer_id] = {"po_number": po_number}
        self._emit("customer.updated", "customer", customer_id)

    def card_setup_url(self, customer_id: str, *, return_url: str) -> str | None:
        self._check_available()
        self._customer(customer_id)
        if not self.hosted_card_page:
            return None
        session_id = self._new_id("cs")
        self._setup_sessions[session_id] = (customer_id, None)
        return f"https://checkout.fake.invalid/setup/{session_id}"

    def complete_checkout(self, session_id: str, payment_method: str) -> None:
        """Test helper: the customer enters ``payment_method`` on the hosted page."""
        customer_id, _ = self._setup_session(session_id)
        self._setup_sessions[session_id] = (customer_id, payment_method)
        self._emit("checkout.session.completed", "checkout.session", session_id)

    def complete_card_setup(self, session_id: str) -> str:
        self._check_available()
        customer_id, payment_method = self._setup_session(session_id)
        if payment_method is None:
            raise GatewayError(f"Setup session {session_id} is not complete.")
        self.attach_card(customer_id, payment_method)
        return customer_id

    def create_subscription(
        self,
        customer_id: str,
        plan_id: str,
        *,
        pay_by: PayBy,
        net_days: int = 30,
        idempotency_key: str,
    ) -> GatewaySubscription:
        self._check_available()
        if pay_by not in ("card", "invoice"):
            raise ValueError(f"pay_by must be 'card' or 'invoice' (got {pay_by!r}).")
        if net_days < 0:
            raise ValueError(f"net_days cannot be negative (got {net_days}).")
        params = (customer_id, plan_id, pay_by, net_days)
        replayed = self._replay("subscription", idempotency_key, params)
        if replayed is not None:
            return self._subscriptions[replayed].snapshot()
        self._customer(customer_id)
        self._plan(plan_id)
        sub = _Subscription(
            id=self._new_id("sub"),
            customer_id=customer_id,
            plan_id=plan_id,
            pay_by=pay_by,
            net_days=net_days,
            anchor=self.today(),
        )
        self._subscriptions[sub.id] = sub
        self._remember("subscription", idempotency_key, params, sub.id)
        self._emit("customer.subscription.created", "subscription", sub.id)
        self._issue_invoice(sub, renewal=False)
        return sub.snapshot()

    def get_subscription(self, subscription_id: str) -> GatewaySubscription:
        self._check_available()
        return self._subscription(subscription_id).snapshot()

    def set_collection(
        self, subscription_id: str, *, pay_by: PayBy, net_days: int = 30
    ) -> GatewaySubscription:
        self._check_available()
        if pay_by not in ("card", "invoice"):
            raise ValueError(f"pay_by must be 'card' or 'invoice' (got {pay_by!r}).")
        sub = self._live_subscription(subscription_id)
        sub.pay_by, sub.net_days = pay_by, net_days
        self._emit("customer.subscription.updated", "subscription", sub.id)
        return sub.snapshot()

    def cancel_at_period_end(self, subscription_id: str) -> GatewaySubscription:
        self._check_available()
        sub = self._live_subscription(subscription_id)
        sub.cancel_at_period_end = True
        self._emit("customer.subscription.updated", "subscription", sub.id)
        return sub.snapshot()

    def change_plan_at_renewal(self, subscription_id: str, plan_id: str) -> GatewaySubscription:
        self._check_available()
        sub = self._live_subscription(subscription_id)
        self._plan(plan_id)
        sub.plan_id = plan_id
        self._emit("customer.subscription.updated", "subscription", sub.id)
        return sub.snapshot()

    def list_invoices(
        self, customer_id: str | None = None, since: datetime | None = None
    ) -> list[GatewayInvoice]:
        self._check_available()
        since_utc = None
        if since is not None:
            since_utc = since.replace(tzinfo=UTC) if since.tzinfo is None else since
        newest_first = sorted(
            reversed(list(self._invoices.values())), key=lambda i: i.created, reverse=True
        )
        return [
            invoice
            for invoice in newest_first
            if (customer_id is None or invoice.customer_id == customer_id)
            and (since_utc is None or invoice.created >= since_utc)
        ]

    def get_invoice(self, invoice_id: str) -> GatewayInvoice:
        self._check_available()
        return self._invoice(invoice_id)

    def pay_invoice_out_of_band(self, invoice_id: str) -> GatewayInvoice:
        self._check_available()
        invoice = self._invoice(invoice_id)
        if invoice.status not in ("draft", "open"):
            raise GatewayError(f"Invoice {invoice_id} is {invoice.status}: it cannot be paid.")
        return self._mark_paid(invoice)

    def pay_invoice_by_card(self, invoice_id: str) -> GatewayInvoice:
        self._check_available()
        invoice = self._invoice(invoice_id)
        if invoice.status not in ("draft", "open"):
            raise GatewayError(f"Invoice {invoice_id} is {invoice.status}: it cannot be paid.")
        if invoice.customer_id not in self._cards:
            raise GatewayError("This customer has no payment method.")
        if not self._charge(invoice.customer_id):
            self._emit("invoice.payment_failed", "invoice", invoice.id)
            raise PaymentDeclined("Your card was declined.", code="card_declined")
        paid = self._mark_paid(invoice)
        self._emit("invoice.payment_succeeded", "invoice", paid.id)
        return paid

    def parse_webhook(self, payload: bytes, sig_header: str) -> WebhookEvent:
        verify_signature(payload, sig_header, self.webhook_secret, now=self.now().timestamp())
        return event_from_payload(payload)

    def _issue_invoice(self, sub: _Subscription, *, renewal: bool) -> GatewayInvoice:
        invoice = GatewayInvoice(
            id=self._new_id("in"),
            customer_id=sub.customer_id,
            subscription_id=sub.id,
            number=f"FAKE-{len(self._invoices) + 1:04d}",
            status="open",
            amount_due_cents=self._plan(sub.plan_id).annual_cents,
            amount_paid_cents=0,
            currency="usd",
            period_start=sub.start,
            period_end=sub.end,
            due_date=sub.start + timedelta(days=sub.net_days) if sub.pay_by == "invoice" else None,
            hosted_url=None,
            pdf_url=None,
            created=self.now(),
        )
        self._invoices[invoice.id] = invoice
        self._emit("invoice.created", "invoice", invoice.id)
        self._emit("invoice.finalized", "invoice", invoice.id)
        if sub.pay_by == "invoice":
            sub.status = "active"
        elif self._charge(sub.customer_id):
            invoice = self._mark_paid(invoice)
            self._emit("invoice.payment_succeeded", "invoice", invoice.id)
        else:
            sub.status = "past_due" if renewal else "incomplete"
            self._emit("invoice.payment_failed", "invoice", invoice.id)
        return invoice

    def _charge(self, customer_id: str) -> bool:
        card = self._cards.get(customer_id)
        return card is not None and TEST_PAYMENT_METHODS[card] is _Card.OK

    def _mark_paid(self, invoice: GatewayInvoice) -> GatewayInvoice:
        paid = replace(invoice, status="paid", amount_paid_cents=invoice.amount_due_cents)
        self._invoices[paid.id] = paid
        self._emit("invoice.paid", "invoice", paid.id)
        sub = self._subscriptions.get(paid.subscription_id or "")
        if sub is not None and sub.status in ("incomplete", "past_due"):
            sub.status = "active"
            self._emit("customer.subscription.updated", "subscription", sub.id)
        return paid

    def _emit(self, event_type: str, object_type: str, object_id: str) -> None:
        event = {
            "id": self._new_id("evt"),
            "object": "event",
            "type": event_type,
            "created": int(self.now().timestamp()),
            "livemode": False,
            "data": {"object": {"id": object_id, "object": object_type}},
        }
        self._pending_events.append(json.dumps(event).encode())

    def _new_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}_fake{self._counter:06d}"

    def _replay(self, scope: str, key: str, params: tuple[object, ...]) -> str | None:
        seen = self._idempotency.get((scope, key))
        if seen is None:
            return None
        if seen[0] != params:
            raise GatewayError(f"Idempotency key {key!r} was already used with other parameters.")
        return seen[1]

    def _remember(self, scope: str, key: str, params: tuple[object, ...], object_id: str) -> None:
        self._idempotency[(scope, key)] = (params, object_id)

    def _check_available(self) -> None:
        if self.unavailable:
            raise GatewayUnavailable("The fake gateway is set to be unavailable.")

    def _customer(self, customer_id: str) -> GatewayCustomer:
        try:
            return self._customers[customer_id]
        except KeyError:
            raise GatewayError(f"No such customer: {customer_id}") from None

    def _plan(self, plan_id: str) -> _Plan:
        try:
            return self._plans[plan_id]
        except KeyError:
            raise GatewayError(f"No such plan: {plan_id}") from None

    def _subscription(self, subscription_id: str) -> _Subscription:
        try:
            return self._subscriptions[subscription_id]
        except KeyError:
            raise GatewayError(f"No such subscription: {subscription_id}") from None

    def _live_subscription(self, subscription_id: str) -> _Subscription:
        sub = self._subscription(subscription_id)
        if sub.status == "canceled":
            raise GatewayError(f"Subscription {subscription_id} is canceled.")
        return sub

    def _setup_session(self, session_id: str) -> tuple[str, str | None]:
        try:
            return self._setup_sessions[session_id]
        except KeyError:
            raise GatewayError(f"No such setup session: {session_id}") from None

    def _invoice(self, invoice_id: str) -> GatewayInvoice:
        try:
            return self._invoices[invoice_id]
        except KeyError:
            raise GatewayError(f"No such invoice: {invoice_id}") from None
