"""Roster provisioning: the one service behind the CSV upload, the CLI and SCIM.

`preview_roster` reads a roster file and says exactly what an import would do (adds, updates
field by field, unchanged, departures, and every problem with its line). `import_roster` does
it in ONE transaction, after locking the department row so that two imports for one department
run one after the other. People are matched by employee number, then by work e-mail. Nothing is
hard-deleted: a departure deactivates the account and removes any directory listing at once.
A departure also ends the person's roles and replaces their credentials with fresh, unusable
ones; a person who returns comes back as a plain officer and is invited like a new one
(`depart_people`, `reinstate_people`). A department always keeps an active chief
(`leaves_no_chief`, the one place that rule lives).

Speed (13,000 rows, preview and commit, in under a second): the file is parsed once (the
upload flow keeps the preview's parse for the confirm step), accounts get fresh credentials
made in one batch (no password hashing), rows go in with bulk inserts (wnwa.roster.bulk:
binary COPY through a temporary table on PostgreSQL) and updates by primary key, the
invitations are queued by one INSERT ... SELECT from the new accounts, each a reference that
the separate mail worker renders when it sends it (wnwa.roster.invitations), and the parse,
the plan and the import run without the cyclic garbage collector
(wnwa.roster.roster.cycle_collection_paused).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Row, bindparam, select, update

from wnwa import audit
from wnwa.auth.accounts import emails_in_use_elsewhere
from wnwa.errors import Conflict, DomainError, InvalidInput
from wnwa.extensions import db
from wnwa.roster.bulk import bulk_insert
from wnwa.roster.invitations import Invitee, queue_invitations
from wnwa.roster.roster import (
    ParsedRoster,
    RosterIssue,
    RosterRow,
    cycle_collection_paused,
    parse_roster,
)
from wnwa.signals import members_left
from wnwa.tenants.credentials import fresh_credentials_for
from wnwa.tenants.models import Department, User

CHUNK = 1000
PERSON_FIELDS = ("employee_number", "first_name", "last_name", "email", "rank", "sworn")
FIELD_LABELS = {
    "employee_number": "Employee number",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Work email",
    "rank": "Rank",
    "sworn": "Sworn or civilian",
    "active": "Roster status",
}


def sworn_label(sworn: bool) -> str:
    return "Sworn" if sworn else "Civilian"


def _shown(name: str, value: Any) -> str:
    if name == "sworn":
        return sworn_label(bool(value))
    if name == "active":
        return "On roster" if value else "Departed"
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class PlannedUpdate:
    user_id: int
    row: RosterRow
    changes: tuple[Change, ...]

    @property
    def values(self) -> dict[str, Any]:
        """The whole new state of the person (what the bulk update writes)."""
        values: dict[str, Any] = {name: getattr(self.row, name) for name in PERSON_FIELDS}
        values["active"] = True
        return values

    @property
    def returns(self) -> bool:
        """A departed person coming back to the roster."""
        return any(c.field == "active" for c in self.changes)


@dataclass(frozen=True)
class PlannedDeparture:
    user_id: int
    employee_number: str
    name: str
    email: str


@dataclass
class RosterPlan:
    """What an import would do; built from the file and the roster as it is now."""

    full_sync: bool
    adds: list[RosterRow] = field(default_factory=list)
    updates: list[PlannedUpdate] = field(default_factory=list)
    unchanged: list[RosterRow] = field(default_factory=list)
    departures: list[PlannedDeparture] = field(default_factory=list)
    errors: list[RosterIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes_anything(self) -> bool:
        return bool(self.adds or self.updates or self.departures)

    @property
    def file_errors(self) -> list[RosterIssue]:
        return [issue for issue in self.errors if issue.line is None]

    @property
    def row_errors(self) -> list[RosterIssue]:
        return [issue for issue in self.errors if issue.line is not None]

    @property
    def error_lines(self) -> int:
        return len({issue.line for issue in self.row_errors})

    @cached_property
    def digest(self) -> str:
        """Fingerprint of the planned writes and of the values they replace: the confirm step
        checks it still holds (read once the plan is complete), so an edit made on the person
        page after the preview is never overwritten without a new preview."""
        payload = {
            "mode": self.full_sync,
            "adds": [_row_key(row) for row in self.adds],
            "updates": [
                [u.user_id, [[c.field, c.old, c.new] for c in u.changes]] for u in self.updates
            ],
            "departures": [d.user_id for d in self.departures],
        }
        encoded = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class RosterResult:
    added: int
    updated: int
    unchanged: int
    departed: int
    invited: int


class RosterInvalid(DomainError):
    """The file has problems; nothing was written. Carries the plan listing them."""

    status_code = 422

    def __init__(self, plan: RosterPlan) -> None:
        count = len(plan.errors)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"The roster has {count:,} {noun}; nothing was changed.")
        self.plan = plan


def _row_key(row: RosterRow) -> list[Any]:
    return [row.employee_number, row.email, row.first_name, row.last_name, row.rank, row.sworn]


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- reading the roster as it is ----------------------------------------------------------


def _people_on_file() -> list[Row]:
    """Everyone in the bound department, as plain rows (no ORM objects: 13,000 is cheap)."""
    return list(
        db.session.execute(
            select(
                User.id,
                User.employee_number,
                User.email,
                User.first_name,
                User.last_name,
                User.rank,
                User.sworn,
                User.active,
            )
        )
    )


def check_person_free(department_id: int, row: RosterRow, user_id: int | None) -> None:
    """Refuse one person's facts (of person `user_id`, or of a new person when None) if their
    employee number or e-mail belongs to someone else on the roster, or the e-mail signs in to
    an account outside this department."""
    holder = db.session.scalar(select(User.id).where(User.employee_number == row.employee_number))
    if holder is not None and holder != user_id:
        raise Conflict(f"Employee number {row.employee_number} already belongs to another person.")
    holder = db.session.scalar(select(User.id).where(User.email == row.email))
    if holder is not None and holder != user_id:
        raise Conflict(f"{row.email} already belongs to another person on the roster.")
    if holder is None and emails_in_use_elsewhere(department_id, [row.email]):
        raise Conflict(f"{row.email} is already used by an account outside this department.")


# --- planning ------------------------------------------------------------------------------


def plan_roster(
    department: Department,
    parsed: ParsedRoster,
    *,
    full_sync: bool,
    actor_user_id: int | None = None,
) -> RosterPlan:
    """Compare the parsed file with the roster (the department must be the bound tenant)."""
    plan = RosterPlan(full_sync=full_sync, errors=list(parsed.errors))
    people = _people_on_file()
    by_number = {p.employee_number: p for p in people}
    by_email = {p.email: p for p in people}
    matched: dict[int, RosterRow] = {}
    pairs: list[tuple[RosterRow, Row]] = []
    pending: list[RosterRow] = []

    for row in parsed.rows:
        person = by_number.get(row.employee_number)
        if person is None:
            pending.append(row)
        else:
            matched[person.id] = row
            pairs.append((row, person))
    for row in pending:
        person = by_email.get(row.email)
        if person is None:
            plan.adds.append(row)
        elif person.id in matched:
            plan.errors.append(
                RosterIssue(
                    row.line,
                    f'Work email "{row.email}" belongs to employee number '
                    f"{person.employee_number}, who is on line {matched[person.id].line} "
                    "of this file with another address.",
                )
            )
        else:
            matched[person.id] = row
            pairs.append((row, person))

    _plan_pairs(plan, pairs, by_email)
    _check_elsewhere(plan, department.id)
    if full_sync:
        _plan_departures(plan, people, matched, actor_user_id)
    _check_chiefs_remain(plan)
    plan.errors.sort(key=lambda issue: (issue.line is not None, issue.line or 0))
    return plan


def _plan_pairs(plan: RosterPlan, pairs: list[tuple[RosterRow, Row]], by_email: dict) -> None:
    for row, person in pairs:
        holder = by_email.get(row.email)
        if holder is not None and holder.id != person.id:
            plan.errors.append(
                RosterIssue(
                    row.line,
                    f'Work email "{row.email}" already belongs to employee number '
                    f"{holder.employee_number} ({holder.first_name} {holder.last_name}).",
                )
            )
            continue
        changes = tuple(
            Change(name, FIELD_LABELS[name], _shown(name, getattr(person, name)), _shown(name, new))
            for name, new in [(n, getattr(row, n)) for n in PERSON_FIELDS] + [("active", True)]
            if getattr(person, name) != new
        )
        if changes:
            plan.updates.append(PlannedUpdate(person.id, row, changes))
        else:
            plan.unchanged.append(row)


def _check_elsewhere(plan: RosterPlan, department_id: int) -> None:
    new_emails = {row.email for row in plan.adds}
    new_emails |= {u.row.email for u in plan.updates if any(c.field == "email" for c in u.changes)}
    taken = emails_in_use_elsewhere(department_id, new_emails) if new_emails else set()
    if not taken:
        return
    message = 'Work email "{}" is already used by an account outside this department.'
    plan.errors.extend(
        RosterIssue(r.line, message.format(r.email)) for r in plan.adds if r.email in taken
    )
    refused = [
        u
        for u in plan.updates
        if u.row.email in taken and any(c.field == "email" for c in u.changes)
    ]
    plan.errors.extend(RosterIssue(u.row.line, message.format(u.row.email)) for u in refused)
    # A refused line is a problem, not also a new person or a change (as a bad line is not).
    plan.adds = [r for r in plan.adds if r.email not in taken]
    plan.updates = [u for u in plan.updates if u not in refused]


def _plan_departures(
    plan: RosterPlan, people: list[Row], matched: dict[int, RosterRow], actor_user_id: int | None
) -> None:
    for person in people:
        if person.active and person.id not in matched:
            plan.departures.append(
                PlannedDeparture(
                    person.id,
                    person.employee_number,
                    f"{person.first_name} {person.last_name}",
                    person.email,
                )
            )
    if actor_user_id is not None and any(d.user_id == actor_user_id for d in plan.departures):
        plan.errors.append(
            RosterIssue(
                None,
                "This file does not list you, so a full sync would end your own account. "
                "Add your own line to the file, or import without full sync.",
            )
        )


def _check_chiefs_remain(plan: RosterPlan) -> None:
    if plan.departures and leaves_no_chief(d.user_id for d in plan.departures):
        plan.errors.append(
            RosterIssue(
                None,
                "This import would remove every chief of the department. Keep at least one "
                "chief on the roster.",
            )
        )


# --- the department keeps a chief -----------------------------------------------------------

LAST_CHIEF = (
    "The department must keep at least one chief. Designate another chief on the roster first."
)


def leaves_no_chief(user_ids: Iterable[int]) -> bool:
    """Whether these people of the bound department leaving (or losing the chief role) would
    leave it without an active chief. The one place of that rule: the import, the person page
    and SCIM all ask here."""
    chiefs = set(
        db.session.scalars(select(User.id).where(User.is_chief.is_(True), User.active.is_(True)))
    )
    return bool(chiefs) and chiefs <= set(user_ids)


def check_chief_remains(user_ids: Iterable[int]) -> None:
    """Refuse, with LAST_CHIEF, a change that would leave the department without a chief."""
    if leaves_no_chief(user_ids):
        raise InvalidInput(LAST_CHIEF)


# --- writing ---------------------------------------------------------------------------------


def lock_department(department_id: int) -> None:
    """Serialise roster changes for one department until the transaction ends.

    PostgreSQL: SELECT ... FOR UPDATE on the department row. SQLite has no row locks; a
    no-op write takes its database write lock at once, which serialises just the same. A
    SQLite transaction that has read before it writes cannot write once another writer has
    committed, so a use case calls this first: on SQLite it ends the read-only transaction
    the request began (loading the signed-in account) before taking the lock.
    """
    session = db.session()
    if session.connection().dialect.name == "postgresql":
        session.execute(
            select(Department.id).where(Department.id == department_id).with_for_update()
        )
    else:
        if not (session.new or session.dirty or session.deleted):
            session.commit()
        db.session.execute(
            update(Department)
            .where(Department.id == department_id)
            .values(slug=Department.slug)
            .execution_options(synchronize_session=False)
        )


def insert_people(
    department_id: int, rows: Sequence[RosterRow], *, chief: bool = False
) -> list[Invitee]:
    """Insert new accounts with fresh, unusable credentials (flush only)."""
    params = []
    for row, (password_hash, secrets) in zip(rows, fresh_credentials_for(len(rows)), strict=True):
        params.append(
            {
                "department_id": department_id,
                "employee_number": row.employee_number,
                "email": row.email,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "rank": row.rank,
                "sworn": row.sworn,
                "is_chief": chief,
                "is_finance": False,
                "active": True,
                "password_hash": password_hash,
                "secrets": secrets,
            }
        )
    ids = dict(bulk_insert(User.__table__, params, returning=("email", "id")))
    return [
        Invitee(ids[p["email"]], p["email"], p["first_name"], p["password_hash"]) for p in params
    ]


def update_people(updates: Sequence[PlannedUpdate]) -> None:
    """Write the whole new state of each changed person, by primary key (flush only)."""
    if not updates:
        return
    table = User.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("uid"), table.c.department_id == bindparam("dept"))
        .values({name: bindparam(name) for name in (*PERSON_FIELDS, "active")})
    )
    department_id = _bound_department()
    for chunk in _chunks(updates):
        db.session.execute(
            statement, [{"uid": u.user_id, "dept": department_id, **u.values} for u in chunk]
        )


def _bound_department() -> int:
    from wnwa.tenants.scoping import bound_department_id

    department_id = bound_department_id()
    if department_id is None:
        raise RuntimeError("roster writes need a bound department")
    return department_id


def _people_with_status(user_ids: Collection[int], *, active: bool) -> list[Row]:
    """Those of these people of the bound department whose roster status is `active`."""
    found: list[Row] = []
    for chunk in _chunks(sorted(set(user_ids))):
        found.extend(
            db.session.execute(
                select(User.id, User.email, User.first_name).where(
                    User.id.in_(chunk), User.active.is_(active)
                )
            )
        )
    return found


def _reset_access(people: Sequence[Row], *, active: bool) -> list[Invitee]:
    """Set these people's roster status, with no role and fresh, unusable credentials made as
    `insert_people` makes a new account's (flush only): the old password, two-step key and
    recovery codes stop working, and so do every session and link made before. Returns them
    as invitees."""
    table = User.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("uid"), table.c.department_id == bindparam("dept"))
        .values(
            active=active,
            is_chief=False,
            is_finance=False,
            password_hash=bindparam("password_hash"),
            secrets=bindparam("secrets"),
        )
    )
    department_id = _bound_department()
    invitees: list[Invitee] = []
    for chunk in _chunks(people):
        params = []
        for person, (password_hash, secrets) in zip(
            chunk, fresh_credentials_for(len(chunk)), strict=True
        ):
            params.append(
                {
                    "uid": person.id,
                    "dept": department_id,
                    "password_hash": password_hash,
                    "secrets": secrets,
                }
            )
            invitees.append(Invitee(person.id, person.email, person.first_name, password_hash))
        db.session.execute(statement, params)
    return invitees


def depart_people(user_ids: Collection[int]) -> int:
    """Take these people of the bound department off the roster and unlist them (flush only).

    Their account stops working for good: roles end and the credentials are replaced with
    fresh, unusable ones, so nothing of it is handed back if the person (or whoever is given
    the mailbox next) returns. Returns how many were on the roster."""
    leaving = _people_with_status(user_ids, active=True)
    _reset_access(leaving, active=False)
    members_left("roster", sorted(set(user_ids)))  # unlisted; their training seats freed
    return len(leaving)


def reinstate_people(user_ids: Collection[int]) -> list[Invitee]:
    """Bring these departed people of the bound department back (flush only) as a new account
    comes: a plain officer without roles, with fresh, unusable credentials. Returns them to
    invite, as `insert_people` does: the caller queues their invitations once their facts are
    written, so whoever holds the mailbox now sets the password."""
    return _reset_access(_people_with_status(user_ids, active=False), active=True)


def apply_plan(department: Department, plan: RosterPlan) -> RosterResult:
    """Carry out a checked plan (flush only)."""
    invitees = insert_people(department.id, plan.adds)
    invitees += reinstate_people([u.user_id for u in plan.updates if u.returns])
    update_people(plan.updates)
    departed = depart_people([d.user_id for d in plan.departures])
    invited = queue_invitations(invitees, department.id)
    return RosterResult(
        added=len(plan.adds),
        updated=len(plan.updates),
        unchanged=len(plan.unchanged),
        departed=departed,
        invited=invited,
    )


def _audit(department: Department, plan: RosterPlan, result: RosterResult, actor, source: str):
    audit.record(
        actor,
        "roster.import",
        department_id=department.id,
        subject=f"{source}, {'full sync' if plan.full_sync else 'add and update'}",
        details={
            "source": source,
            "full_sync": plan.full_sync,
            "added": result.added,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "departed": result.departed,
            # Only what an auditor needs: which fields changed (not whose, not the values), and
            # who lost access. Added and updated people are not named (docs/PRIVACY.md).
            "fields_changed": sorted({c.field for u in plan.updates for c in u.changes}),
            "departed_numbers": [d.employee_number for d in plan.departures],
        },
    )


# --- the use cases ---------------------------------------------------------------------------


def _parsed(data: bytes | ParsedRoster) -> ParsedRoster:
    return data if isinstance(data, ParsedRoster) else parse_roster(data)


@cycle_collection_paused()
def preview_roster(
    department: Department,
    data: bytes | ParsedRoster,
    *,
    full_sync: bool,
    actor_user_id: int | None = None,
) -> RosterPlan:
    """What importing this file (its bytes, or the preview's parse of them) would do. Reads
    only."""
    return plan_roster(department, _parsed(data), full_sync=full_sync, actor_user_id=actor_user_id)


@cycle_collection_paused()
def import_roster(
    department: Department,
    data: bytes | ParsedRoster,
    *,
    full_sync: bool,
    actor,
    source: str = "upload",
    expected_digest: str | None = None,
) -> RosterResult:
    """Import a roster file in one transaction, or change nothing.

    `data` is the file's bytes, or the parse the preview made of them (the upload flow keeps
    it between preview and confirm, so a file is parsed once). With `expected_digest` (from
    the preview the chief confirmed), the import is refused if the roster changed meanwhile so
    that it would now do something else.
    """
    lock_department(department.id)
    actor_user_id = actor.id if isinstance(actor, User) else None
    plan = plan_roster(department, _parsed(data), full_sync=full_sync, actor_user_id=actor_user_id)
    if not plan.ok:
        db.session.rollback()
        raise RosterInvalid(plan)
    if expected_digest is not None and plan.digest != expected_digest:
        db.session.rollback()
        raise Conflict(
            "The roster changed since your preview (another import or edit). Nothing was "
            "changed: upload the file again to see what it would do now."
        )
    result = apply_plan(department, plan)
    _audit(department, plan, result, actor, source)
    db.session.commit()
    return result


def iter_lines(plan: RosterPlan) -> Iterable[list[str]]:
    """The full preview as CSV rows: action, line, employee number, name, e-mail, changes."""
    for row in plan.adds:
        yield [
            "Add",
            str(row.line),
            row.employee_number,
            f"{row.first_name} {row.last_name}",
            row.email,
            "",
        ]
    for u in plan.updates:
        changes = "; ".join(f"{c.label}: {c.old} -> {c.new}" for c in u.changes)
        yield [
            "Update",
            str(u.row.line),
            u.row.employee_number,
            f"{u.row.first_name} {u.row.last_name}",
            u.row.email,
            changes,
        ]
    for row in plan.unchanged:
        yield [
            "Unchanged",
            str(row.line),
            row.employee_number,
            f"{row.first_name} {row.last_name}",
            row.email,
            "",
        ]
    for d in plan.departures:
        yield ["Departure", "", d.employee_number, d.name, d.email, "Leaves the roster"]
    for issue in plan.errors:
        yield ["Problem", "" if issue.line is None else str(issue.line), "", "", "", issue.message]
