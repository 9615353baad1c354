"""Whether Stripe answered the last time we asked, and gateway errors as user-facing errors.

Finance screens read the local mirror only, so they keep working when Stripe is slow or
down; after a failed call they say the data may be stale until Stripe answers again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from wnwa.billing.gateway import GatewayError, GatewayUnavailable, PaymentDeclined
from wnwa.billing.models import BillingSync
from wnwa.errors import DomainError
from wnwa.extensions import db, utcnow

log = logging.getLogger(__name__)

SYNC_NAME = "stripe"
_SUCCESS_WRITE_INTERVAL = timedelta(minutes=5)


class BillingNotConfigured(DomainError):
    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            "Billing is not configured on this server (no Stripe key), so nothing can be "
            "changed here yet."
        )


class StripeUnavailable(DomainError):
    status_code = 503


class CardDeclined(DomainError):
    status_code = 422


class StripeRefused(DomainError):
    status_code = 502


@dataclass(frozen=True)
class BillingHealth:
    configured: bool
    stale: bool
    last_success_at: datetime | None
    last_failure_at: datetime | None


def sync_state() -> BillingSync:
    state = db.session.scalar(select(BillingSync).where(BillingSync.name == SYNC_NAME))
    if state is None:
        state = BillingSync(name=SYNC_NAME, last_failure="")
        db.session.add(state)
        db.session.flush()
    return state


def mark_success(now: datetime | None = None) -> None:
    """Note that Stripe answered (flush only; written at most every few minutes)."""
    now = now or utcnow()
    state = sync_state()
    recovering = state.last_failure_at is not None and (
        state.last_success_at is None or state.last_failure_at >= state.last_success_at
    )
    if (
        recovering
        or state.last_success_at is None
        or now - state.last_success_at >= _SUCCESS_WRITE_INTERVAL
    ):
        state.last_success_at = now
        db.session.flush()


def mark_failure(message: str, now: datetime | None = None) -> None:
    state = sync_state()
    state.last_failure_at = now or utcnow()
    state.last_failure = message[:300]
    db.session.flush()


def billing_health(configured: bool) -> BillingHealth:
    state = db.session.scalar(select(BillingSync).where(BillingSync.name == SYNC_NAME))
    if state is None:
        return BillingHealth(configured, False, None, None)
    stale = state.last_failure_at is not None and (
        state.last_success_at is None or state.last_failure_at >= state.last_success_at
    )
    return BillingHealth(configured, stale, state.last_success_at, state.last_failure_at)


@contextmanager
def stripe_call(action: str) -> Iterator[None]:
    """Turn gateway errors into messages for the user. On an outage the use case's pending
    changes are rolled back and the outage is recorded, so nothing is half-applied and the
    screens can say their data may be stale. When the block ends normally Stripe answered:
    that is noted (``mark_success``, flushed only; the use case's commit writes it), which
    clears the stale flag after an earlier failure."""
    try:
        yield
    except GatewayUnavailable as exc:
        db.session.rollback()
        mark_failure(f"{action}: {type(exc).__name__}")
        db.session.commit()
        log.warning("stripe unavailable during %s", action)
        raise StripeUnavailable(
            "Stripe is not answering just now. Nothing was changed; please try again in a "
            "few minutes."
        ) from exc
    except PaymentDeclined as exc:
        db.session.rollback()
        raise CardDeclined(f"The card was declined ({exc.code or 'declined'}).") from exc
    except GatewayError as exc:
        db.session.rollback()
        log.warning("stripe refused %s", action)
        raise StripeRefused(f"Stripe refused the request: {exc}") from exc
    else:
        mark_success()
