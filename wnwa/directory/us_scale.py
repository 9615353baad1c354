"""US-scale synthetic network for benchmarks: about 18,000 departments, 800,000 officers and
40,000 listed peer supporters, written with Core bulk inserts in a few minutes. Department
sizes follow the published US distribution (SIZE_BANDS): about half under 10 sworn, a few
dozen over 1,000, the largest about 36,000.

Each account gets its own fresh credentials (random unusable hash, empty sealed blob), as real
provisioning does. On PostgreSQL the rows of each department are written with that department
bound, so row-level security checks every insert as it would in production.

`flask --app wsgi demo seed --scale us` calls `seed_us_scale()`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update

from wnwa.directory import readmodel, vocab
from wnwa.directory.models import DirectoryEntry, SupporterProfile
from wnwa.extensions import db, utcnow
from wnwa.tenants.credentials import fresh_credentials
from wnwa.tenants.models import Department, User
from wnwa.tenants.scoping import bind_tenant
from wnwa.training.models import Certification
from wnwa.us_states import network_day

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Ashley Donald Kimberly Steven Emily Andrew Donna Paul "
    "Michelle Joshua Carol Kenneth Amanda Kevin Melissa Brian Deborah George Stephanie Timothy "
    "Rebecca Ronald Laura Jason Sharon Edward Cynthia Jeffrey Kathleen Ryan Amy Jacob Angela "
    "Gary Shirley Nicholas Brenda Eric Emma Jonathan Anna Stephen Pamela Larry Nicole Justin "
    "Samantha Scott Katherine Brandon Christine Benjamin Debra Samuel Rachel Gregory Carolyn "
    "Alexander Janet Patrick Maria Frank Olivia Raymond Heather Jack Helen Dennis Catherine "
    "Jose Luis Carlos Juan Miguel Rosa Ana Carmen Wei Minh Thanh Aisha Omar Fatima Kwame Ngozi"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook "
    "Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward "
    "Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez "
    "Castillo Sanders Patel Myers Long Ross Foster Jimenez Kowalczyk Nowak Okafor Haddad Yamamoto"
).split()
SYLLABLES = (
    "ash bel bran card dale eden fair glen hart iron kings lake mill north oak pine "
    "quarry red river rock sand shore spring stone sum thorn vale west wood york"
).split()
SUFFIXES = ("ton", "ville", "field", "burg", " Falls", " Heights", " Park", "ford", " City", "port")
BIO_OPENERS = (
    "I have been where you are.",
    "Call me any time, day or night shift.",
    "No judgment, just someone who gets the job.",
    "Been through it and came out the other side.",
    "Happy to listen, confidential, off the record.",
)
BIO_MIDDLES = {
    "critical": "I was involved in a shooting in {year} and know what the weeks after feel like.",
    "lineofduty": "We lost my partner in {year}; grief on this job is different.",
    "family": "My divorce in {year} taught me a lot about shift work and family.",
    "substance": "Sober since {year}. I can talk about drinking without a lecture.",
    "military": "Army veteran, two deployments before the academy.",
    "injury": "Line-of-duty injury in {year}, long rehab, back on the road.",
    "grief": "Lost my father in {year} while working nights.",
    "suicide": "I lost a classmate to suicide in {year}.",
    "stress": "Burned out hard around {year}; sleep and stress are my topics.",
    "discipline": "Went through an IA investigation in {year}.",
    "financial": "Dug out of debt on a patrol salary.",
    "retirement": "Retired in {year}, still here for the ones coming up.",
    "parenting": "Dad of three, two of them teenagers.",
    "health": "Cancer survivor since {year}.",
}
STATE_WEIGHTS = {
    "CA": 30, "TX": 36, "FL": 18, "NY": 20, "PA": 40, "IL": 32, "OH": 30, "GA": 22, "NC": 20,
    "MI": 22, "NJ": 20, "VA": 14, "WA": 10, "AZ": 7, "MA": 14, "TN": 14, "IN": 16, "MO": 22,
    "MD": 6, "WI": 18, "CO": 9, "MN": 15, "SC": 10, "AL": 16, "LA": 14, "KY": 14, "OR": 7,
    "OK": 16, "CT": 5, "UT": 6, "IA": 14, "NV": 3, "AR": 13, "MS": 12, "KS": 14, "NM": 5,
    "NE": 8, "ID": 5, "WV": 9, "HI": 1, "NH": 8, "ME": 6, "MT": 5, "RI": 2, "DE": 2, "SD": 5,
    "ND": 4, "AK": 2, "DC": 1, "VT": 3, "WY": 3,
}  # fmt: skip
DEPARTMENT_CHUNK = 400  # departments per transaction
# Local police departments and sheriffs' offices by sworn officers, after the shares the Bureau
# of Justice Statistics publishes (censuses of state and local law enforcement agencies): about
# half have fewer than 10, a few dozen have 1,000 or more. (share, fewest, most)
SIZE_BANDS = (
    (0.099, 1, 1),
    (0.204, 2, 4),
    (0.211, 5, 9),
    (0.247, 10, 24),
    (0.121, 25, 49),
    (0.066, 50, 99),
    (0.033, 100, 249),
    (0.010, 250, 499),
    (0.005, 500, 999),
    (0.004, 1_000, 13_000),
)
LARGEST = 36_000  # the largest US agency has about 34,000-36,000 sworn officers


@dataclass
class SeedSummary:
    departments: int
    officers: int
    supporters: int
    bench_department_id: int


def _place_name(rng: random.Random) -> str:
    stem = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
    return (stem + rng.choice(SUFFIXES)).title().replace("  ", " ")


def _sizes(rng: random.Random, departments: int, officers: int, largest: int) -> list[int]:
    """Department sizes drawn from SIZE_BANDS (log-uniform inside a band), the biggest set to
    `largest`; departments of 25 or more are then scaled together so the total is about
    `officers`, leaving the small ones (most departments) as drawn."""
    bands = rng.choices(SIZE_BANDS, [share for share, *_ in SIZE_BANDS], k=departments)
    sizes = [
        min(most, int(math.exp(rng.uniform(math.log(fewest), math.log(most + 1)))))
        for _, fewest, most in bands
    ]
    biggest = max(range(departments), key=sizes.__getitem__)
    sizes[biggest] = largest
    large = [i for i in range(departments) if i != biggest and sizes[i] >= 25]
    small = sum(sizes) - largest - sum(sizes[i] for i in large)
    if large:
        factor = max(0.0, officers - largest - small) / sum(sizes[i] for i in large)
        for i in large:
            sizes[i] = max(1, min(largest, round(sizes[i] * factor)))
    return sizes


def _supporter_quota(sizes: list[int], supporters: int) -> list[int]:
    wanted = [max(1, math.ceil(0.05 * n)) if n >= 5 else 0 for n in sizes]
    scale = supporters / max(1, sum(wanted))
    quota = [min(n, int(w * scale)) for w, n in zip(wanted, sizes, strict=True)]
    rest = supporters - sum(quota)
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    i = 0
    while rest > 0 and order:
        index = order[i % len(order)]
        if quota[index] < sizes[index]:
            quota[index] += 1
            rest -= 1
        i += 1
    return quota


def _status(rng: random.Random, now: datetime) -> tuple[str, datetime | None]:
    roll = rng.random()
    if roll < 0.10:
        return vocab.STATUS_NOW, now + timedelta(hours=rng.choice(vocab.NOW_HOURS))
    if roll < 0.12:
        return vocab.STATUS_NOW, now - timedelta(hours=rng.randint(1, 48))  # expired
    if roll < 0.22:
        return vocab.STATUS_LATER, now + timedelta(hours=rng.randint(2, 14))
    if roll < 0.27:
        return vocab.STATUS_AWAY, now + timedelta(days=rng.randint(1, 30))
    if roll < 0.30:
        return vocab.STATUS_PAUSED, now + timedelta(days=rng.randint(1, 30))
    return "", None


def _profile(rng: random.Random, user: dict, now: datetime) -> dict:
    topics = rng.sample(list(vocab.TOPICS), rng.randint(1, 4))
    assignments = rng.sample(list(vocab.ASSIGNMENTS), rng.randint(1, 3))
    languages = ["en"]
    if rng.random() < 0.18:
        languages.append("es")
    if rng.random() < 0.06:
        languages.append(rng.choice(list(vocab.LANGUAGES)[2:]))
    year = rng.randint(1995, 2025)
    bio = " ".join(
        [rng.choice(BIO_OPENERS)] + [BIO_MIDDLES[t].format(year=year) for t in topics[:2]]
    )
    status, until = _status(rng, now)
    return {
        "user_id": user["id"],
        "department_id": user["department_id"],
        "listed": True,
        "display_name": f"{user['first_name']} {user['last_name']}",
        "phone": f"+1{rng.randint(201, 989)}555{rng.randint(0, 9999):04d}",
        "accepts_texts": rng.random() < 0.6,
        "contact_email": "" if rng.random() < 0.7 else f"peer{user['id']}@example.org",
        "years_of_service": rng.randint(3, 35),
        "assignments": " ".join(c for c in vocab.ASSIGNMENTS if c in assignments),
        "topics": " ".join(c for c in vocab.TOPICS if c in topics),
        "languages": " ".join(c for c in vocab.LANGUAGES if c in languages),
        "gender": rng.choices(["man", "woman", "nonbinary", ""], [70, 22, 1, 7])[0],
        "career": "retired" if rng.random() < 0.12 else "active",
        "bio": bio,
        "status": status,
        "status_until": until,
    }


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def seed_us_scale(
    *,
    departments: int = 18_000,
    officers: int = 800_000,
    supporters: int = 40_000,
    largest: int | None = None,
    seed: int = 2026,
    today: date | None = None,
) -> SeedSummary:
    """Add a US-scale network to the database (refuses if departments already exist)."""
    rng = random.Random(seed)  # synthetic data  # noqa: S311  # nosec B311
    now = utcnow()
    today = today or network_day(now)
    session = db.session()
    if session.scalar(select(Department.id).limit(1)) is not None:
        raise RuntimeError("The database already has departments: seed an empty one.")
    largest = largest or min(LARGEST, max(1, officers // 5))
    sizes = _sizes(rng, departments, officers, largest)
    quota = _supporter_quota(sizes, supporters)
    states = rng.choices(list(STATE_WEIGHTS), list(STATE_WEIGHTS.values()), k=departments)
    counties = {s: [_place_name(rng) for _ in range(40)] for s in STATE_WEIGHTS}
    dept_rows = []
    for i in range(departments):
        state = states[i]
        county = rng.choice(counties[state])
        kind = "County Sheriff's Office" if rng.random() < 0.15 else "Police Department"
        name = f"{county} {kind}" if kind.startswith("County") else f"{_place_name(rng)} {kind}"
        dept_rows.append(
            {
                "name": name,
                "slug": f"us-{i:05d}",
                "county": county,
                "state": state,
                "sworn_declared": sizes[i],
                "joined_on": today - timedelta(days=rng.randint(30, 2000)),
                "status": "active",
                "created_at": now,
            }
        )
    connection = session.connection()
    dept_ids = connection.scalars(
        insert(Department.__table__).returning(
            Department.__table__.c.id, sort_by_parameter_order=True
        ),
        dept_rows,
    ).all()
    session.commit()
    for block in _chunks(list(range(departments)), DEPARTMENT_CHUNK):
        for i in block:
            _seed_department(session, rng, dept_ids[i], dept_rows[i], sizes[i], quota[i], now)
        bind_tenant(None, session)
        session.commit()
    biggest = max(range(departments), key=sizes.__getitem__)
    return SeedSummary(departments, sum(sizes), sum(quota), dept_ids[biggest])


def _seed_department(session, rng, dept_id, dept, size, supporters, now) -> None:
    bind_tenant(dept_id, session)
    connection = session.connection()
    user_rows = []
    for k in range(size):
        password_hash, secrets = fresh_credentials()
        user_rows.append(
            {
                "department_id": dept_id,
                "email": f"o{k}.d{dept_id}@us-scale.example",
                "employee_number": f"{k + 1:06d}",
                "first_name": rng.choice(FIRST),
                "last_name": rng.choice(LAST),
                "rank": "Officer",
                "sworn": rng.random() < 0.96,
                "is_chief": k == 0,
                "is_finance": False,
                "active": True,
                "password_hash": password_hash,
                "secrets": secrets,
            }
        )
    table = User.__table__
    user_ids = connection.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), user_rows
    ).all()
    if not supporters:
        return
    chosen = rng.sample(range(size), supporters)
    people = [{**user_rows[k], "id": user_ids[k]} for k in chosen]
    certified = []
    for _ in people:
        on = now.date() - timedelta(days=rng.randint(10, 700))
        renews = on + timedelta(days=730) if rng.random() < 0.8 else None
        certified.append((on, renews))
    connection.execute(
        insert(Certification.__table__),
        [
            {
                "department_id": dept_id,
                "user_id": p["id"],
                "source": "class",
                "course": "Peer support basic",
                "certified_on": on,
                "renews_on": renews,
            }
            for p, (on, renews) in zip(people, certified, strict=True)
        ],
    )
    profiles = [_profile(rng, p, now) for p in people]
    ptable = SupporterProfile.__table__
    profile_ids = connection.scalars(
        insert(ptable).returning(ptable.c.id, sort_by_parameter_order=True), profiles
    ).all()
    _write_entries(connection, rng, dept_id, dept, profiles, profile_ids, certified, now)


def _write_entries(connection, rng, dept_id, dept, profiles, profile_ids, certified, now):
    entries, docs = [], []
    for profile, profile_id, period in zip(profiles, profile_ids, certified, strict=True):
        values = {
            **profile,
            "id": profile_id,
            "department_name": dept["name"],
            "county": dept["county"],
            "state": dept["state"],
        }
        window = readmodel.certification_window([period], network_day(now))
        if window is None:
            continue
        entry_id = rng.randrange(1, 2**53)
        entries.append(
            {"id": entry_id, "profile_id": profile_id, **readmodel.entry_values(values, window)}
        )
        docs.append((entry_id, dept_id, readmodel.document(values)))
    if not entries:
        return
    connection.execute(insert(DirectoryEntry.__table__), entries)
    readmodel.write_index_rows(connection, docs)


def restamp_availability(now: datetime | None = None) -> int:
    """Move the seeded availability windows forward by the time since the seed (a cached
    benchmark database made days ago would otherwise have every "available now" expired): the
    same windows, relative to now, as a fresh seed has, so both engines hold the same data.
    SQLite benchmark files only: it writes every department's profiles at once, which
    row-level security forbids."""
    now = now or utcnow()
    session = db.session()
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        raise RuntimeError("restamp_availability is for the cached SQLite benchmark database")
    seeded = session.scalar(select(func.min(Department.created_at)))
    shift = now - seeded if seeded else timedelta(0)
    ptable = SupporterProfile.__table__
    rows = connection.execute(
        select(ptable.c.id, ptable.c.status_until).where(ptable.c.status_until.is_not(None))
    ).all()
    if rows:
        connection.execute(
            update(ptable)
            .where(ptable.c.id == bindparam("pid"))
            .values(status_until=bindparam("until")),
            [{"pid": pid, "until": until + shift} for pid, until in rows],
        )
    table = DirectoryEntry.__table__
    connection.execute(
        update(table)
        .where(table.c.status_until > 0)
        .values(status_until=table.c.status_until + int(shift.total_seconds()))
    )
    # The windows are now relative to `now`: the next restamp moves them from here, not again
    # from the seed (shifts added up run after run, and windows that had ended came back).
    connection.execute(update(Department.__table__).values(created_at=now))
    # The available-now index is refilled all the same, so a file written before the seed
    # kept that index answers like a fresh one.
    readmodel.rebuild_now_index(connection)
    session.commit()
    return len(rows)
