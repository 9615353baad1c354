"""Network finance: every contract, receivables ageing, revenue by tier, CSV exports.

Network finance sees every department, hence the unscoped reads (read-only; each carries its
reason). Writes go through contracts.py, which binds the department acted for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, select, true

from wnwa.billing.health import BillingHealth, billing_health
from wnwa.billing.mirror import contract_ref, load_contract
from wnwa.billing.models import CONTRACT_STATUSES, Contract, Invoice, period_last_day
from wnwa.billing.notify import money
from wnwa.billing.overview import STATUS_LABELS, ContractView, contract_view
from wnwa.billing.renewals import commitment_end_of
from wnwa.csvfiles import export_csv
from wnwa.errors import NotFound
from wnwa.extensions import db
from wnwa.tenants.models import Department
from wnwa.tenants.scoping import acting_for
from wnwa.us_states import network_day

RENEWAL_WINDOW_DAYS = 90
PER_PAGE = 50
BUCKETS = ("Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days")


@dataclass(frozen=True)
class ContractFilters:
    status: str = ""
    renewal_soon: bool = False
    overdue: bool = False
    page: int = 1

    @classmethod
    def parse(cls, args) -> ContractFilters:
        status = args.get("status", "")
        page = args.get("page", "1")
        return cls(
            status=status if status in CONTRACT_STATUSES else "",
            renewal_soon=args.get("renewal") == "1",
            overdue=args.get("overdue") == "1",
            page=int(page) if page.isdecimal() and 0 < int(page) < 100_000 else 1,
        )


@dataclass(frozen=True)
class ContractListRow:
    id: int
    department: str
    status: str
    status_label: str
    term_start: date | None
    commitment_end: date | None
    tier_label: str
    annual: str
    next_renewal: date | None
    outstanding: str
    overdue: bool
    has_exception: bool
    po_number: str


@dataclass(frozen=True)
class ContractPage:
    rows: list[ContractListRow]
    total: int
    page: int
    pages: int
    filters: ContractFilters


def _overdue_clause(today: date):
    return exists().where(Invoice.contract_id == Contract.id, Invoice.late(today))


def contract_list(filters: ContractFilters, *, today: date) -> ContractPage:
    conditions = []
    if filters.status:
        conditions.append(Contract.status == filters.status)
    if filters.renewal_soon:
        conditions += [
            Contract.status.in_(("active", "renewal_due")),
            Contract.cancel_at_period_end.is_(False),
            Contract.current_period_end > today,
            Contract.current_period_end <= today + timedelta(days=RENEWAL_WINDOW_DAYS),
        ]
    if filters.overdue:
        conditions.append(_overdue_clause(today))
    where = and_(true(), *conditions)
    total = db.session.scalar(
        select(func.count(Contract.id))
        .where(where)
        .execution_options(unscoped=True)  # unscoped: network finance sees every department
    )
    pages = max(1, -(-(total or 0) // PER_PAGE))
    page = min(filters.page, pages)
    contracts = db.session.scalars(
        select(Contract)
        .join(Department, Department.id == Contract.department_id)
        .where(where)
        .order_by(Department.name, Contract.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .execution_options(unscoped=True)  # unscoped: network finance sees every department
    ).all()
    outstanding = _outstanding([c.id for c in contracts], today)
    rows = [
        ContractListRow(
            id=c.id,
            department=c.department.name,
            status=c.status,
            status_label=STATUS_LABELS.get(c.status, c.status),
            term_start=c.term_start,
            commitment_end=commitment_end_of(c),
            tier_label=c.tier_label or "—",
            annual=money(c.annual_cents, c.currency),
            next_renewal=c.current_period_end if c.status in ("active", "renewal_due") else None,
            outstanding=money(outstanding.get(c.id, (0, False))[0], c.currency),
            overdue=outstanding.get(c.id, (0, False))[1],
            has_exception=c.has_exception,
            po_number=c.po_number,
        )
        for c in contracts
    ]
    return ContractPage(rows, total or 0, page, pages, filters)


def _outstanding(contract_ids: list[int], today: date) -> dict[int, tuple[int, bool]]:
    if not contract_ids:
        return {}
    late = func.max(case((Invoice.late(today), 1), else_=0))
    rows = db.session.execute(
        select(
            Invoice.contract_id,
            func.sum(Invoice.amount_due_cents - Invoice.amount_paid_cents),
            late,
        )
        .where(Invoice.contract_id.in_(contract_ids), Invoice.status == "open")
        .group_by(Invoice.contract_id)
        .execution_options(unscoped=True)  # unscoped: network finance sees every department
    ).all()
    return {r[0]: (int(r[1] or 0), bool(r[2])) for r in rows}


@dataclass(frozen=True)
class AgeingBucket:
    label: str
    count: int
    cents: int
    amount: str


@dataclass(frozen=True)
class AgeingRow:
    department_id: int
    department: str
    amounts: list[str]
    total: str


@dataclass(frozen=True)
class Ageing:
    buckets: list[AgeingBucket]
    rows: list[AgeingRow]
    total: str


def bucket_index(days_past_due: int) -> int:
    if days_past_due <= 0:
        return 0
    if days_past_due <= 30:
        return 1
    if days_past_due <= 60:
        return 2
    if days_past_due <= 90:
        return 3
    return 4


def _open_invoices(today: date):
    return db.session.execute(
        select(
            Invoice.id,
            Invoice.department_id,
            Department.name,
            Invoice.number,
            Invoice.period_start,
            Invoice.period_end,
            Invoice.amount_due_cents,
            Invoice.amount_paid_cents,
            Invoice.due_date,
            Invoice.issued_at,
            Invoice.payment_failed_on,
        )
        .join(Department, Department.id == Invoice.department_id)
        .where(Invoice.status == "open")
        .order_by(Department.name, Invoice.period_start)
        .execution_options(unscoped=True)  # unscoped: network finance sees every department
    ).all()


def _days_past_due(row, today: date) -> int:
    due = row.due_date or network_day(row.issued_at)
    return (today - due).days


def ageing(today: date) -> Ageing:
    counts = [0] * len(BUCKETS)
    sums = [0] * len(BUCKETS)
    per_department: dict[int, tuple[str, list[int]]] = {}
    for row in _open_invoices(today):
        index = bucket_index(_days_past_due(row, today))
        outstanding = row.amount_due_cents - row.amount_paid_cents
        counts[index] += 1
        sums[index] += outstanding
        name, cents = per_department.setdefault(row.department_id, (row.name, [0] * len(BUCKETS)))
        cents[index] += outstanding
    return Ageing(
        buckets=[
            AgeingBucket(label, counts[i], sums[i], money(sums[i]))
            for i, label in enumerate(BUCKETS)
        ],
        rows=[
            AgeingRow(dept_id, name, [money(c) for c in cents], money(sum(cents)))
            for dept_id, (name, cents) in per_department.items()
        ],
        total=money(sum(sums)),
    )


@dataclass(frozen=True)
class TierRevenue:
    label: str
    contracts: int
    annual_cents: int
    amount: str


def _tier_order(key: str | None) -> int:
    try:
        return int((key or "").split("-")[1])
    except (IndexError, ValueError):
        return 10**9


def revenue_by_tier() -> list[TierRevenue]:
    """Annual contracted revenue of running contracts, by the tier of their current year."""
    rows = db.session.execute(
        select(
            Contract.tier_key,
            Contract.tier_label,
            func.count(Contract.id),
            func.sum(Contract.annual_cents),
        )
        .where(Contract.status.in_(("active", "renewal_due", "cancellation_requested")))
        .group_by(Contract.tier_key, Contract.tier_label)
        .execution_options(unscoped=True)  # unscoped: network finance sees every department
    ).all()
    ordered = sorted(rows, key=lambda r: (_tier_order(r[0]), r[2]))
    return [
        TierRevenue(r[1] or "—", int(r[2]), int(r[3] or 0), money(int(r[3] or 0))) for r in ordered
    ]


@dataclass(frozen=True)
class NetworkBilling:
    page: ContractPage
    ageing: Ageing
    revenue: list[TierRevenue]
    health: BillingHealth
    statuses: list[tuple[str, str]]


def network_billing(filters: ContractFilters, *, today: date, configured: bool) -> NetworkBilling:
    return NetworkBilling(
        page=contract_list(filters, today=today),
        ageing=ageing(today),
        revenue=revenue_by_tier(),
        health=billing_health(configured),
        statuses=[(s, STATUS_LABELS[s]) for s in CONTRACT_STATUSES],
    )


def network_contract(contract_id: int, *, today: date) -> ContractView:
    ref = contract_ref(contract_id)
    if ref is None:
        raise NotFound("No such contract.")
    with acting_for(ref.department_id):
        return contract_view(load_contract(contract_id), today)


@dataclass(frozen=True)
class DepartmentChoice:
    id: int
    name: str


def departments_without_contract() -> list[DepartmentChoice]:
    running = (
        select(Contract.department_id)
        .where(Contract.status != "ended")
        .execution_options(unscoped=True)  # unscoped: network finance sees every department
    )
    rows = db.session.execute(
        select(Department.id, Department.name)
        .where(Department.id.not_in(running))
        .order_by(Department.name)
        .execution_options(unscoped=True)  # unscoped: network finance sees every department
    ).all()
    return [DepartmentChoice(r.id, r.name) for r in rows]


def contracts_csv(today: date) -> str:
    contracts = db.session.scalars(
        select(Contract)
        .join(Department, Department.id == Contract.department_id)
        .order_by(Department.name, Contract.id)
        .execution_options(unscoped=True)  # unscoped: network finance exports every department
    ).all()
    return export_csv(
        [
            "contract_id",
            "department",
            "status",
            "term_start",
            "commitment_end",
            "tier",
            "sworn_at_pricing",
            "annual_amount_usd",
            "currency",
            "pay_by",
            "po_number",
            "billing_contact",
            "billing_email",
            "next_renewal",
            "ends_on",
            "exception",
        ],
        [
            [
                c.id,
                c.department.name,
                c.status,
                c.term_start.isoformat() if c.term_start else "",
                _iso(commitment_end_of(c)),
                c.tier_label or "",
                c.sworn_at_pricing if c.sworn_at_pricing is not None else "",
                f"{c.annual_cents / 100:.2f}" if c.annual_cents is not None else "",
                c.currency,
                c.pay_by,
                c.po_number,
                c.billing_contact,
                c.billing_email,
                c.current_period_end.isoformat()
                if c.current_period_end and c.status in ("active", "renewal_due")
                else "",
                c.ends_on.isoformat() if c.ends_on else "",
                c.exception_reason or "",
            ]
            for c in contracts
        ],
    )


def receivables_csv(today: date) -> str:
    return export_csv(
        [
            "department",
            "invoice",
            "period_start",
            "period_last_day",
            "amount_due_usd",
            "amount_paid_usd",
            "outstanding_usd",
            "due_date",
            "days_past_due",
            "bucket",
            "payment_declined_on",
        ],
        [
            [
                row.name,
                row.number or "",
                row.period_start.isoformat(),
                period_last_day(row.period_start, row.period_end).isoformat(),
                f"{row.amount_due_cents / 100:.2f}",
                f"{row.amount_paid_cents / 100:.2f}",
                f"{(row.amount_due_cents - row.amount_paid_cents) / 100:.2f}",
                row.due_date.isoformat() if row.due_date else "",
                max(0, _days_past_due(row, today)),
                BUCKETS[bucket_index(_days_past_due(row, today))],
                row.payment_failed_on.isoformat() if row.payment_failed_on else "",
            ]
            for row in _open_invoices(today)
        ],
    )


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""
