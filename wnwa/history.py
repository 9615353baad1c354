"""The admin audit trail of one department, in plain language.

The trail (`wnwa.audit`) keeps codes and ids, which suit an auditor's query; people read this:
who did it, by name ("Carla Chief, chief" or "Network staff: Dana Reyes"), what happened in
words, whom it was about (a member's name rather than "user 2082"), and what changed. Names are
looked up in one query per kind of row, in the department the caller has bound; a row that is
gone falls back to what the trail itself holds (an email, an employee number), never to a bare
internal number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from wnwa.audit import AuditEntry
from wnwa.auth.models import StaffAccount
from wnwa.extensions import db
from wnwa.tenants.models import User
from wnwa.us_states import day_words

ACTOR_LABEL = re.compile(r"^(department|staff) (\d+) <([^>]*)>$")
SUBJECT_ID = re.compile(r"^(user|seat|contract|class|external|employee) (\S+)$")

ACTIONS = {
    "roster.import": "Roster imported",
    "roster.edit": "Person edited",
    "roster.roles": "Roles changed",
    "roster.departure": "Left the department",
    "roster.reinstate": "Back on the roster",
    "roster.invitation": "Invitation sent",
    "roster.scim": "Changed by the identity provider",
    "scim.token_created": "Identity-provider token created",
    "scim.token_revoked": "Identity-provider token revoked",
    "department.onboarded": "Department joined the network",
    "department.edited": "Department details changed",
    "billing.contract_drafted": "Contract drafted",
    "billing.contract_started": "Contract started",
    "billing.draft_discarded": "Draft contract discarded",
    "billing.details_updated": "Billing details changed",
    "billing.card_added": "Card added",
    "billing.pay_by_changed": "Payment method changed",
    "billing.invoice_paid_by_card": "Invoice paid by card",
    "billing.payment_recorded": "Payment recorded",
    "billing.cancellation_requested": "Notice of non-renewal given",
    "billing.exception_recorded": "Contract exception recorded",
    "billing.renewal_priced": "Renewal priced",
    "training.seat_reserved": "Training seat reserved",
    "training.request_approved": "Seat request approved",
    "training.request_declined": "Seat request declined",
    "training.seat_cancelled": "Training seat cancelled",
    "training.external_submitted": "Outside training submitted",
    "training.external_accepted": "Outside training accepted",
    "training.external_declined": "Outside training declined",
    "certification.added": "Peer-support certification recorded",
    "certification.revoked": "Peer-support certification withdrawn",
}

ROLE_WORDS = {"chief": "chief", "finance": "department finance", "officer": "officer"}
FIELD_WORDS = {
    "name": "name",
    "county": "county",
    "state": "state",
    "sworn_declared": "declared sworn strength",
    "joined_on": "joining date",
    "status": "status",
}
SEAT_WORDS = {
    "reserved": "holds a seat",
    "waitlisted": "on the waiting list",
    "declined": "declined",
    "cancelled": "cancelled",
}
SOURCES = {"web": "an uploaded file", "cli": "the command line", "scim": "the identity provider"}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    subject: str
    summary: str


@dataclass
class _Names:
    users: dict[int, str]
    employees: dict[str, str]
    staff: dict[int, str]
    classes: dict[int, str]

    def user(self, user_id: Any) -> str:
        try:
            return self.users.get(int(user_id), "a former member")
        except (TypeError, ValueError):
            return "a member"

    def cls(self, class_id: Any) -> str:
        try:
            return self.classes.get(int(class_id), "a training class")
        except (TypeError, ValueError):
            return "a training class"


def _ints(values: Iterable[Any]) -> set[int]:
    found = set()
    for value in values:
        try:
            found.add(int(value))
        except (TypeError, ValueError):
            continue
    return found


def _names(entries: list[AuditEntry]) -> _Names:
    from wnwa.training.models import TrainingClass

    user_ids: set[Any] = set()
    staff_ids: set[Any] = set()
    numbers: set[str] = set()
    class_ids: set[Any] = set()
    for entry in entries:
        actor = ACTOR_LABEL.match(entry.actor or "")
        if actor:
            (user_ids if actor.group(1) == "department" else staff_ids).add(actor.group(2))
        subject = SUBJECT_ID.match(entry.subject or "")
        if subject and subject.group(1) == "user":
            user_ids.add(subject.group(2))
        elif subject and subject.group(1) == "employee":
            numbers.add(subject.group(2))
        details = entry.details or {}
        if "first_chief_employee" in details:
            numbers.add(str(details["first_chief_employee"]))
        if "user" in details:
            user_ids.add(details["user"])
        if "class" in details:
            class_ids.add(details["class"])
        if subject and subject.group(1) == "class":
            class_ids.add(subject.group(2))
    users: dict[int, str] = {}
    employees: dict[str, str] = {}
    wanted = _ints(user_ids)
    if wanted or numbers:
        rows = db.session.execute(
            select(User.id, User.employee_number, User.first_name, User.last_name).where(
                User.id.in_(wanted) | User.employee_number.in_(numbers)
            )
        ).all()
        for ident, number, first, last in rows:
            users[ident] = f"{first} {last}"
            employees[number] = f"{first} {last}"
    staff = {}
    if staff_ids:
        staff = {
            ident: name or email
            for ident, name, email in db.session.execute(
                select(StaffAccount.id, StaffAccount.name, StaffAccount.email).where(
                    StaffAccount.id.in_(_ints(staff_ids))
                )
            )
        }
    classes = {}
    if class_ids:
        classes = dict(
            db.session.execute(
                select(TrainingClass.id, TrainingClass.title).where(
                    TrainingClass.id.in_(_ints(class_ids))
                )
            ).all()
        )
    return _Names(users, employees, staff, classes)


def actor_name(label: str) -> str:
    """One stored actor label (`audit.actor_label`) as people read it."""
    return _actor(label, _names([AuditEntry(actor=label, subject="", details={})]))


def _actor(label: str, names: _Names) -> str:
    found = ACTOR_LABEL.match(label or "")
    if found:
        kind, ident, email = found.group(1), int(found.group(2)), found.group(3)
        if kind == "staff":
            return f"Network staff: {names.staff.get(ident, email)}"
        return names.users.get(ident, email)
    if label.startswith("scim token"):
        return "Your identity provider (SCIM)"
    if label.startswith("cli "):
        return "Network operator (command line)"
    return {
        "system": "The portal (automatic)",
        "billing cli": "The daily billing run",
        "demo seed": "Demo data",
        "stripe": "Stripe (payment processor)",
    }.get(label, label)


def _subject(entry: AuditEntry, names: _Names) -> str:
    found = SUBJECT_ID.match(entry.subject or "")
    if not found:
        return entry.subject or ""
    kind, value = found.groups()
    if kind == "user":
        return names.user(value)
    if kind == "employee":
        name = names.employees.get(value)
        return f"{name} (employee {value})" if name else f"Employee {value}"
    if kind == "class":
        return names.cls(value)
    if kind == "contract":
        return "The membership contract"
    if kind == "external":
        return "Outside training"
    return ""  # a seat: the summary names the member and the class


def _money(cents: Any) -> str:
    try:
        return f"${int(cents) / 100:,.2f}"
    except (TypeError, ValueError):
        return ""


def _roles(values: Iterable[str]) -> str:
    words = [ROLE_WORDS.get(v, v) for v in values]
    return ", ".join(words) if words else "no role"


def _import(d: dict[str, Any], _: _Names) -> str:
    mode = "full sync" if d.get("full_sync") else "adds and updates only"
    source = SOURCES.get(d.get("source", ""), d.get("source", "a file"))
    summary = (
        f"From {source} ({mode}): {d.get('added', 0):,} added, {d.get('updated', 0):,} "
        f"updated, {d.get('departed', 0):,} left, {d.get('unchanged', 0):,} unchanged."
    )
    left = [str(n) for n in d.get("departed_numbers", [])]
    if left:  # who lost access, by employee number (as the import kept them)
        shown = ", ".join(left[:LEFT_SHOWN])
        more = f" and {len(left) - LEFT_SHOWN:,} more" if len(left) > LEFT_SHOWN else ""
        summary += f" Left the roster: employee numbers {shown}{more}."
    return summary


LEFT_SHOWN = 20  # employee numbers named in one import's line; the rest are counted


def _department_edit(d: dict[str, Any], _: _Names) -> str:
    fields = [FIELD_WORDS.get(f, f) for f in d.get("fields", [])]
    text = "Changed: " + ", ".join(fields) + "." if fields else ""
    if isinstance(d.get("sworn_declared"), list) and len(d["sworn_declared"]) == 2:
        before, after = d["sworn_declared"]
        text += f" Declared sworn strength {before:,} → {after:,}."
    return text.strip()


def _seat(d: dict[str, Any], names: _Names) -> str:
    status = SEAT_WORDS.get(d.get("status", ""), d.get("status", ""))
    return f"{names.user(d.get('user'))}, {names.cls(d.get('class'))}: {status}."


def _scim(d: dict[str, Any], _: _Names) -> str:
    operation = {
        "create": "Added",
        "update": "Updated",
        "replace": "Updated",
        "patch": "Updated",
        "delete": "Removed from the roster",
    }.get(d.get("operation", ""), "Changed")
    parts = [operation]
    if d.get("fields"):
        parts.append("(" + ", ".join(d["fields"]) + ")")
    if d.get("active") is False:
        parts.append("and marked inactive")
    return " ".join(parts) + "."


def _contract_started(d: dict[str, Any], _: _Names) -> str:
    text = (
        f"{_money(d.get('annual_cents'))} a year, priced from {d.get('sworn', '?')} sworn officers"
    )
    if "sworn_declared" in d:
        text += f" (declared {d['sworn_declared']:,}, on the roster {d.get('sworn_rostered', 0):,})"
    if d.get("term_start"):
        text += f"; the term starts {day_words(d['term_start'])}"
    return text + "."


def _first_chief(d: dict[str, Any], names: _Names) -> str:
    number = d.get("first_chief_employee")
    if number is None:
        return str(d.get("first_chief", ""))  # (entries written before: the address)
    name = names.employees.get(str(number))
    return f"{name} (employee {number})" if name else f"employee {number}"


SUMMARIES: dict[str, Callable[[dict[str, Any], _Names], str]] = {
    "roster.import": _import,
    "roster.edit": lambda d, _: "Changed: " + ", ".join(d.get("fields", [])) + ".",
    "roster.roles": lambda d, _: (
        f"Was {_roles(d.get('before', []))}; now {_roles(d.get('after', []))}."
    ),
    "roster.departure": lambda d, _: "Account closed and any directory listing removed.",
    "roster.scim": _scim,
    "department.onboarded": lambda d, names: (
        f"{d.get('sworn_declared', 0):,} sworn officers declared; first chief "
        f"{_first_chief(d, names)}."
    ),
    "department.edited": _department_edit,
    "billing.contract_started": _contract_started,
    "billing.details_updated": lambda d, _: (
        f"PO number now {d['po_number']}." if d.get("po_number") else "PO number cleared."
    ),
    "billing.pay_by_changed": lambda d, _: (
        "Now pays by card." if d.get("pay_by") == "card" else "Now pays against invoices."
    ),
    "billing.payment_recorded": lambda d, _: (
        f"Paid by {d.get('method', 'other means')}"
        + (f", reference {d['reference']}" if d.get("reference") else "")
        + "."
    ),
    "billing.cancellation_requested": lambda d, _: (
        f"Membership ends {day_words(d.get('ends_on'))}"
        + (" (under a recorded exception)" if d.get("exception") else "")
        + "."
    ),
    "billing.exception_recorded": lambda d, _: f"Reason: {d.get('reason', '')}",
    "billing.renewal_priced": lambda d, _: (
        f"From {day_words(d.get('renews_on'))}: {_money(d.get('annual_cents'))} a year, from "
        f"{d.get('sworn', '?')} sworn officers on the roster."
    ),
    "training.seat_reserved": _seat,
    "training.request_approved": _seat,
    "training.request_declined": _seat,
    "training.seat_cancelled": _seat,
    "training.external_submitted": lambda d, names: (
        f"For {names.user(d.get('user'))}: {d.get('provider', '')}, {d.get('hours', '?')} hours."
    ),
    "training.external_declined": lambda d, _: f"Reason: {d.get('reason', '')}",
    "certification.added": lambda d, _: (
        f"{d.get('course', '')}, certified {day_words(d.get('on'))}"
        + (" (outside training)" if d.get("source") == "external" else "")
        + "."
    ),
    "certification.revoked": lambda d, _: f"Reason: {d.get('reason', '')}",
}


def _summary(entry: AuditEntry, names: _Names) -> str:
    describe = SUMMARIES.get(entry.action)
    if describe is None:
        return ""
    try:
        return describe(entry.details or {}, names)
    except (KeyError, TypeError, ValueError):
        return ""


def _action(code: str) -> str:
    if code in ACTIONS:
        return ACTIONS[code]
    # An action this module does not know yet still reads as words, not as a code.
    return code.split(".", 1)[-1].replace("_", " ").capitalize()


def describe(entries: list[AuditEntry]) -> list[HistoryEntry]:
    """`entries` (of the bound department) as people read them, in the same order."""
    names = _names(entries)
    return [
        HistoryEntry(
            at=entry.at,
            actor=_actor(entry.actor, names),
            action=_action(entry.action),
            subject=_subject(entry, names),
            summary=_summary(entry, names),
        )
        for entry in entries
    ]
