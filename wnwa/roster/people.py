"""The chief's roster: list, edit one person, roles, departures, invitations, export.

Everything here shows and changes roster facts only. Nothing reads or reveals whether a person
has activated their account or used the portal (docs/RULES.md 2.5 and 2.7).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

from sqlalchemy import func, select, tuple_

from wnwa import audit
from wnwa.csvfiles import export_csv
from wnwa.dbtypes import MAX_STORED_ID
from wnwa.errors import Conflict, InvalidInput, NotFound
from wnwa.extensions import db
from wnwa.roster.invitations import Invitee, queue_invitation, queue_invitations
from wnwa.roster.provisioning import (
    FIELD_LABELS,
    PERSON_FIELDS,
    check_chief_remains,
    check_person_free,
    depart_people,
    lock_department,
    reinstate_people,
    sworn_label,
)
from wnwa.roster.roster import DEPARTED, ON_ROSTER, TEMPLATE_HEADERS, clean_person
from wnwa.tenants.models import Department, User
from wnwa.tenants.names import matches, words

PER_PAGE = 50
MAX_PAGE = 100_000
STATUSES = ("active", "departed", "all")
# Each order ends with a unique column, so a row's sort key names one place in the roster.
# Name and employee-number orders are read from indexes (ix_user_account_roster_name and
# ix_user_account_roster_number): a page costs the same at any size and any depth.
SORTS: dict[str, tuple] = {
    "name": (User.last_key, User.first_key, User.id),
    "number": (User.number_key, User.id),
    "email": (User.email,),
    "rank": (User.rank, User.last_key, User.id),
    "type": (User.sworn, User.last_key, User.id),
}


@dataclass(frozen=True)
class RosterQuery:
    """What the roster shows. `after` / `before` (an account id) make the page the one just
    after / before that person in the current order (the Next and Previous links); `page` is
    then only the number shown. Without them, `page` counts pages from the start."""

    q: str = ""
    sort: str = "name"
    order: str = "asc"
    status: str = "active"
    page: int = 1
    after: int | None = None
    before: int | None = None

    def normalised(self) -> RosterQuery:
        return RosterQuery(
            q=self.q.strip()[:100],
            sort=self.sort if self.sort in SORTS else "name",
            order="desc" if self.order == "desc" else "asc",
            status=self.status if self.status in STATUSES else "active",
            page=min(MAX_PAGE, max(1, self.page)),
            after=self.after if self.after and 0 < self.after <= MAX_STORED_ID else None,
            before=(
                self.before
                if self.before and 0 < self.before <= MAX_STORED_ID and not self.after
                else None
            ),
        )

    def args(self, **changes) -> dict[str, str | int]:
        """Query-string arguments for a link that changes some of these settings (a link
        keeps no cursor unless it names one)."""
        values = {
            "q": self.q,
            "sort": self.sort,
            "order": self.order,
            "status": self.status,
            "page": self.page,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class PersonRow:
    id: int
    employee_number: str
    name: str
    email: str
    rank: str
    kind: str
    roles: tuple[str, ...]
    on_roster: bool


@dataclass(frozen=True)
class SortLink:
    key: str
    label: str
    args: dict
    state: str  # "ascending" | "descending" | "none" (aria-sort)


@dataclass
class RosterPage:
    people: list[PersonRow]
    total: int
    query: RosterQuery
    pages: int
    sort_links: list[SortLink] = field(default_factory=list)

    @property
    def has_prev(self) -> bool:
        return self.query.page > 1 and bool(self.people)

    @property
    def has_next(self) -> bool:
        return self.query.page < self.pages and bool(self.people)

    def prev_args(self) -> dict:
        """The Previous link: the page before the first person shown."""
        return self.query.args(page=self.query.page - 1, before=self.people[0].id)

    def next_args(self) -> dict:
        """The Next link: the page after the last person shown."""
        return self.query.args(page=self.query.page + 1, after=self.people[-1].id)

    @property
    def first_shown(self) -> int:
        return 0 if not self.total else (self.query.page - 1) * PER_PAGE + 1

    @property
    def last_shown(self) -> int:
        return min(self.total, self.query.page * PER_PAGE)


def _roles(user: User) -> tuple[str, ...]:
    roles = []
    if user.is_chief:
        roles.append("Chief")
    if user.is_finance:
        roles.append("Department finance")
    return tuple(roles)


def _row(user: User) -> PersonRow:
    return PersonRow(
        id=user.id,
        employee_number=user.employee_number,
        name=f"{user.last_name}, {user.first_name}",
        email=user.email,
        rank=user.rank,
        kind=sworn_label(user.sworn),
        roles=_roles(user),
        on_roster=user.active,
    )


def _sort_links(query: RosterQuery) -> list[SortLink]:
    labels = {
        "number": "Employee number",
        "name": "Name",
        "email": "Work email",
        "rank": "Rank",
        "type": "Sworn or civilian",
    }
    links = []
    for key, label in labels.items():
        current = query.sort == key
        order = "desc" if current and query.order == "asc" else "asc"
        state = ("ascending" if query.order == "asc" else "descending") if current else "none"
        links.append(SortLink(key, label, query.args(sort=key, order=order, page=1), state))
    return links


def _cursor(columns: tuple, account_id: int | None) -> tuple | None:
    """The sort key of the person a Next/Previous link names (None: no such person here)."""
    if account_id is None:
        return None
    row = db.session.execute(select(*columns).where(User.id == account_id)).first()
    return tuple(row) if row is not None else None


def roster_page(department: Department, query: RosterQuery) -> RosterPage:
    """One page of the department's people (the department must be the bound tenant).

    The page's ids come from an index in the page's order: after or before a cursor (the
    Next and Previous links) the index is read from that person on; a page number skips
    entries of the index alone. The people are then loaded by id, 50 at most.
    """
    query = query.normalised()
    conditions = matches(User, words(query.q))
    if query.status == "active":
        conditions.append(User.active.is_(True))
    elif query.status == "departed":
        conditions.append(User.active.is_(False))
    total = db.session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    columns = SORTS[query.sort]
    descending = query.order == "desc"
    after = _cursor(columns, query.after)
    before = _cursor(columns, query.before) if after is None else None
    page = min(query.page, pages)
    query = RosterQuery(query.q, query.sort, query.order, query.status, page)
    backwards = (before is not None and not descending) or (before is None and descending)
    order_by = [c.desc() if backwards else c.asc() for c in columns]
    ids = select(User.id).where(*conditions).order_by(*order_by).limit(PER_PAGE)
    if after is not None:
        ids = ids.where(tuple_(*columns) < after if descending else tuple_(*columns) > after)
    elif before is not None:
        ids = ids.where(tuple_(*columns) > before if descending else tuple_(*columns) < before)
    else:
        ids = ids.offset((page - 1) * PER_PAGE)
    found = list(db.session.scalars(ids))
    if before is not None:
        found.reverse()
    if (after is not None or before is not None) and not found:
        return roster_page(department, RosterQuery(query.q, query.sort, query.order, query.status))
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(found)))}
    rows = [_row(people[i]) for i in found]
    return RosterPage(rows, total, query, pages, _sort_links(query))


# --- one person -----------------------------------------------------------------------------


def get_person(user_id: int) -> User:
    """A person of the bound department; another department's id is a 404."""
    user = db.session.scalars(select(User).where(User.id == user_id)).one_or_none()
    if user is None:
        raise NotFound("There is no such person on your roster.")
    return user


