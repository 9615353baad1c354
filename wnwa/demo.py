"""A demo network for `make run`: the member departments from the FAQ and one account per role."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select

from wnwa.auth.models import StaffAccount
from wnwa.auth.passwords import hash_password
from wnwa.directory.demo import list_demo_peer, refresh_demo_availability, seed_demo_supporters
from wnwa.extensions import db
from wnwa.professionals.demo import seed_demo_professionals, seed_demo_vetting
from wnwa.resources.demo import seed_resources
from wnwa.site.demo import seed_requests
from wnwa.tenants.credentials import Secrets, fresh_credentials, seal
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import tenant_context
from wnwa.tenants.services import slugify
from wnwa.training.demo import seed_external_submission, seed_training, seed_waitlist
from wnwa.us_states import network_day

DEMO_PASSWORD = "quiet harbor lantern 2026"  # printed demo login  # noqa: S105  # nosec B105
DEMO_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # printed so a demo user can add it to an app
DEMO_DEPARTMENT = "Aurora Police Department"
DEMO_PEER_EMAIL = "peer@aurora.demo"

# (county, [(department, declared sworn strength)]) for the 56 member departments.
MEMBERS: list[tuple[str, list[tuple[str, int]]]] = [
    ("Adams", [("Quincy Police Department", 72), ("Adams County Sheriff's Office", 41)]),
    (
        "Cook",
        [
            ("Evanston Police Department", 152),
            ("Skokie Police Department", 108),
            ("Oak Park Police Department", 112),
            ("Schaumburg Police Department", 111),
            ("Arlington Heights Police Department", 109),
            ("Des Plaines Police Department", 94),
            ("Palatine Police Department", 93),
            ("Orland Park Police Department", 101),
            ("Berwyn Police Department", 98),
            ("Glenview Police Department", 61),
        ],
    ),
    (
        "DuPage",
        [
            ("Naperville Police Department", 168),
            ("Wheaton Police Department", 66),
            ("Downers Grove Police Department", 76),
            ("Lombard Police Department", 64),
            ("Elmhurst Police Department", 71),
            ("DuPage County Sheriff's Office", 214),
        ],
    ),
    (
        "Grundy",
        [
            ("Morris Police Department", 26),
            ("Coal City Police Department", 12),
            ("Grundy County Sheriff's Office", 34),
        ],
    ),
    (
        "Kane",
        [
            ("Aurora Police Department", 291),
            ("Elgin Police Department", 183),
            ("St. Charles Police Department", 56),
            ("Batavia Police Department", 35),
            ("Geneva Police Department", 31),
            ("Kane County Sheriff's Office", 118),
        ],
    ),
    (
        "Kendall",
        [
            ("Oswego Police Department", 46),
            ("Yorkville Police Department", 34),
            ("Plano Police Department", 19),
            ("Kendall County Sheriff's Office", 72),
        ],
    ),
    (
        "LaSalle",
        [
            ("Ottawa Police Department", 36),
            ("Peru Police Department", 24),
            ("Streator Police Department", 25),
            ("LaSalle County Sheriff's Office", 47),
        ],
    ),
    (
        "Lake",
        [
            ("Waukegan Police Department", 143),
            ("North Chicago Police Department", 44),
            ("Highland Park Police Department", 59),
            ("Mundelein Police Department", 44),
            ("Vernon Hills Police Department", 43),
            ("Lake County Sheriff's Office", 201),
        ],
    ),
    (
        "McHenry",
        [
            ("Crystal Lake Police Department", 71),
            ("McHenry Police Department", 46),
            ("Woodstock Police Department", 44),
            ("Algonquin Police Department", 54),
            ("McHenry County Sheriff's Office", 128),
        ],
    ),
    (
        "Peoria",
        [
            ("Peoria Police Department", 221),
            ("Peoria Heights Police Department", 14),
            ("Chillicothe Police Department", 11),
            ("Peoria County Sheriff's Office", 88),
        ],
    ),
    (
        "Will",
        [
            ("Joliet Police Department", 252),
            ("Bolingbrook Police Department", 116),
            ("Romeoville Police Department", 61),
            ("Plainfield Police Department", 55),
            ("New Lenox Police Department", 44),
            ("Will County Sheriff's Office", 232),
        ],
    ),
]

FIRST = (
    "James Maria Robert Linda Michael Patricia David Jennifer William Elizabeth Richard "
    "Susan Joseph Jessica Thomas Sarah Carlos Ana Daniel Karen Kevin Nancy Brian Lisa "
    "Anthony Betty Mark Sandra Luis Ashley Steven Kimberly Andrew Emily Jose Donna"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Nowak Kowalski Murphy O'Brien Sullivan Kelly"
).split()
RANKS = ("Officer", "Officer", "Officer", "Officer", "Sergeant", "Detective", "Lieutenant")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    totp_secret: str | None


def seed_demo(*, today: date | None = None, rng: random.Random | None = None) -> list[DemoLogin]:
    """Create the demo network if the database has no departments yet; return the logins."""
    rng = rng or random.Random(2026)  # demo data  # noqa: S311  # nosec B311
    today = today or network_day()
    if db.session.scalar(select(Department.id).limit(1)) is not None:
        return []
    for county, departments in MEMBERS:
        for name, sworn in departments:
            years_ago = rng.randint(0, 4)
            joined = date(today.year - years_ago, rng.randint(1, 12), rng.randint(1, 28))
            joined = min(joined, today)
            db.session.add(
                Department(
                    name=name,
                    slug=slugify(name),
                    county=county,
                    state="IL",
                    sworn_declared=sworn,
                    joined_on=joined,
                )
            )
    db.session.commit()
    for dept in db.session.scalars(select(Department)).all():
        _seed_roster(dept, rng)
    logins = _seed_logins()
    seed_training(today)
    seed_demo_supporters(today, rng)
    dept = db.session.scalar(select(Department).where(Department.name == DEMO_DEPARTMENT))
    with tenant_context(dept.id):
        peer = db.session.scalar(select(User).where(User.email == DEMO_PEER_EMAIL))
        list_demo_peer(peer, today, rng)
    seed_waitlist(today, DEMO_DEPARTMENT)
    seed_external_submission(today, DEMO_DEPARTMENT)
    refresh_demo_availability(rng)
    seed_demo_professionals(rng)
    seed_demo_vetting()
    seed_requests(today)
    seed_resources(today)
    return logins


def refresh_demo(rng: random.Random | None = None) -> int:
    """Give an existing demo network fresh availability statuses (an "available now" status
    lasts hours, a demo lasts longer); returns how many supporters are available now."""
    if db.session.scalar(select(Department.id).limit(1)) is None:
        return 0
    return refresh_demo_availability(rng or random.Random())  # demo data  # noqa: S311  # nosec B311


def _seed_roster(dept: Department, rng: random.Random) -> None:
    domain = dept.slug.replace("-police-department", "").replace("-sheriff-s-office", "-so")
    provisioned = dept.sworn_declared - rng.randint(0, 2)
    rows = []
    for n in range(provisioned + max(2, provisioned // 8)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        password_hash, secrets = fresh_credentials()
        rows.append(
            {
                "department_id": dept.id,
                "email": f"{first}.{last}.{n}@{domain}.demo".lower().replace("'", ""),
                "employee_number": f"{1000 + n}",
                "first_name": first,
                "last_name": last,
                "rank": rng.choice(RANKS) if n < provisioned else "Civilian staff",
                "sworn": n < provisioned,
                "is_chief": False,
                "is_finance": False,
                "active": True,
                "password_hash": password_hash,
                "secrets": secrets,
            }
        )
    with tenant_context(dept.id):
        db.session.execute(insert(User), rows)
        db.session.commit()


def _seed_logins() -> list[DemoLogin]:
    dept = db.session.scalar(select(Department).where(Department.name == DEMO_DEPARTMENT))
    logins = []
    people = [
        ("officer", "officer@aurora.demo", "Dana", "Reyes", False, False, None),
        ("peer", DEMO_PEER_EMAIL, "Sarah", "Novak", False, False, None),
        ("chief", "chief@aurora.demo", "Morgan", "Hale", True, False, DEMO_TOTP),
        ("department_finance", "finance@aurora.demo", "Pat", "Quinn", False, True, DEMO_TOTP),
    ]
    password_hash = hash_password(DEMO_PASSWORD)
    with tenant_context(dept.id):
        for role, email, first, last, chief, finance, totp in people:
            db.session.add(
                User(
                    email=email,
                    employee_number=f"D-{role[:3].upper()}",
                    first_name=first,
                    last_name=last,
                    rank="Chief" if chief else ("Sergeant" if role == "peer" else "Officer"),
                    sworn=not finance,
                    is_chief=chief,
                    is_finance=finance,
                    password_hash=password_hash,
                    secrets=seal(Secrets(totp=totp)),
                )
            )
            logins.append(DemoLogin(role, email, DEMO_PASSWORD, totp))
        db.session.commit()
    for role in ("network_admin", "network_finance", "vetter"):
        email = f"{role.replace('_', '-')}@wnwa.demo"
        db.session.add(
            StaffAccount(
                email=email,
                name=role.replace("_", " ").title(),
                role=role,
                password_hash=password_hash,
                secrets=seal(Secrets(totp=DEMO_TOTP)),
            )
        )
        logins.append(DemoLogin(role, email, DEMO_PASSWORD, DEMO_TOTP))
    db.session.commit()
    return logins


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("officer", "officer@aurora.demo", DEMO_PASSWORD, None),
        DemoLogin("peer supporter", DEMO_PEER_EMAIL, DEMO_PASSWORD, None),
        DemoLogin("chief", "chief@aurora.demo", DEMO_PASSWORD, DEMO_TOTP),
        DemoLogin("department_finance", "finance@aurora.demo", DEMO_PASSWORD, DEMO_TOTP),
        DemoLogin("network_admin", "network-admin@wnwa.demo", DEMO_PASSWORD, DEMO_TOTP),
        DemoLogin("network_finance", "network-finance@wnwa.demo", DEMO_PASSWORD, DEMO_TOTP),
        DemoLogin("vetter", "vetter@wnwa.demo", DEMO_PASSWORD, DEMO_TOTP),
    ]
