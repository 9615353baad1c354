"""Renewals: the price of the next billing year.

Inside the commitment the price is locked (Stripe re-invoices the same plan each year). From
the first renewal after the commitment on, each renewal is re-tiered from the sworn roster:
the renewal run (network finance's yearly button, and ``flask billing renewals`` run daily
by cron) prices every renewal due within the horizon from today's roster with the tier table
in force on the renewal date, and moves the Stripe subscription to that plan before the
renewal invoice is issued. Running it again is harmless: a roster change since the last run
re-prices the renewal, so the last run before the renewal date uses that day's roster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from wnwa import audit
from wnwa.billing import notify, terms, tiers
from wnwa.billing.gateway import BillingGateway
from wnwa.billing.health import StripeUnavailable, stripe_call
from wnwa.billing.mirror import apply_subscription, load_contract
from wnwa.billing.models import Contract
from wnwa.errors import DomainError
from wnwa.extensions import db
from wnwa.tenants.scoping import acting_for
from wnwa.tenants.services import sworn_count
from wnwa.us_states import day_words

DEFAULT_HORIZON_DAYS = 90


@dataclass(frozen=True)
class RenewalPreview:
    renews_on: date
    re_tiered: bool
    sworn: int | None
    tier_label: str | None
    annual_cents: int | None
    note: str


@dataclass(frozen=True)
class RenewalRow:
    contract_id: int
    department: str
    renews_on: date
    sworn: int
    previous_label: str | None
    previous_cents: int | None
    tier_label: str
    annual_cents: int


@dataclass(frozen=True)
class RenewalRun:
    rows: list[RenewalRow]
    stopped: str | None
    problems: list[str] = field(default_factory=list)


def commitment_end_of(contract: Contract) -> date | None:
    if contract.term_start is None:
        return None
    years = terms.effective_commitment_years(contract.commitment_years, contract.has_exception)
    return terms.commitment_end(contract.term_start, years)


def locked_for_commitment(renews_on: date, commitment_end: date) -> bool:
    """Whether a renewal on `renews_on` still falls inside the commitment (price locked).

    Stripe renews at the anniversary's moment, read as the network's day: in a year whose
    daylight-saving change falls differently, a moment near midnight lands on the day before
    the anniversary. A renewal one day before the commitment's end is therefore its end."""
    return renews_on < commitment_end - timedelta(days=1)


def next_renewal(contract: Contract, today: date) -> date | None:
    if contract.current_period_end is not None:
        return contract.current_period_end
    if contract.term_start is None:
        return None
    return terms.current_term_end(contract.term_start, 1, today)


def renewal_preview(contract: Contract, today: date) -> RenewalPreview | None:
    """What the next renewal will cost (the contract's tenant must be bound)."""
    if contract.status not in ("active", "renewal_due"):
        return None
    renews_on = next_renewal(contract, today)
    end = commitment_end_of(contract)
    if renews_on is None or end is None:
        return None
    if locked_for_commitment(renews_on, end):
        return RenewalPreview(
            renews_on,
            False,
            contract.sworn_at_pricing,
            contract.tier_label,
            contract.annual_cents,
            f"The price is locked for the commitment, until {day_words(end)}.",
        )
    if contract.renewal_on == renews_on and contract.renewal_annual_cents is not None:
        priced = day_words(contract.renewal_priced_on) if contract.renewal_priced_on else ""
        return RenewalPreview(
            renews_on,
            True,
            contract.renewal_sworn,
            contract.renewal_tier_label,
            contract.renewal_annual_cents,
            f"Re-tiered on {priced} from {contract.renewal_sworn} sworn officers on the roster.",
        )
    sworn = sworn_count(contract.department)
    quote = tiers.price(sworn, renews_on)
    return RenewalPreview(
        renews_on,
        True,
        sworn,
        quote.tier.label,
        quote.annual_cents,
        f"Preview from today's roster ({sworn} sworn officers); the final price is set from "
        "the roster shortly before the renewal.",
    )


