"""Public: the membership quote calculator, and the Stripe webhook endpoint."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from wnwa.auth.guards import public
from wnwa.billing import tiers, webhooks
from wnwa.billing.gateway import InvalidWebhook
from wnwa.billing.notify import money
from wnwa.billing.runtime import get_gateway, today
from wnwa.errors import DomainError
from wnwa.extensions import csrf
from wnwa.htmx import render

log = logging.getLogger(__name__)

bp = Blueprint("billing_public", __name__)
bp.add_app_template_filter(money, "usd")
webhook_bp = Blueprint("billing_webhook", __name__)


@bp.route("/membership/quote")
@public
def quote():
    """Sworn count -> tier and annual fee. A full page, or the partial for htmx."""
    result, error, status = None, None, 200
    if "sworn" in request.args:
        try:
            result = tiers.quote(request.args.get("sworn"), today())
        except DomainError as exc:
            error, status = exc.message, 422
    return render(
        "billing/quote.html",
        "billing/_quote.html",
        http_status=status,
        quote=result,
        quote_error=error,
        quote_sworn=request.args.get("sworn", "")[:12],
    )


@webhook_bp.post("/billing/stripe/webhook")
@public
@csrf.exempt
def stripe_webhook():
    """Signed by Stripe, so exempt from CSRF; the body is read raw and never logged."""
    gateway = get_gateway(current_app)
    if gateway is None:
        return _plain("billing is not configured", 503)
    payload = request.get_data(cache=False)
    try:
        outcome = webhooks.handle_webhook(
            gateway, payload, request.headers.get("Stripe-Signature", ""), today=today()
        )
    except InvalidWebhook:
        log.warning("rejected a webhook with a bad or stale signature")
        return _plain("invalid signature", 400)
    return _plain(outcome.result, outcome.status)


def _plain(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")
