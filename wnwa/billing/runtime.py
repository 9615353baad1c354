"""Which gateway and which "today" the billing views use.

``get_gateway(app)`` returns the gateway a test injected (``app.extensions[GATEWAY_KEY]``),
else a StripeGateway when STRIPE_SECRET_KEY is set (Stripe, or localstripe when
STRIPE_API_BASE points at it), else None: billing is not configured, and the screens say so.
``configured(app)`` answers whether there is one without making it, so that a screen that only
reads the local mirror never loads the Stripe library (about 8 MB per worker). ``today()`` is
the date views pass to services; tests may inject a clock (``CLOCK_KEY``) to walk contracts
through several years.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Flask, current_app

from wnwa.billing.gateway import BillingGateway
from wnwa.us_states import network_day

GATEWAY_KEY = "wnwa.billing.gateway"
CLOCK_KEY = "wnwa.billing.today"
_STRIPE_KEY = "wnwa.billing.stripe"


def get_gateway(app: Flask) -> BillingGateway | None:
    injected = app.extensions.get(GATEWAY_KEY)
    if injected is not None:
        return injected
    secret_key = app.config.get("STRIPE_SECRET_KEY")
    if not secret_key:
        return None
    gateway = app.extensions.get(_STRIPE_KEY)
    if gateway is None:
        from wnwa.billing.stripe_gateway import StripeGateway

        gateway = StripeGateway(
            secret_key,
            app.config.get("STRIPE_WEBHOOK_SECRET") or "",
            app.config.get("STRIPE_API_BASE") or None,
            timeout=float(app.config.get("STRIPE_TIMEOUT", 10.0)),
        )
        app.extensions[_STRIPE_KEY] = gateway
    return gateway


def configured(app: Flask) -> bool:
    """Whether billing has a gateway (`get_gateway` would return one), without making it."""
    return app.extensions.get(GATEWAY_KEY) is not None or bool(app.config.get("STRIPE_SECRET_KEY"))


def today() -> date:
    clock: Callable[[], date] | None = current_app.extensions.get(CLOCK_KEY)
    return clock() if clock is not None else network_day()