def _due(today: date, horizon_days: int) -> list[tuple[int, int]]:
    rows = db.session.execute(
        select(Contract.id, Contract.department_id)
        .where(
            Contract.status.in_(("active", "renewal_due")),
            Contract.stripe_subscription_id.is_not(None),
            Contract.cancel_at_period_end.is_(False),
            Contract.current_period_end > today,
            Contract.current_period_end <= today + timedelta(days=horizon_days),
        )
        .order_by(Contract.current_period_end, Contract.id)
        .execution_options(unscoped=True)  # unscoped: the renewal run covers every department
    ).all()
    return [(r.id, r.department_id) for r in rows]


def run_renewals(
    gateway: BillingGateway,
    *,
    today: date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    actor: Any,
) -> RenewalRun:
    """Re-tier every renewal-phase renewal due within ``horizon_days``.

    Each contract is its own transaction, so an outage part-way keeps the finished ones and
    the run can simply be repeated.
    """
    if not 1 <= horizon_days <= 400:
        raise ValueError("The horizon is 1 to 400 days.")
    done: list[RenewalRow] = []
    problems: list[str] = []
    due = _due(today, horizon_days)
    if not due:
        return RenewalRun(done, None, problems)
    prices = _RunPrices(gateway, tiers.tier_book(today + timedelta(days=horizon_days)))
    for contract_id, department_id in due:
        try:
            with acting_for(department_id):
                row = _renew(prices, load_contract(contract_id), today=today, actor=actor)
            db.session.commit()
        except StripeUnavailable as exc:
            return RenewalRun(done, exc.message, problems)
        except DomainError as exc:
            problems.append(f"Contract {contract_id}: {exc.message}")
            continue
        if row is not None:
            done.append(row)
    return RenewalRun(done, None, problems)


class _RunPrices:
    """What one renewal run reads once and reuses for every contract: the tier tables (one
    query) and the Stripe plan of each tier and amount (one ``ensure_plan`` per plan)."""

    def __init__(self, gateway: BillingGateway, book: tiers.TierBook) -> None:
        self.gateway = gateway
        self.book = book
        self._plans: dict[tuple[str, int], str] = {}

    def plan_id(self, quote: tiers.Quote) -> str:
        key = (quote.tier.key, quote.annual_cents)
        if key not in self._plans:
            self._plans[key] = self.gateway.ensure_plan(*key, quote.tier.label)
        return self._plans[key]


def _renew(prices: _RunPrices, contract: Contract, *, today: date, actor: Any) -> RenewalRow | None:
    renews_on = contract.current_period_end
    end = commitment_end_of(contract)
    if renews_on is None or end is None or locked_for_commitment(renews_on, end):
        return None  # inside the commitment: the price is locked
    sworn = sworn_count(contract.department)
    quote = prices.book.price(sworn, renews_on)
    with stripe_call("re-tier renewal"):
        plan_id = prices.plan_id(quote)
        if plan_id != contract.stripe_plan_id:
            sub = prices.gateway.change_plan_at_renewal(
                contract.stripe_subscription_id or "", plan_id
            )
            apply_subscription(contract, sub, today=today)
    changed = (
        contract.renewal_on != renews_on
        or contract.renewal_annual_cents != quote.annual_cents
        or contract.renewal_tier_key != quote.tier.key
    )
    contract.renewal_on = renews_on
    contract.renewal_tier_key = quote.tier.key
    contract.renewal_tier_label = quote.tier.label
    contract.renewal_sworn = sworn
    contract.renewal_priced_on = today
    contract.renewal_tiers_valid_from = quote.valid_from
    contract.renewal_annual_cents = quote.annual_cents
    contract.status = "renewal_due"
    if changed:
        notify.renewal_priced(contract)
        audit.record(
            actor,
            "billing.renewal_priced",
            department_id=contract.department_id,
            subject=f"contract {contract.id}",
            details={
                "renews_on": renews_on.isoformat(),
                "sworn": sworn,
                "tier": quote.tier.key,
                "annual_cents": quote.annual_cents,
            },
        )
    return RenewalRow(
        contract_id=contract.id,
        department=contract.department.name,
        renews_on=renews_on,
        sworn=sworn,
        previous_label=contract.tier_label,
        previous_cents=contract.annual_cents,
        tier_label=quote.tier.label,
        annual_cents=quote.annual_cents,
    )