def form_data(user: User) -> dict[str, str]:
    """A person's facts as the edit form shows them, with the version they were read at."""
    values = {name: getattr(user, name) for name in PERSON_FIELDS}
    values["sworn"] = "sworn" if user.sworn else "civilian"
    values["opened"] = person_version(user)
    return values


def person_version(user: User) -> str:
    """A short fingerprint of a person's roster facts: an edit form carries the one it was
    opened at, so a save over facts someone has changed since is noticed."""
    facts = json.dumps([str(getattr(user, name)) for name in PERSON_FIELDS])
    return hashlib.sha256(facts.encode()).hexdigest()[:16]


class ChangedMeanwhile(Conflict):
    """The person's facts changed after the form was opened; `version` is theirs now."""

    def __init__(self, user: User) -> None:
        super().__init__(
            f"Someone saved {user.display_name}'s details after you opened this page. Your "
            "changes are still in the form: check them against the saved details (the history "
            "shows what changed) and save again to apply them."
        )
        self.version = person_version(user)


def update_person(
    department: Department,
    user_id: int,
    values: dict[str, str],
    *,
    actor,
    opened: str | None = None,
) -> User:
    """Change one person's roster facts, by the same rules as a CSV line. `opened`: the
    version the form was opened at; a save over facts changed since is refused."""
    lock_department(department.id)
    user = get_person(user_id)
    if opened and opened != person_version(user):
        raise ChangedMeanwhile(user)
    row, problems = clean_person(values)
    if row is None:
        raise InvalidInput(" ".join(problems))
    check_person_free(department.id, row, user.id)
    changed = [name for name in PERSON_FIELDS if getattr(user, name) != getattr(row, name)]
    for name in changed:
        setattr(user, name, getattr(row, name))
    if changed:
        audit.record(
            actor,
            "roster.edit",
            department_id=department.id,
            subject=f"employee {user.employee_number}",
            details={"fields": [FIELD_LABELS[name] for name in changed]},
        )
    db.session.commit()
    return user


