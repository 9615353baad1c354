"""The billing gateway seam: what the app asks of the payment processor.

The app talks to ``BillingGateway`` and the plain frozen dataclasses below; it never sees a
``stripe`` object. ``StripeGateway`` (stripe_gateway.py, the only module importing ``stripe``)
implements it against Stripe or localstripe; ``FakeGateway`` (fake_gateway.py) in memory with
an injectable clock. Both sign webhooks with Stripe's scheme, implemented here without Stripe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol, runtime_checkable

PayBy = Literal["card", "invoice"]
InvoiceStatus = Literal["draft", "open", "paid", "void", "uncollectible"]

WEBHOOK_TOLERANCE_SECONDS = 300
_TIER_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


class GatewayError(Exception):
    """The processor refused or failed a request (bad id, invalid state, configuration)."""


class GatewayUnavailable(GatewayError):
    """The processor could not be reached, timed out or failed on its side; retry later."""


class PaymentDeclined(GatewayError):
    """A card was declined."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class InvalidWebhook(GatewayError):
    """A webhook's signature is missing, wrong or too old, or its body is not an event."""


@dataclass(frozen=True)
class GatewayCustomer:
    id: str
    email: str | None
    name: str | None


@dataclass(frozen=True)
class GatewaySubscription:
    id: str
    customer_id: str
    status: str
    current_period_start: date
    current_period_end: date
    cancel_at_period_end: bool
    plan_id: str


@dataclass(frozen=True)
class GatewayInvoice:
    id: str
    customer_id: str
    subscription_id: str | None
    number: str | None
    status: InvoiceStatus
    amount_due_cents: int
    amount_paid_cents: int
    currency: str
    period_start: date
    period_end: date
    due_date: date | None
    hosted_url: str | None
    pdf_url: str | None
    created: datetime


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    object_id: str
    object_type: str


@runtime_checkable
class BillingGateway(Protocol):
    def ensure_plan(self, tier_key: str, annual_cents: int, label: str) -> str:
        """Create the yearly USD plan for this tier and amount unless it exists; its id."""
        ...

    def create_customer(
        self, department_key: str, name: str, email: str, *, idempotency_key: str
    ) -> GatewayCustomer: ...

    def attach_card(self, customer_id: str, payment_method: str) -> None:
        """Attach a payment method and make it the customer's default; PaymentDeclined."""
        ...

    def create_subscription(
        self,
        customer_id: str,
        plan_id: str,
        *,
        pay_by: PayBy,
        net_days: int = 30,
        idempotency_key: str,
    ) -> GatewaySubscription:
        """Start a yearly subscription; its first invoice covers the first year.

        ``card``: the default card is charged now (a decline leaves the invoice ``open`` and
        the subscription ``incomplete``). ``invoice``: the invoice is due ``net_days`` after
        the period start and is paid against a PO, usually out of band.
        """
        ...

    def update_customer(self, customer_id: str, *, name: str, email: str, po_number: str) -> None:
        """Billing contact and PO number (shown on later invoices where the processor can)."""
        ...

    def card_setup_url(self, customer_id: str, *, return_url: str) -> str | None:
        """A hosted page where the customer enters a card (None: no hosted page; then the
        app attaches a test payment method directly). Completion arrives as a webhook
        ``checkout.session.completed``, applied with ``complete_card_setup``."""
        ...

    def complete_card_setup(self, session_id: str) -> str:
        """Make the card entered in a completed setup session the customer's default;
        returns the customer id."""
        ...

    def get_subscription(self, subscription_id: str) -> GatewaySubscription: ...

    def set_collection(
        self, subscription_id: str, *, pay_by: PayBy, net_days: int = 30
    ) -> GatewaySubscription:
        """Collect the next invoices by card or by invoice (PO, ``net_days`` terms)."""
        ...

    def cancel_at_period_end(self, subscription_id: str) -> GatewaySubscription: ...

    def change_plan_at_renewal(self, subscription_id: str, plan_id: str) -> GatewaySubscription:
        """Bill the next renewal (and later ones) on ``plan_id``; no proration now."""
        ...

    def list_invoices(
        self, customer_id: str | None = None, since: datetime | None = None
    ) -> list[GatewayInvoice]:
        """Invoices (of one customer, created at or after ``since``), newest first."""
        ...

    def get_invoice(self, invoice_id: str) -> GatewayInvoice: ...

    def pay_invoice_out_of_band(self, invoice_id: str) -> GatewayInvoice: ...

    def pay_invoice_by_card(self, invoice_id: str) -> GatewayInvoice:
        """Charge an open invoice to the customer's default card now; PaymentDeclined."""
        ...

    def parse_webhook(self, payload: bytes, sig_header: str) -> WebhookEvent:
        """Verify a webhook on its raw body; InvalidWebhook if forged, tampered or stale."""
        ...


def plan_id_for(tier_key: str, annual_cents: int) -> str:
    """Plans are immutable, so the id names the amount: a new price is a new plan."""
    if not _TIER_KEY.match(tier_key):
        raise ValueError(f"Invalid tier key {tier_key!r}: use 1-40 letters, digits, - or _.")
    if annual_cents <= 0:
        raise ValueError(f"The annual amount must be positive (got {annual_cents} cents).")
    return f"wnwa_{tier_key}_{annual_cents}_usd_yearly"


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header value (``t=...,v1=...``) for ``payload``."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), b"%d." % t + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify_signature(
    payload: bytes,
    sig_header: str,
    secret: str,
    *,
    now: float,
    tolerance: int = WEBHOOK_TOLERANCE_SECONDS,
) -> None:
    """Check a ``Stripe-Signature`` header as Stripe's libraries do; raise InvalidWebhook."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in (sig_header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdecimal():
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidWebhook("The webhook signature header is missing or malformed.")
    expected = sign_payload(payload, secret, timestamp).partition(",v1=")[2]
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise InvalidWebhook("The webhook signature does not match its body.")
    if timestamp < now - tolerance:
        raise InvalidWebhook("The webhook signature is too old.")


def event_from_payload(payload: bytes) -> WebhookEvent:
    """The event named by a (verified) Stripe event body."""
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise InvalidWebhook("The webhook body is not a Stripe event.") from exc
    return event_from_data(data)


def event_from_data(data: Any) -> WebhookEvent:
    """The event named by a (verified) Stripe event, as a dict: its ids and types are text of
    a sane length, or it is not a Stripe event (an answer of 400, never an error later)."""
    try:
        obj = data["data"]["object"]
        fields = (data["id"], data["type"], obj["id"], obj["object"])
    except (KeyError, TypeError, IndexError) as exc:
        raise InvalidWebhook("The webhook body is not a Stripe event.") from exc
    if not all(isinstance(f, str) and 0 < len(f) <= 255 for f in fields):
        raise InvalidWebhook("The webhook body is not a Stripe event.")
    return WebhookEvent(*fields)
