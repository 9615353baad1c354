"""Stripe webhooks: verify, apply once, re-fetch, answer quickly.

1. The signature is checked on the raw body (InvalidWebhook -> 400, nothing changed).
2. The event id is recorded in ``billing_stripe_event`` (unique) in the same transaction as
   its effects, so a redelivered event is applied once; two concurrent deliveries of the same
   event collide on the unique key and the loser changes nothing.
3. The object is re-fetched from Stripe before saving: events arrive in any order, and the
   current state is what counts (payloads are never trusted beyond their ids, never logged).
4. If Stripe cannot be reached for the re-fetch, nothing is recorded and the answer is 503,
   so Stripe delivers the event again later.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from wnwa.billing import health, notify
from wnwa.billing.gateway import (
    BillingGateway,
    GatewayError,
    GatewayUnavailable,
    WebhookEvent,
)
from wnwa.billing.mirror import (
    apply_invoice,
    apply_subscription,
    contract_ref_for_subscription,
    contract_refs_for_customer,
    load_contract,
)
from wnwa.billing.models import OPEN_CONTRACT_STATUSES, StripeEvent
from wnwa.extensions import db, utcnow
from wnwa.tenants.scoping import acting_for

log = logging.getLogger(__name__)
BUSY_ATTEMPTS = 3


@dataclass(frozen=True)
class WebhookOutcome:
    status: int
    result: str


def handle_webhook(
    gateway: BillingGateway, payload: bytes, sig_header: str, *, today: date
) -> WebhookOutcome:
    """Apply one delivery; raises InvalidWebhook for a bad or stale signature."""
    event = gateway.parse_webhook(payload, sig_header)
    for attempt in range(BUSY_ATTEMPTS):
        time.sleep(0.2 * attempt)
        try:
            return _handle(gateway, event, today=today)
        except OperationalError:
            # A concurrent writer held the database (SQLite has one writer): start over.
            db.session.rollback()
    log.warning("database busy while applying a %s event (redelivered later)", event.type)
    return WebhookOutcome(503, "retry")


def _handle(gateway: BillingGateway, event: WebhookEvent, *, today: date) -> WebhookOutcome:
    seen = db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event.id))
    if seen is not None:
        return WebhookOutcome(200, "duplicate")
    now = utcnow()
    try:
        result = _apply(gateway, event, today=today, now=now)
        db.session.add(StripeEvent(event_id=event.id, event_type=event.type[:100]))
        health.mark_success(now)
        db.session.commit()
    except GatewayUnavailable:
        db.session.rollback()
        health.mark_failure(f"webhook {event.type}: Stripe unavailable")
        db.session.commit()
        log.warning("stripe unavailable while applying a %s event (redelivered later)", event.type)
        return WebhookOutcome(503, "retry")
    except IntegrityError:
        # A concurrent delivery of the same event won, or a concurrent sync inserted the same
        # invoice first: the first case is done, the second is retried by Stripe.
        db.session.rollback()
        if db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event.id)):
            return WebhookOutcome(200, "duplicate")
        return WebhookOutcome(503, "retry")
    return WebhookOutcome(200, result)


def _apply(gateway: BillingGateway, event: WebhookEvent, *, today: date, now: datetime) -> str:
    try:
        if event.object_type == "invoice":
            return _invoice_event(gateway, event, today=today, now=now)
        if event.object_type == "subscription":
            return _subscription_event(gateway, event.object_id, today=today, now=now)
        if event.object_type == "checkout.session" and event.type == "checkout.session.completed":
            return _card_setup_event(gateway, event.object_id)
    except GatewayUnavailable:
        raise
    except GatewayError:
        # The object cannot be fetched (deleted, or not ours): nothing to apply, ever.
        log.warning("a %s event names an object Stripe does not return", event.type)
        return "unknown object"
    return "ignored"


def _invoice_event(
    gateway: BillingGateway, event: WebhookEvent, *, today: date, now: datetime
) -> str:
    invoice = gateway.get_invoice(event.object_id)
    ref = contract_ref_for_subscription(invoice.subscription_id or "")
    if ref is None:
        return "not ours"
    subscription = gateway.get_subscription(invoice.subscription_id or "")
    with acting_for(ref.department_id):
        contract = load_contract(ref.contract_id)
        apply_subscription(contract, subscription, today=today, now=now)
        row = apply_invoice(contract, invoice, today=today, now=now)
        if event.type == "invoice.payment_failed" and row.status == "open":
            row.payment_failed_on = today
            notify.payment_failed(contract, row)
    return "invoice"


def _subscription_event(
    gateway: BillingGateway, subscription_id: str, *, today: date, now: datetime
) -> str:
    subscription = gateway.get_subscription(subscription_id)
    ref = contract_ref_for_subscription(subscription.id)
    if ref is None:
        return "not ours"
    with acting_for(ref.department_id):
        apply_subscription(load_contract(ref.contract_id), subscription, today=today, now=now)
    return "subscription"


def _card_setup_event(gateway: BillingGateway, session_id: str) -> str:
    customer_id = gateway.complete_card_setup(session_id)
    refs = contract_refs_for_customer(customer_id)
    for ref in refs:
        with acting_for(ref.department_id):
            contract = load_contract(ref.contract_id)
            if contract.status in OPEN_CONTRACT_STATUSES:
                contract.card_on_file = True
    return "card" if refs else "not ours"
