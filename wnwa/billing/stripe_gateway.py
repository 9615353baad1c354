"""``BillingGateway`` on Stripe: the only module of the project that imports ``stripe``.

Membership fees are legacy yearly Plans (USD) under one product, ``wnwa_membership``; a
subscription has one item ``{"plan": ...}``. Real Stripe still accepts plan ids as prices,
and localstripe implements Plans but not the Prices API.

Stripe objects are read only in the private ``_to_*`` mappers, which accept both shapes:
old (``current_period_*`` on the subscription, ``invoice.subscription``; localstripe) and new
(periods on the subscription items, ``invoice.parent.subscription_details``; Stripe API
2025-03-31 and later).

Errors: connection failures, timeouts, rate limits and 5xx answers raise GatewayUnavailable;
card errors raise PaymentDeclined; any other Stripe error raises GatewayError.

localstripe (any ``api_base`` other than Stripe's own) lacks some features; the gateway
hides each gap as follows:

- Idempotency keys are sent only to real Stripe (localstripe ignores them).
- ``max_network_retries`` defaults to 0 on localstripe and 2 on Stripe.
- ``pay_by="invoice"``: Stripe gets ``collection_method="send_invoice"`` and
  ``days_until_due``. localstripe rejects both, so the subscription is created with
  ``charge_automatically``. A customer with a default card is then charged at once. For one
  without a card, localstripe stores the subscription and finalizes its first invoice, then
  answers 404 "This customer has no payment method"; the gateway finds that subscription
  (status ``incomplete``, reported as ``active`` like a send_invoice subscription on Stripe)
  and leaves its invoice ``open``. The due date (period start + ``net_days``) is computed
  here and kept in the invoice's metadata (``wnwa_due_date``).
- ``pay_invoice_out_of_band``: localstripe has no ``paid_out_of_band``; the invoice gets the
  metadata ``wnwa_paid_out_of_band=true`` and is reported ``paid`` with ``amount_paid`` equal to
  ``amount_due``.
- ``change_plan_at_renewal``: Stripe gets ``proration_behavior="none"``; localstripe fails on
  that parameter and instead adds "Unused time" proration credits to the customer's pending
  invoice items, which the gateway deletes.
- ``list_invoices(since=...)``: localstripe fails on ``created`` filters; the gateway filters
  by creation time itself (for Stripe too, after asking it to filter).
- Idempotency beyond Stripe's keys: a subscription carries its idempotency key in its
  metadata (``wnwa_idempotency_key``), and ``create_subscription`` first looks for one of the
  customer's subscriptions with that key, so a retry after Stripe's 24-hour key expiry (or on
  localstripe, which ignores keys) never starts a second subscription. Customers are found
  the same way on localstripe.
- ``update_customer``: Stripe also gets the PO number as an invoice custom field; localstripe
  would overwrite the whole ``invoice_settings`` (dropping the default card), so it gets the
  metadata only.
- ``set_collection``: Stripe switches ``collection_method`` (and the metadata); localstripe
  accepts the update but keeps neither, and charges a default card automatically. The
  contract's ``pay_by`` stays the app's record of the choice.
- ``card_setup_url``: Stripe gets a Checkout session in setup mode (a hosted page on Stripe's
  origin); localstripe has no Checkout, so the answer is None and the app attaches a test
  payment method directly. ``complete_card_setup`` therefore runs on Stripe only (the fake
  gateway covers the app's side of it).
- ``pay_invoice_by_card``: Stripe raises a card error on a decline; localstripe leaves the
  invoice open, which the gateway reports as PaymentDeclined.
- Duplicate plan or product ids: Stripe answers 400 ``resource_already_exists``, localstripe
  409; both mean "already there" to ``ensure_plan``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import stripe

from wnwa.billing.gateway import (
    WEBHOOK_TOLERANCE_SECONDS,
    GatewayCustomer,
    GatewayError,
    GatewayInvoice,
    GatewaySubscription,
    GatewayUnavailable,
    InvalidWebhook,
    InvoiceStatus,
    PayBy,
    PaymentDeclined,
    WebhookEvent,
    event_from_data,
    plan_id_for,
)
from wnwa.billing.gateway import sign_payload as sign_payload
from wnwa.us_states import network_day

PRODUCT_ID = "wnwa_membership"
PRODUCT_NAME = "WeNeverWalkAlone membership"
STRIPE_API_HOST = "api.stripe.com"
_PAID_OUT_OF_BAND = "wnwa_paid_out_of_band"
_DUE_DATE = "wnwa_due_date"
_PAY_BY = "wnwa_pay_by"
_IDEMPOTENCY = "wnwa_idempotency_key"
_PO_NUMBER = "po_number"
_NO_PAYMENT_METHOD = "no payment method"

Obj = Mapping[str, Any]


def is_emulator(api_base: str | None) -> bool:
    return api_base is not None and urlsplit(api_base).hostname != STRIPE_API_HOST


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        *,
        timeout: float = 20.0,
        max_network_retries: int | None = None,
    ) -> None:
        self._emulated = is_emulator(api_base)
        self._webhook_secret = webhook_secret
        retries = max_network_retries
        if retries is None:
            retries = 0 if self._emulated else 2
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=retries,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    @property
    def emulated(self) -> bool:
        return self._emulated

    def ensure_plan(self, tier_key: str, annual_cents: int, label: str) -> str:
        plan_id = plan_id_for(tier_key, annual_cents)
        with _translated(f"ensure plan {plan_id}"):
            if self._exists(lambda: self._client.v1.plans.retrieve(plan_id)):
                return plan_id
            self._ensure_product()
            with _already_exists_ok():
                self._client.v1.plans.create(
                    {
                        "id": plan_id,
                        "product": PRODUCT_ID,
                        "amount": annual_cents,
                        "currency": "usd",
                        "interval": "year",
                        "nickname": label,
                        "metadata": {"tier_key": tier_key},
                    }
                )
        return plan_id

    def create_customer(
        self, department_key: str, name: str, email: str, *, idempotency_key: str
    ) -> GatewayCustomer:
        metadata = {"department_key": department_key, _IDEMPOTENCY: idempotency_key}
        with _translated("create customer"):
            if self._emulated:
                listed = self._client.v1.customers.list({"email": email, "limit": 100})
                for existing in listed.auto_paging_iter():
                    data = existing.to_dict()
                    if (data.get("metadata") or {}).get(_IDEMPOTENCY) == idempotency_key:
                        return _to_customer(data)
            customer = self._client.v1.customers.create(
                {"name": name, "email": email, "metadata": metadata},
                self._options(idempotency_key),
            )
        return _to_customer(customer.to_dict())

    def update_customer(self, customer_id: str, *, name: str, email: str, po_number: str) -> None:
        params: dict[str, Any] = {
            "name": name,
            "email": email,
            "metadata": {_PO_NUMBER: po_number},
        }
        if not self._emulated:
            fields = [{"name": "PO number", "value": po_number}] if po_number else ""
            params["invoice_settings"] = {"custom_fields": fields}
        with _translated(f"update customer {customer_id}"):
            self._client.v1.customers.update(customer_id, cast(Any, params))

    def card_setup_url(self, customer_id: str, *, return_url: str) -> str | None:
        if self._emulated:
            return None
        with _translated(f"start card setup for {customer_id}"):
            session = self._client.v1.checkout.sessions.create(
                {
                    "mode": "setup",
                    "customer": customer_id,
                    "currency": "usd",
                    "payment_method_types": ["card"],
                    "success_url": return_url,
                    "cancel_url": return_url,
                }
            )
        return str(session.url)

    def complete_card_setup(self, session_id: str) -> str:
        with _translated(f"complete card setup {session_id}"):
            session = self._client.v1.checkout.sessions.retrieve(
                session_id, {"expand": ["setup_intent"]}
            ).to_dict()
            if session.get("status") != "complete" or not session.get("setup_intent"):
                raise GatewayError(f"Setup session {session_id} is not complete.")
            customer_id = _id(session["customer"])
            payment_method = _id(session["setup_intent"]["payment_method"])
            self._client.v1.customers.update(
                customer_id, {"invoice_settings": {"default_payment_method": payment_method}}
            )
        return customer_id

    def attach_card(self, customer_id: str, payment_method: str) -> None:
        with _translated(f"attach card to {customer_id}"):
            attached = self._client.v1.payment_methods.attach(
                payment_method, {"customer": customer_id}
            )
            self._client.v1.customers.update(
                customer_id, {"invoice_settings": {"default_payment_method": attached.id}}
            )

    def create_subscription(
        self,
        customer_id: str,
        plan_id: str,
        *,
        pay_by: PayBy,
        net_days: int = 30,
        idempotency_key: str,
    ) -> GatewaySubscription:
        if pay_by not in ("card", "invoice"):
            raise ValueError(f"pay_by must be 'card' or 'invoice' (got {pay_by!r}).")
        params: dict[str, Any] = {
            "customer": customer_id,
            "items": [{"plan": plan_id}],
            "metadata": {
                _PAY_BY: pay_by,
                "wnwa_net_days": str(net_days),
                _IDEMPOTENCY: idempotency_key,
            },
        }
        if pay_by == "invoice" and not self._emulated:
            params |= {"collection_method": "send_invoice", "days_until_due": net_days}
        with _translated(f"subscribe {customer_id} to {plan_id}"):
            existing = self._subscription_with_key(customer_id, idempotency_key)
            if existing is not None:
                return _to_subscription(existing, self._emulated)
            try:
                sub = self._client.v1.subscriptions.create(
                    cast(Any, params), self._options(idempotency_key)
                ).to_dict()
            except stripe.InvalidRequestError as exc:
                if not (self._emulated and pay_by == "invoice" and _no_payment_method(exc)):
                    raise
                sub = self._find_emulated_subscription(customer_id, plan_id)
            if self._emulated and pay_by == "invoice" and sub.get("latest_invoice"):
                due = _to_subscription(sub, self._emulated).current_period_start
                self._client.v1.invoices.update(
                    _id(sub["latest_invoice"]),
                    {"metadata": {_DUE_DATE: (due + timedelta(days=net_days)).isoformat()}},
                )
        return _to_subscription(sub, self._emulated)

    def get_subscription(self, subscription_id: str) -> GatewaySubscription:
        with _translated(f"get subscription {subscription_id}"):
            sub = self._client.v1.subscriptions.retrieve(subscription_id)
        return _to_subscription(sub.to_dict(), self._emulated)

    def set_collection(
        self, subscription_id: str, *, pay_by: PayBy, net_days: int = 30
    ) -> GatewaySubscription:
        if pay_by not in ("card", "invoice"):
            raise ValueError(f"pay_by must be 'card' or 'invoice' (got {pay_by!r}).")
        params: dict[str, Any] = {"metadata": {_PAY_BY: pay_by, "wnwa_net_days": str(net_days)}}
        if not self._emulated:
            if pay_by == "invoice":
                params |= {"collection_method": "send_invoice", "days_until_due": net_days}
            else:
                params["collection_method"] = "charge_automatically"
        with _translated(f"set collection of {subscription_id}"):
            sub = self._client.v1.subscriptions.update(subscription_id, cast(Any, params))
        return _to_subscription(sub.to_dict(), self._emulated)

    def cancel_at_period_end(self, subscription_id: str) -> GatewaySubscription:
        with _translated(f"cancel subscription {subscription_id}"):
            sub = self._client.v1.subscriptions.update(
                subscription_id, {"cancel_at_period_end": True}
            )
        return _to_subscription(sub.to_dict(), self._emulated)

    def change_plan_at_renewal(self, subscription_id: str, plan_id: str) -> GatewaySubscription:
        with _translated(f"change plan of {subscription_id}"):
            current = self._client.v1.subscriptions.retrieve(subscription_id).to_dict()
            params: dict[str, Any] = {
                "items": [{"id": current["items"]["data"][0]["id"], "plan": plan_id}]
            }
            if not self._emulated:
                params["proration_behavior"] = "none"
            sub = self._client.v1.subscriptions.update(subscription_id, cast(Any, params))
            if self._emulated:
                self._drop_emulated_prorations(_id(current["customer"]), subscription_id)
        return _to_subscription(sub.to_dict(), self._emulated)

    def list_invoices(
        self, customer_id: str | None = None, since: datetime | None = None
    ) -> list[GatewayInvoice]:
        params: dict[str, Any] = {"limit": 100}
        if customer_id is not None:
            params["customer"] = customer_id
        if since is not None and not self._emulated:
            params["created"] = {"gte": int(_utc(since).timestamp())}
        with _translated("list invoices"):
            page = self._client.v1.invoices.list(cast(Any, params))
            invoices = [_to_invoice(i.to_dict(), self._emulated) for i in page.auto_paging_iter()]
        if since is not None:
            invoices = [i for i in invoices if i.created >= _utc(since)]
        return sorted(invoices, key=lambda i: i.created, reverse=True)

    def get_invoice(self, invoice_id: str) -> GatewayInvoice:
        with _translated(f"get invoice {invoice_id}"):
            invoice = self._client.v1.invoices.retrieve(invoice_id)
        return _to_invoice(invoice.to_dict(), self._emulated)

    def pay_invoice_out_of_band(self, invoice_id: str) -> GatewayInvoice:
        with _translated(f"pay invoice {invoice_id} out of band"):
            if not self._emulated:
                paid = self._client.v1.invoices.pay(invoice_id, {"paid_out_of_band": True})
                return _to_invoice(paid.to_dict(), self._emulated)
            current = _to_invoice(
                self._client.v1.invoices.retrieve(invoice_id).to_dict(), self._emulated
            )
            if current.status not in ("draft", "open"):
                raise GatewayError(f"Invoice {invoice_id} is {current.status}: it cannot be paid.")
            updated = self._client.v1.invoices.update(
                invoice_id, {"metadata": {_PAID_OUT_OF_BAND: "true"}}
            )
        return _to_invoice(updated.to_dict(), self._emulated)

    def pay_invoice_by_card(self, invoice_id: str) -> GatewayInvoice:
        with _translated(f"pay invoice {invoice_id} by card"):
            try:
                paid = self._client.v1.invoices.pay(invoice_id).to_dict()
            except stripe.InvalidRequestError as exc:
                if _no_payment_method(exc):
                    raise GatewayError("There is no card on file to charge.") from exc
                raise
            if self._emulated:
                paid = self._client.v1.invoices.retrieve(invoice_id).to_dict()
        invoice = _to_invoice(paid, self._emulated)
        if invoice.status != "paid":
            raise PaymentDeclined("The card was declined.", code="card_declined")
        return invoice

    def parse_webhook(self, payload: bytes, sig_header: str) -> WebhookEvent:
        try:
            event = stripe.Webhook.construct_event(
                payload, sig_header, self._webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook(f"Rejected webhook: {exc.user_message or exc}") from exc
        except ValueError as exc:
            raise InvalidWebhook("The webhook body is not a Stripe event.") from exc
        return event_from_data(event.to_dict())

    def _options(self, idempotency_key: str) -> stripe.RequestOptions | None:
        return None if self._emulated else {"idempotency_key": idempotency_key}

    @staticmethod
    def _exists(retrieve: Callable[[], object]) -> bool:
        try:
            retrieve()
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return False
            raise
        return True

    def _ensure_product(self) -> None:
        if self._exists(lambda: self._client.v1.products.retrieve(PRODUCT_ID)):
            return
        with _already_exists_ok():
            self._client.v1.products.create({"id": PRODUCT_ID, "name": PRODUCT_NAME})

    def _subscription_with_key(self, customer_id: str, key: str) -> dict[str, Any] | None:
        listed = self._client.v1.subscriptions.list(
            {"customer": customer_id, "status": "all", "limit": 100}
        )
        for sub in listed.auto_paging_iter():
            data = sub.to_dict()
            if (data.get("metadata") or {}).get(_IDEMPOTENCY) == key:
                return data
        return None

    def _find_emulated_subscription(self, customer_id: str, plan_id: str) -> dict[str, Any]:
        listed = self._client.v1.subscriptions.list(
            {"customer": customer_id, "status": "incomplete", "limit": 100}
        )
        candidates = [
            sub
            for sub in (s.to_dict() for s in listed.auto_paging_iter())
            if _plan_id(sub) == plan_id and (sub.get("metadata") or {}).get(_PAY_BY) == "invoice"
        ]
        if not candidates:
            raise GatewayError(f"localstripe lost the new subscription of {customer_id}.")
        return max(candidates, key=lambda sub: sub["created"])

    def _drop_emulated_prorations(self, customer_id: str, subscription_id: str) -> None:
        items = self._client.v1.invoice_items.list({"customer": customer_id, "limit": 100})
        for item in list(items.auto_paging_iter()):
            data = item.to_dict()
            if data.get("proration") and data.get("subscription") == subscription_id:
                self._client.v1.invoice_items.delete(data["id"])


@contextlib.contextmanager
def _translated(action: str) -> Iterator[None]:
    try:
        yield
    except stripe.CardError as exc:
        raise PaymentDeclined(_message(exc, "The card was declined."), code=exc.code) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise GatewayUnavailable(f"Stripe is unavailable ({action}): {_message(exc)}") from exc
    except stripe.APIError as exc:
        if exc.http_status is None or exc.http_status >= 500:
            raise GatewayUnavailable(f"Stripe failed ({action}): {_message(exc)}") from exc
        raise GatewayError(f"Stripe refused ({action}): {_message(exc)}") from exc
    except stripe.StripeError as exc:
        raise GatewayError(f"Stripe refused ({action}): {_message(exc)}") from exc


@contextlib.contextmanager
def _already_exists_ok() -> Iterator[None]:
    try:
        yield
    except (stripe.InvalidRequestError, stripe.APIError) as exc:
        if exc.http_status != 409 and exc.code != "resource_already_exists":
            raise


def _message(exc: stripe.StripeError, default: str = "Stripe error") -> str:
    return str(exc.user_message or default)


def _no_payment_method(exc: stripe.InvalidRequestError) -> bool:
    return exc.http_status == 404 and _NO_PAYMENT_METHOD in str(exc.user_message or "").lower()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _moment(timestamp: int) -> datetime:
    return datetime.fromtimestamp(int(timestamp), UTC)


def _day(timestamp: int) -> date:
    """The network's day of a Stripe moment (a period's start and end, a due date)."""
    return network_day(_moment(timestamp))


def _id(value: Any) -> str:
    return str(value["id"] if isinstance(value, Mapping) else value)


def _first_item(sub: Obj) -> Obj:
    data = (sub.get("items") or {}).get("data") or []
    return data[0] if data else {}


def _plan_id(sub: Obj) -> str:
    item = _first_item(sub)
    plan = item.get("plan") or item.get("price") or sub.get("plan")
    return _id(plan)


def _to_customer(obj: Obj) -> GatewayCustomer:
    return GatewayCustomer(id=obj["id"], email=obj.get("email"), name=obj.get("name"))


def _to_subscription(obj: Obj, emulated: bool) -> GatewaySubscription:
    item = _first_item(obj)
    start = obj.get("current_period_start") or item["current_period_start"]
    end = obj.get("current_period_end") or item["current_period_end"]
    status = obj["status"]
    metadata = obj.get("metadata") or {}
    if emulated and status == "incomplete" and metadata.get(_PAY_BY) == "invoice":
        status = "active"
    return GatewaySubscription(
        id=obj["id"],
        customer_id=_id(obj["customer"]),
        status=status,
        current_period_start=_day(start),
        current_period_end=_day(end),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        plan_id=_plan_id(obj),
    )


def _invoice_subscription(obj: Obj) -> str | None:
    sub = obj.get("subscription")
    if sub is None:
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        sub = details.get("subscription")
    return None if sub is None else _id(sub)


def _to_invoice(obj: Obj, emulated: bool) -> GatewayInvoice:
    lines = (obj.get("lines") or {}).get("data") or []
    period = lines[0].get("period") if lines else None
    start = period["start"] if period else obj["period_start"]
    end = period["end"] if period else obj["period_end"]
    metadata = obj.get("metadata") or {}
    status = cast(InvoiceStatus, obj["status"])
    amount_due = int(obj["amount_due"])
    amount_paid = int(obj["amount_paid"])
    if emulated and status == "open" and metadata.get(_PAID_OUT_OF_BAND) == "true":
        status, amount_paid = "paid", amount_due
    due_date: date | None = None
    if obj.get("due_date"):
        due_date = _day(obj["due_date"])
    elif metadata.get(_DUE_DATE):
        due_date = date.fromisoformat(metadata[_DUE_DATE])
    return GatewayInvoice(
        id=obj["id"],
        customer_id=_id(obj["customer"]),
        subscription_id=_invoice_subscription(obj),
        number=obj.get("number"),
        status=status,
        amount_due_cents=amount_due,
        amount_paid_cents=amount_paid,
        currency=obj["currency"],
        period_start=_day(start),
        period_end=_day(end),
        due_date=due_date,
        hosted_url=obj.get("hosted_invoice_url"),
        pdf_url=obj.get("invoice_pdf"),
        created=_moment(obj["created"]),
    )