def set_roles(department: Department, user_id: int, *, chief: bool, finance: bool, actor) -> User:
    """Designate or remove the chief and department-finance roles."""
    lock_department(department.id)
    user = get_person(user_id)
    if not user.active and (chief or finance):
        raise InvalidInput("Reinstate this person before giving them a role.")
    if user.is_chief and not chief:
        check_chief_remains([user.id])
    before = _roles(user)
    user.is_chief, user.is_finance = chief, finance
    after = _roles(user)
    if before != after:
        audit.record(
            actor,
            "roster.roles",
            department_id=department.id,
            subject=f"employee {user.employee_number}",
            details={"before": list(before), "after": list(after)},
        )
    db.session.commit()
    return user


def depart_person(department: Department, user_id: int, *, actor) -> User:
    """Mark a departure: the account stops working for good (roles end, credentials are
    replaced) and any directory listing goes at once."""
    lock_department(department.id)
    user = get_person(user_id)
    if not user.active:
        return user
    check_chief_remains([user.id])
    depart_people([user.id])
    audit.record(
        actor,
        "roster.departure",
        department_id=department.id,
        subject=f"employee {user.employee_number}",
    )
    db.session.commit()
    return get_person(user_id)


def reinstate_person(department: Department, user_id: int, *, actor) -> User:
    """Bring a departed person back as a plain officer without roles, with fresh credentials
    and a new invitation (whoever holds the mailbox now sets the password)."""
    lock_department(department.id)
    user = get_person(user_id)
    if user.active:  # a double click, or another chief was first
        raise Conflict(f"{user.display_name} is already on the roster.")
    queue_invitations(reinstate_people([user.id]), department.id)
    audit.record(
        actor,
        "roster.reinstate",
        department_id=department.id,
        subject=f"employee {user.employee_number}",
    )
    db.session.commit()
    return get_person(user_id)


def resend_invitation(department: Department, user_id: int, *, actor) -> str:
    """Queue a fresh invitation. The same for everyone, activated or not; returns the address."""
    user = get_person(user_id)
    if not user.active:
        raise InvalidInput(f"{user.display_name} has left the roster. Reinstate them first.")
    queue_invitation(
        Invitee(user.id, user.email, user.first_name, user.password_hash), department.id
    )
    audit.record(
        actor,
        "roster.invitation",
        department_id=department.id,
        subject=f"employee {user.employee_number}",
    )
    db.session.commit()
    return user.email


# --- export ---------------------------------------------------------------------------------

EXPORT_HEADERS = [*TEMPLATE_HEADERS, "Chief", "Department finance", "Roster status"]


def export_roster(department: Department, *, include_departed: bool = False) -> str:
    """The roster as formula-safe CSV that imports back unchanged."""
    statement = select(
        User.employee_number,
        User.first_name,
        User.last_name,
        User.email,
        User.rank,
        User.sworn,
        User.is_chief,
        User.is_finance,
        User.active,
    ).order_by(User.last_name, User.first_name, User.id)
    if not include_departed:
        statement = statement.where(User.active.is_(True))
    people = db.session.execute(statement)
    return export_csv(
        EXPORT_HEADERS,
        (
            [
                u.employee_number,
                u.first_name,
                u.last_name,
                u.email,
                u.rank,
                sworn_label(u.sworn),
                "Yes" if u.is_chief else "No",
                "Yes" if u.is_finance else "No",
                ON_ROSTER if u.active else DEPARTED,
            ]
            for u in people
        ),
    )
